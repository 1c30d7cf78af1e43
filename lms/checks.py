"""System checks: what a host site must configure for the plugin to work (README, host-site section).

Each prerequisite has its own id, so a host can read the message, fix the setting, and silence
nothing. ``manage.py check`` runs them; so do ``migrate`` and ``runserver``.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse

from .conf import conf

# Apps the plugin's code imports or whose models and templates it uses.
REQUIRED_APPS = {
    "microlearn_courses": "courses",
    "microlearn_lms": "lms",
    "wagtailcore": "wagtail",
    "wagtailadmin": "wagtail.admin",
    "wagtailsnippets": "wagtail.snippets",
    "wagtailimages": "wagtail.images",
    "wagtaildocs": "wagtail.documents",
    "wagtailsettings": "wagtail.contrib.settings",
    "auth": "django.contrib.auth",
    "contenttypes": "django.contrib.contenttypes",
    "sessions": "django.contrib.sessions",
    "messages": "django.contrib.messages",
    "django_tasks": "django_tasks",
}
# The HR API (microlearn_api) needs these as well.
API_APPS = {
    "rest_framework": "rest_framework",
    "django_filters": "django_filters",
    "drf_spectacular": "drf_spectacular",
}
IMMEDIATE_BACKEND = "django_tasks.backends.immediate.ImmediateBackend"


@register(Tags.compatibility)
def check_required_apps(app_configs=None, **kwargs):
    required = dict(REQUIRED_APPS)
    if apps.is_installed("api"):
        required.update(API_APPS)
    return [
        Error(
            f"The plugin needs {module!r} in INSTALLED_APPS.",
            hint="Add it as the README's host-site section shows.",
            id="microlearn.E001",
        )
        for label, module in required.items()
        if not any(config.label == label for config in apps.get_app_configs())
    ]


@register(Tags.compatibility)
def check_certificate_storage(app_configs=None, **kwargs):
    alias = conf.CERTIFICATE_STORAGE
    if alias in settings.STORAGES:
        return []
    return [
        Error(
            f"STORAGES has no {alias!r} alias for certificate PDFs.",
            hint=(
                f'Add STORAGES[{alias!r}] = {{"BACKEND": "django.core.files.storage.FileSystemStorage", '
                '"OPTIONS": {"location": <a private folder, not MEDIA_ROOT>}}: certificates are private, '
                "and are served only through a permission-checked view."
            ),
            id="microlearn.E002",
        )
    ]


@register(Tags.compatibility)
def check_tasks_backend(app_configs=None, **kwargs):
    backends = conf.host_setting("TASKS")
    if not backends or "default" not in backends or not backends["default"].get("BACKEND"):
        return [
            Error(
                "No default tasks backend: certificates, emails, imports and webhooks run as background tasks.",
                hint='Set TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}} and run '
                "`manage.py lms_worker` (docs/workers.md).",
                id="microlearn.E003",
            )
        ]
    if backends["default"]["BACKEND"] == IMMEDIATE_BACKEND and not settings.DEBUG:
        return [
            Warning(
                "The default tasks backend runs tasks inside the request (ImmediateBackend).",
                hint="In production use django_tasks_db.DatabaseBackend and `manage.py lms_worker`.",
                id="microlearn.W001",
            )
        ]
    return []


@register(Tags.templates)
def check_base_template(app_configs=None, **kwargs):
    try:
        get_template("base.html")
    except TemplateDoesNotExist:
        return [
            Error(
                "No template named 'base.html': the plugin's pages extend it.",
                hint="Give your site a base.html with the blocks title, extra_head, extra_nav and content "
                "(the README's host-site section has the smallest one that works).",
                id="microlearn.E004",
            )
        ]
    return []


@register(Tags.urls)
def check_login_url(app_configs=None, **kwargs):
    login_url = str(settings.LOGIN_URL)
    if "://" in login_url:
        return []  # an external sign-in page (single sign-on): nothing to resolve here
    if login_url.startswith("/"):
        return []  # a path: Wagtail's catch-all route would resolve any path, so there is nothing to test
    try:
        reverse(login_url)
    except NoReverseMatch:
        return [
            Error(
                f"LOGIN_URL {login_url!r} does not lead to a page of this site.",
                hint='Include django.contrib.auth.urls (path("accounts/", include("django.contrib.auth.urls"))) '
                "or point LOGIN_URL at your own login page: participants and trainers are sent there.",
                id="microlearn.E005",
            )
        ]
    return []
