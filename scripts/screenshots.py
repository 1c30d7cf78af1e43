"""Regenerate docs/screenshots/: the main screens at 1366 px (desktop) and 390 px (mobile).

    make screenshots            # or: .venv/bin/python scripts/screenshots.py [--out DIR] [--only NAME ...]

A fresh SQLite database in a temporary folder gets the demo programme and accounts (`load_demo`) and
the few objects the remaining screens need (the same seeding as tests/browser/test_page_quality.py);
the site is served on a loopback port in this process and Debian's Chromium (/usr/bin/chromium)
takes viewport-sized screenshots through Playwright, saved as palette PNGs to keep them small.
Your own database and media are not touched except for the demo media files in media/.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = {"desktop": (1366, 900), "mobile": (390, 844)}
PASSWORDS = {"participant": "learn-micro-2026", "trainer": "coach-micro-2026", "admin": "admin-micro-2026"}

# (file name, role, path from the seed, the element to show at the top of the viewport or None)
SCREENS = [
    ("learn-home", "participant", lambda s: "/learn/", None),
    ("course", "participant", lambda s: s["course_url"], None),
    ("module", "participant", lambda s: s["module_url"], None),
    ("quiz", "participant", lambda s: f"/learn/attempts/{s['open_attempt']}/", None),
    ("challenge", "participant", lambda s: f"/learn/challenges/{s['course_id']}/", None),
    ("wins", "participant", lambda s: f"/learn/challenges/{s['course_id']}/wins/", None),
    ("wins-charts", "participant", lambda s: f"/learn/challenges/{s['course_id']}/wins/", "#settings-heading"),
    ("wins-weekly", "participant", lambda s: f"/learn/challenges/{s['course_id']}/wins/", "#weekly-heading"),
    ("practice-boosters", "participant", lambda s: "/learn/", "[data-testid=boosters]"),
    ("practice-checkin", "anonymous", lambda s: f"/learn/check-ins/{s['checkin_token']}/", None),
    ("plans", "participant", lambda s: "/learn/", "section[aria-labelledby=plans-dashboard-heading]"),
    ("account", "participant", lambda s: "/learn/account/", None),
    ("certificate-verify", "anonymous", lambda s: f"/certificates/verify/{s['verification_code']}/", None),
    ("trainer-cohorts", "trainer", lambda s: "/trainer/cohorts/", None),
    ("trainer-cohort", "trainer", lambda s: f"/trainer/cohorts/{s['cohort_id']}/", None),
    (
        "trainer-participant",
        "trainer",
        lambda s: f"/trainer/cohorts/{s['cohort_id']}/people/{s['cohort_enrolment_id']}/",
        None,
    ),
    ("admin-import", "admin", lambda s: f"/admin/cohort-import/{s['cohort_id']}/", None),
]


def setup_django(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)  # the request and login logs would drown the list of files


def serve():
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    return server


def save_png(raw: bytes, path: Path) -> int:
    """A palette PNG: screens of text and flat colours stay sharp at a fraction of the size."""
    from PIL import Image

    image = Image.open(io.BytesIO(raw)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
    return path.stat().st_size


def log_in(page, role: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password").fill(PASSWORDS[role])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", nargs="*", help="screen names to regenerate (default: all)")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="microlearn-screenshots-") as folder:
        setup_django(Path(folder) / "demo.sqlite3")
        from django.core.management import call_command
        from playwright.sync_api import sync_playwright

        from tests.browser.test_page_quality import seed_database

        call_command("migrate", verbosity=0, interactive=False)
        seed = seed_database()
        server = serve()
        base_url = f"http://127.0.0.1:{server.port}"
        screens = [s for s in SCREENS if not args.only or s[0] in args.only]
        args.out.mkdir(parents=True, exist_ok=True)
        total = taken = 0
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=args.chromium, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
                )
                for width, (w, h) in WIDTHS.items():
                    for role in ("anonymous", "participant", "trainer", "admin"):
                        mine = [s for s in screens if s[1] == role]
                        if not mine:
                            continue
                        context = browser.new_context(base_url=base_url, viewport={"width": w, "height": h})
                        page = context.new_page()
                        if role != "anonymous":
                            log_in(page, role)
                        for name, _, path, anchor in mine:
                            page.goto(path(seed))
                            page.wait_for_load_state("networkidle")
                            if anchor:
                                if not page.locator(anchor).count():
                                    print(f"{name}-{width}: nothing to show ({anchor} is not on the page); skipped")
                                    continue
                                page.locator(anchor).first.evaluate("el => el.scrollIntoView({block: 'start'})")
                            target = args.out / f"{name}-{width}.png"
                            size = save_png(page.screenshot(full_page=False, animations="disabled"), target)
                            total += size
                            taken += 1
                            shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
                            print(f"{shown}  {size // 1024} KiB")
                        context.close()
                browser.close()
        finally:
            server.terminate()
        print(f"{taken} screenshots, {total // 1024} KiB in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
