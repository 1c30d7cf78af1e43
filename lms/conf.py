"""The plugin's settings: every ``MICROLEARN_*`` setting, its default, and the one way to read it.

A host site sets only what it wants to change, in its Django settings::

    MICROLEARN_CERTIFICATE_SERIAL_PREFIX = "ACME"

and the plugin reads it as ``conf.CERTIFICATE_SERIAL_PREFIX``. The plugin reads its settings
nowhere else (a test greps for ``getattr(settings``), and reads them at use time, not import
time, so ``override_settings`` works. What a host must configure beyond these (a tasks backend,
a ``certificates`` storage, ``base.html``...) is checked by ``lms/checks.py``. The README's
host-site section documents every setting below.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

PREFIX = "MICROLEARN_"

DEFAULTS: dict[str, Any] = {
    # Absolute links in certificates, QR codes and emails. Empty: Wagtail's WAGTAILADMIN_BASE_URL.
    "BASE_URL": "",
    # --- Certificates (docs/certificates.md) ---
    "CERTIFICATE_STORAGE": "certificates",  # the STORAGES alias holding the private PDFs
    "CERTIFICATE_SERIAL_PREFIX": "MC",
    "CERTIFICATE_RENDER_TIMEOUT": 30,  # seconds one render may take, in the worker
    "CERTIFICATE_MAX_ATTEMPTS": 5,  # automatic retries with backoff; `issue_certificates` retries beyond
    "CERTIFICATE_VERIFY_RATE": (30, 60),  # verification page: requests per client address per seconds
    # --- Task worker (docs/workers.md) ---
    "WORKER_HEARTBEAT_SECONDS": 5,
    "WORKER_DEAD_AFTER_SECONDS": 30,  # a RUNNING task's worker silent this long is presumed dead
    "WORKER_REAP_SECONDS": 15,
    "WORKER_MAX_REAPS": 3,  # a task given back this often is marked FAILED (it kills its worker)
    # --- HR API (docs/api.md) ---
    "API_THROTTLE_RATE": "600/min",  # per API key
    "API_THROTTLE_CACHE": "default",  # a shared cache (database, Redis) when several processes serve
    "API_MAX_BODY_BYTES": 1024 * 1024,
    "API_MAX_PAGE_SIZE": 200,
    "API_FEED_SETTLE_SECONDS": 5,  # the completions feed holds back changes younger than this
    "SCIM_THROTTLE_RATE": "1200/min",  # per SCIM token (docs/scim.md); an initial sync is bursty
    "WEBHOOK_MAX_ATTEMPTS": 8,
    "WEBHOOK_BACKOFF_SECONDS": 30,  # first retry delay, doubled at each attempt
    "WEBHOOK_TIMEOUT_SECONDS": 10,
    "WEBHOOK_ALLOW_LOOPBACK": False,  # tests only: accept http:// and loopback targets
    # --- Security (docs/security.md, docs/deploy.md) ---
    # The request header carrying the client address when proxies sit in front (a META key), and
    # how many trusted proxies append to it. With 0 (the default) the header is ignored.
    "CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
    "TRUSTED_PROXIES": 0,
    # Every date a person or an API client enters must lie in this range (inclusive).
    "DATE_MIN": dt.date(2000, 1, 1),
    "DATE_MAX": dt.date(2100, 12, 31),
}


class Settings:
    """``conf.NAME`` is ``settings.MICROLEARN_NAME`` when the host sets it, else its default."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"{PREFIX}{name} is not a setting of the plugin (see lms/conf.py)")
        return getattr(settings, PREFIX + name, DEFAULTS[name])

    def __dir__(self):
        return sorted(DEFAULTS)

    @staticmethod
    def base_url() -> str:
        """The site's absolute URL without a trailing slash, for links that leave the request."""
        return (conf.BASE_URL or conf.host_setting("WAGTAILADMIN_BASE_URL", "")).rstrip("/")

    @staticmethod
    def host_setting(name: str, default: Any = None) -> Any:
        """A Django or Wagtail setting the host may leave unset (read here, so nowhere else)."""
        return getattr(settings, name, default)

    @staticmethod
    def site_name() -> str:
        return conf.host_setting("WAGTAIL_SITE_NAME", "") or "Wagtail Microlearn"


conf = Settings()
