"""One configuration surface (lms/conf.py) and the system checks a host site meets (lms/checks.py)."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from wagtail import hooks

from lms import checks
from lms.conf import DEFAULTS, PREFIX, conf
from lms.dashboard import CONSTRUCT_HOOK, REGISTER_HOOK, LearnSection, sections_for
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ("lms", "courses", "api")


def plugin_sources():
    for package in PLUGIN:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts and path != ROOT / "lms" / "conf.py":
                yield path


# --- conf -------------------------------------------------------------------------------------


def test_a_setting_is_its_default_until_the_host_sets_it(settings):
    for name in ("CERTIFICATE_SERIAL_PREFIX", "WEBHOOK_MAX_ATTEMPTS", "WORKER_MAX_REAPS"):
        if hasattr(settings, PREFIX + name):
            delattr(settings, PREFIX + name)
        assert getattr(conf, name) == DEFAULTS[name]
    settings.MICROLEARN_CERTIFICATE_SERIAL_PREFIX = "ACME"
    assert conf.CERTIFICATE_SERIAL_PREFIX == "ACME"


def test_an_unknown_setting_is_an_error_naming_it():
    with pytest.raises(AttributeError, match="MICROLEARN_NOPE is not a setting"):
        conf.NOPE  # noqa: B018


def test_base_url_prefers_the_plugin_setting_then_wagtail(settings):
    settings.MICROLEARN_BASE_URL = ""
    settings.WAGTAILADMIN_BASE_URL = "https://learn.example.com/"
    assert conf.base_url() == "https://learn.example.com"
    settings.MICROLEARN_BASE_URL = "https://certs.example.com"
    assert conf.base_url() == "https://certs.example.com"


def test_the_plugin_reads_settings_only_through_conf():
    """No bare getattr(settings, ...) and no plugin setting read from django.conf.settings."""
    offenders = []
    for path in plugin_sources():
        text = path.read_text()
        for pattern in (r"getattr\(settings,", r"settings\.MICROLEARN_", r"settings\.(API|CERTIFICATE|LMS)_[A-Z_]+"):
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offenders == []


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    assert [name for name in DEFAULTS if f"`{PREFIX}{name}`" not in readme] == []


# --- checks -----------------------------------------------------------------------------------


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_the_runnable_site_passes_every_check():
    call_command("check")  # the test settings run tasks in the request on purpose: W001 is expected there


def test_missing_certificate_storage_is_an_error(settings):
    settings.STORAGES = {key: value for key, value in settings.STORAGES.items() if key != "certificates"}
    assert ids(checks.check_certificate_storage()) == ["microlearn.E002"]
    with pytest.raises(SystemCheckError, match=r"microlearn\.E002"):
        call_command("check")


def test_missing_or_immediate_tasks_backend(settings):
    settings.TASKS = {}
    assert ids(checks.check_tasks_backend()) == ["microlearn.E003"]
    settings.TASKS = {"default": {"BACKEND": checks.IMMEDIATE_BACKEND}}
    settings.DEBUG = False
    assert ids(checks.check_tasks_backend()) == ["microlearn.W001"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert checks.check_tasks_backend() == []


def test_missing_base_template_is_an_error(settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [], "APP_DIRS": False}]
    assert ids(checks.check_base_template()) == ["microlearn.E004"]


@pytest.mark.parametrize(
    ("login_url", "expected"),
    [
        ("/accounts/login/", []),
        ("login", []),
        ("https://sso.example.com/start", []),
        ("no-such-url-name", ["microlearn.E005"]),
    ],
)
def test_login_url_must_lead_somewhere(settings, login_url, expected):
    settings.LOGIN_URL = login_url
    assert ids(checks.check_login_url()) == expected


def test_missing_required_app_is_named(monkeypatch):
    assert checks.check_required_apps() == []
    monkeypatch.setitem(checks.REQUIRED_APPS, "wagtailnope", "wagtail.contrib.nope")
    messages = checks.check_required_apps()
    assert ids(messages) == ["microlearn.E001"] and "'wagtail.contrib.nope'" in messages[0].msg


# --- /learn/ sections through hooks -----------------------------------------------------------


@pytest.mark.django_db
def test_a_host_adds_and_removes_learn_sections(rf):
    request = rf.get("/learn/")
    request.user = UserFactory()

    def badges(request):
        return {"template": "badges.html", "order": 5, "count": 3}

    def hide_cohort_and_certificates(request, sections):
        sections[:] = [s for s in sections if s.name not in ("cohort", "certificates")]

    plain = [s["name"] for s in sections_for(request)]
    assert "courses" in plain
    with (
        hooks.register_temporarily(REGISTER_HOOK, lambda: LearnSection("badges", badges)),
        hooks.register_temporarily(CONSTRUCT_HOOK, hide_cohort_and_certificates),
    ):
        sections = sections_for(request)
    names = [s["name"] for s in sections]
    assert names[0] == "badges" and sections[0]["count"] == 3
    assert "cohort" not in names and "certificates" not in names and "courses" in names


def test_certificate_storage_alias_is_the_setting(settings, tmp_path):
    from django.core.files.base import ContentFile

    from lms.certificates.storage import certificate_storage

    settings.STORAGES = {
        **settings.STORAGES,
        "private_pdfs": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    settings.MICROLEARN_CERTIFICATE_STORAGE = "private_pdfs"
    name = certificate_storage.save("probe.pdf", ContentFile(b"%PDF"))
    assert (tmp_path / name).read_bytes() == b"%PDF"  # written where the named alias points
    assert checks.check_certificate_storage() == []
    settings.MICROLEARN_CERTIFICATE_STORAGE = "nowhere"
    assert ids(checks.check_certificate_storage()) == ["microlearn.E002"]
