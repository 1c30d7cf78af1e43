"""Static files as production serves them: collectstatic with whitenoise's manifest storage, pages
that reference hashed names, and whitenoise serving those with a far-future immutable header."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCTION_STATICFILES = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
HASHED = r"[0-9a-f]{12}"
TEMPLATE_DIRS = [ROOT / "templates", ROOT / "lms", ROOT / "courses", ROOT / "api"]


@pytest.fixture
def collected(settings, tmp_path, monkeypatch):
    """``collectstatic`` into a temporary STATIC_ROOT with the production storage class.

    Brotli is switched off here only to keep the test quick (quality 11 over the API docs' bundles
    takes minutes on a busy machine); hashing, reference rewriting and gzip run exactly as on deploy.
    """
    import whitenoise.compress

    monkeypatch.setattr(whitenoise.compress, "brotli_installed", False)
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": PRODUCTION_STATICFILES}
    call_command("collectstatic", "--noinput", verbosity=0)
    return settings.STATIC_ROOT


def test_collectstatic_hashes_every_file_the_templates_reference_and_pages_use_them(client, collected, mini_programme):
    # Every {% static %} in the templates is in the manifest (production 500s on a missing one).
    names = set()
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html"):
            names.update(re.findall(r"""\{% static ['"]([^'"]+)['"]""", template.read_text()))
    assert {
        "css/site.css",
        "favicon.svg",
        "microlearn_lms/js/certificates.js",
        "microlearn_lms/css/trainer.css",
    } <= names
    for name in sorted(names):
        hashed = staticfiles_storage.stored_name(name)  # ValueError if the manifest lacks it
        assert re.fullmatch(rf".+\.{HASHED}\.\w+", hashed), hashed
        assert (collected / hashed).is_file() and (collected / f"{hashed}.gz").is_file()

    # Pages link the hashed names; whitenoise serves them with a far-future immutable header.
    client.force_login(UserFactory())
    for url in (mini_programme.url, reverse("microlearn_lms:learn"), "/accounts/login/"):
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get(mini_programme.url).content.decode()
    css = re.search(rf'href="(/static/css/site\.{HASHED}\.css)"', html)
    assert css, "the page links the hashed stylesheet"
    assert re.search(rf'href="/static/favicon\.{HASHED}\.svg"', html)
    assert 'href="/static/css/site.css"' not in html

    response = client.get(css.group(1))
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    body = b"".join(response.streaming_content)
    assert body == (ROOT / "static" / "css" / "site.css").read_bytes()

    gzipped = client.get(css.group(1), headers={"Accept-Encoding": "gzip"})
    assert gzipped["Content-Encoding"] == "gzip"

    unhashed = client.get("/static/css/site.css")  # still served, but may change: short cache only
    assert unhashed.status_code == 200 and "immutable" not in unhashed["Cache-Control"]


def test_the_plugin_ships_every_static_file_its_templates_use():
    """A host site has only the plugin's own static folders: lms/, courses/ and api/ templates must
    not point at the runnable site's static/ (a manifest storage would 500 on a missing name)."""
    root = Path(__file__).resolve().parent.parent.parent
    used = set()
    for app in ("lms", "courses", "api"):
        for template in (root / app).glob("templates/**/*.html"):
            used |= {(app, name) for name in re.findall(r"{% static '([^']+)' %}", template.read_text())}
    assert used, "expected the plugin's templates to use static files"
    apps = ("lms", "courses", "api")
    missing = sorted(
        f"{app}: {name}" for app, name in used if not any((root / a / "static" / name).is_file() for a in apps)
    )
    assert missing == []
