"""`make run PORT=…` keeps public links on the port it serves (issue 16, item 1).

The Makefile exports ``WAGTAILADMIN_BASE_URL=http://HOST:PORT`` to ``load_demo`` and
``runserver`` (unless the environment sets it), and ``load_demo`` points the default Wagtail
``Site`` at that address, so certificate QR codes, verification and LinkedIn links, emails and
page URLs all agree.
"""

import io
import os
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from wagtail.models import Site

from lms.demo import align_default_site

ROOT = Path(__file__).resolve().parents[2]


def _make(tmp_path, *args, env=None):
    """Run a make target with a fake interpreter that records the environment it was given."""
    log = tmp_path / "calls.log"
    fake = tmp_path / "fakepy"
    fake.write_text(f'#!/bin/sh\necho "$WAGTAILADMIN_BASE_URL $*" >> {log}\n')
    fake.chmod(0o755)
    venv = tmp_path / "venv"
    venv.mkdir()
    environment = {k: v for k, v in os.environ.items() if k != "WAGTAILADMIN_BASE_URL"} | (env or {})
    subprocess.run(
        ["make", "-s", "--no-print-directory", "-C", str(ROOT), *args, f"VENV={venv}", f"PY={fake}"],
        check=True,
        env=environment,
        capture_output=True,
        timeout=120,
    )
    return log.read_text().splitlines()


def test_make_run_gives_load_demo_and_runserver_the_port_it_serves(tmp_path):
    calls = _make(tmp_path, "run", "PORT=8203")
    demo = next(line for line in calls if "load_demo" in line)
    serve = next(line for line in calls if "runserver" in line)
    assert demo.startswith("http://127.0.0.1:8203 ")
    assert serve == "http://127.0.0.1:8203 manage.py runserver 127.0.0.1:8203"


def test_an_explicit_base_url_wins(tmp_path):
    calls = _make(tmp_path, "run", "PORT=8203", env={"WAGTAILADMIN_BASE_URL": "https://learn.example.com"})
    assert next(line for line in calls if "runserver" in line).startswith("https://learn.example.com ")


@pytest.mark.django_db
def test_load_demo_aligns_the_default_site(settings, tmp_path):
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8203"
    call_command("load_demo", "--no-accounts", stdout=io.StringIO())
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("127.0.0.1", 8203)
    assert site.root_url == "http://127.0.0.1:8203"


@pytest.mark.django_db
def test_align_default_site_defaults_the_port_by_scheme():
    Site.objects.filter(is_default_site=True).update(hostname="localhost", port=8000)
    assert align_default_site("https://learn.example.com") == ("learn.example.com", 443)
    assert align_default_site("not a url") is None
