"""Playwright in Debian's Chromium (/usr/bin/chromium). Never a downloaded browser, never skipped.

`make test` installs Chromium with apt-get when it is missing (scripts/sysdeps.sh); if it is
still missing, these tests fail with the command to run rather than skipping silently.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}. Install it: sudo apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def new_context(browser, base_url, *, width=1280, height=900, bypass_csp=True):
    # Playwright's wait_for_function evaluates strings in the page, which the site's strict CSP
    # forbids; journeys bypass CSP, and test_pages_satisfy_the_content_security_policy uses
    # the `strict_page` fixture, which enforces it.
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": height}, bypass_csp=bypass_csp)
    context.set_default_timeout(15_000)
    return context


# Wagtail's own admin screens and drf-spectacular's Swagger UI are other projects' HTML; the plugin's
# admin pages (the cohort import) are checked.
NOT_OURS = re.compile(r"^/(django-admin/|api/v1/docs/|admin/(?!cohort-import/))")


@pytest.fixture(scope="session")
def html_checker():
    """The Nu HTML Checker, started the first time a test checks a page (tests/browser/htmlcheck.py)."""
    from tests.browser.htmlcheck import HtmlChecker

    holder = {}

    def get():
        if "checker" not in holder:
            holder["checker"] = HtmlChecker()
        return holder["checker"]

    yield get
    if "checker" in holder:
        holder["checker"].stop()


def record_html(page) -> list[tuple[str, str]]:
    """Keep the HTML the server sends for each page the journey opens (our pages only)."""
    documents = []

    def on_response(response):
        request = response.request
        if request.resource_type != "document" or request.frame != page.main_frame or response.status >= 300:
            return
        if not response.headers.get("content-type", "").startswith("text/html"):
            return
        if NOT_OURS.match(urlsplit(response.url).path):
            return
        try:
            documents.append((response.url, response.text()))
        except Exception:  # the page was closed or navigated away before its body was read
            return

    page.on("response", on_response)
    return documents


def check_html(checker, documents) -> None:
    from tests.browser.htmlcheck import describe

    failures = []
    for url, html in documents:
        errors = checker.check(html)
        if errors:
            failures.append(f"{url}:\n{describe(errors)}")
    if failures:
        pytest.fail("Nu HTML Checker errors on pages this journey visited:\n" + "\n".join(failures), pytrace=False)


@pytest.fixture
def page(browser, live_server, html_checker):
    context = new_context(browser, live_server.url)
    page = context.new_page()
    documents = record_html(page)
    yield page
    context.close()
    check_html(html_checker(), documents)


WIDTHS = {"desktop": (1366, 900), "mobile": (390, 844)}


@pytest.fixture(params=list(WIDTHS))
def sized_page(request, browser, live_server, html_checker):
    """Like ``page``, once at 1366 px ("desktop") and once at 390 px ("mobile")."""
    width, height = WIDTHS[request.param]
    context = new_context(browser, live_server.url, width=width, height=height)
    page = context.new_page()
    documents = record_html(page)
    yield page
    context.close()
    check_html(html_checker(), documents)


@pytest.fixture
def strict_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture
def assert_accessible(axe):
    """Fail on any serious or critical axe violation on the current page."""

    def check(page):
        results = axe.run(page)
        bad = [v for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}]
        details = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in bad
        )
        assert not bad, f"axe violations on {page.url}:\n{details}"

    return check


def login(page, username, password, lands_on="**/learn/"):
    """Sign in and wait for the home the user lands on: /learn/, or ``lands_on`` (a trainer who is
    not staff lands on "**/trainer/cohorts/", lms.roles.home_url)."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lands_on)
