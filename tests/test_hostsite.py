"""The plugin as a host site gets it: the wheel built from this checkout, installed into a fresh
virtual environment beside the minimal host site in tests/hostsite/ (copied out of the checkout,
so nothing is imported from here), set up as README.md's "Use in your own Wagtail site" says:
`check`, `migrate`, `load_demo`, then pages rendered for a visitor and a signed-in participant.

The dependencies come from a wheelhouse in ~/.cache/wagtail-microlearn/ (HOSTSITE_WHEELHOUSE
overrides it), filled from PyPI on the first run and only when a requirement changes, so a warm
run installs offline. On PostgreSQL runs (DATABASE_URL set) the host site gets its own database.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import uuid
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOSTSITE = ROOT / "tests" / "hostsite"
README = ROOT / "README.md"
WHEELHOUSE = Path(
    os.environ.get("HOSTSITE_WHEELHOUSE")
    or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "wagtail-microlearn" / "wheelhouse"
)
# PYTHONDONTWRITEBYTECODE would have each command recompile Django and Wagtail from source.
SKIP_ENV = {
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "PYTHONDONTWRITEBYTECODE",
}

pytestmark = pytest.mark.hostsite


def run(*args, cwd, env=None, timeout=600):
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def offline_or_fill(pip, args, fill, cwd, env):
    """``pip args`` from the wheelhouse alone; if something is missing there, ``pip fill`` puts
    it there from the package index and the offline attempt is repeated."""
    offline = ["--no-index", "--find-links", WHEELHOUSE]
    first = subprocess.run([*pip, *args, *offline], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if first.returncode == 0:
        return
    run(*pip, *fill, "--find-links", WHEELHOUSE, cwd=cwd, env=env)
    run(*pip, *args, *offline, cwd=cwd, env=env)


def source_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted(name for name in listed.split("\0") if name and (ROOT / name).is_file())


def readme_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("## Use in your own Wagtail site", 1)[1].split("\n## ", 1)[0]


def readme_blocks(language: str) -> list[str]:
    """The section's fenced blocks in ``language``, without the list item's indentation."""
    fenced = re.finditer(rf"^( *)```{language}\n(.*?)^\1```$", readme_section(), re.S | re.M)
    return [textwrap.dedent(m.group(2)) for m in fenced]


def test_the_host_site_is_what_the_readme_tells_a_host_to_add():
    settings_block, urls_block = readme_blocks("python")
    (template_block,) = readme_blocks("html")
    host_settings = (HOSTSITE / "settings.py").read_text(encoding="utf-8")
    between = host_settings.split("# --- Wagtail Microlearn (README.md) ---\n", 1)[1]
    assert between.split("# --- end of Wagtail Microlearn ---", 1)[0] == settings_block
    assert (HOSTSITE / "urls.py").read_text(encoding="utf-8") == urls_block
    assert (HOSTSITE / "templates" / "base.html").read_text(encoding="utf-8") == template_block
    for command in ("pip wheel --no-deps -w dist /path/to/wagtail-microlearn", "manage.py check", "manage.py migrate"):
        assert command in readme_section(), command
    assert "manage.py load_demo" in readme_section()


@pytest.fixture
def host_database():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield None
        return
    import psycopg

    name = f"hostsite_{uuid.uuid4().hex[:12]}"
    admin = re.sub(r"/[^/]*$", "/postgres", url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield re.sub(r"/[^/]*$", f"/{name}", url)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_wheel_installs_into_a_fresh_host_site_and_serves_the_demo(tmp_path, host_database):
    env = {k: v for k, v in os.environ.items() if k not in SKIP_ENV}
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)

    # The distribution, built from a copy of the checkout's files (no build/ left behind here).
    files = source_files()
    source = tmp_path / "source"
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    run(sys.executable, "-m", "venv", tmp_path / "venv", cwd=tmp_path)
    python = tmp_path / "venv" / "bin" / "python"
    pip = [python, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    build = ["wheel", "--no-deps", "-w", tmp_path / "dist", source]
    offline_or_fill(pip, build, ["wheel", "-w", WHEELHOUSE, "setuptools>=77"], tmp_path, env)
    (wheel,) = (tmp_path / "dist").glob("wagtail_microlearn-*.whl")

    shipped = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        re.sub(r"^fixtures/", "lms/demo_fixtures/", name)
        for name in files
        if name.split("/", 1)[0] in {"lms", "courses", "api", "fixtures"}
    }
    assert expected - shipped == set()  # templates, static files, migrations, the demo and its media
    assert not {name for name in shipped if name.startswith(("tests/", "config/", "bench/"))}

    # A plugin wheel left in the wheelhouse by an earlier run has the same name and older metadata:
    # pip would take its dependencies instead of this wheel's, so the fill would miss new ones.
    for stale in Path(WHEELHOUSE).glob("wagtail_microlearn-*.whl"):
        stale.unlink()
    offline_or_fill(pip, ["install", "--no-compile", wheel], ["wheel", "-w", WHEELHOUSE, wheel], tmp_path, env)
    for built in Path(WHEELHOUSE).glob("wagtail_microlearn-*.whl"):
        built.unlink()

    # The host site, outside the checkout, configured as the README says.
    site = tmp_path / "site"
    shutil.copytree(HOSTSITE, site / "hostsite", ignore=shutil.ignore_patterns("__pycache__"))
    env |= {
        "DJANGO_SETTINGS_MODULE": "hostsite.settings",
        "HOSTSITE_DATABASE_URL": host_database or f"sqlite:///{tmp_path / 'host.sqlite3'}",
    }
    django = [python, "-m", "django"]  # what the host's manage.py runs
    check = run(*django, "check", cwd=site, env=env)
    assert "no issues" in check.stdout
    run(*django, "migrate", "--noinput", cwd=site, env=env, timeout=900)
    loaded = run(*django, "load_demo", cwd=site, env=env)
    assert "Programme:" in loaded.stdout and "participant" in loaded.stdout

    seen = json.loads(run(python, "-m", "hostsite.render_pages", cwd=site, env=env).stdout.strip().splitlines()[-1])
    venv = str(tmp_path / "venv")
    assert all(path.startswith(venv) for path in seen["packages"].values()), seen["packages"]
    assert seen["database"] == ("postgresql" if host_database else "sqlite")
    assert seen["unapplied_migrations"] == []
    assert {"microlearn_lms", "microlearn_courses", "microlearn_api"} <= set(seen["applied_apps"])
    assert seen["logged_in"] is True
    for page in ("course", "module"):
        assert seen[page]["status"] == 200, seen[page]["body"][-2000:]
        assert seen[page]["title"] in seen[page]["body"]
    assert set(seen["every_page"].values()) == {200}, seen["every_page"]
    assert seen["learn"]["status"] == 200, seen["learn"]["body"][-2000:]
    assert seen["course"]["title"] in seen["learn"]["body"]  # the demo participant is enrolled
    assert seen["challenges"]["status"] == 200, seen["challenges"]["body"][-2000:]
    assert "/static/microlearn_lms/" in seen["challenges"]["body"]  # the plugin's own styles, through extra_head
    assert seen["learn_anonymous"]["status"] == 302
    assert seen["learn_anonymous"]["location"].startswith("/accounts/login/")

    # The demo audio came from the installed package into the host's media, and is served.
    audio = seen["audio"]
    assert audio["demo_media"].startswith(venv)
    assert audio["stored"].startswith(seen["media_root"]) and audio["name"].endswith(".mp3")
    stored = Path(audio["stored"]).read_bytes()
    assert stored in {path.read_bytes() for path in Path(audio["demo_media"]).iterdir()}
    assert audio["download"] == audio["size"] == len(stored)

    assert seen["api_without_key"] == 401 and seen["api_schema"] == 200
    assert seen["scim_without_token"] == 401
    assert seen["static"] and all(found and found.startswith(venv) for found in seen["static"].values()), seen["static"]
