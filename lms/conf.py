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
    "SSO_START_RATE": (20, 60),  # "sign in with your organisation": email lookups per client address per seconds
    # --- Privacy (docs/privacy.md): the account page's own data export and erasure ---
    "DATA_EXPORT_RATE": (5, 3600),  # "download my data": exports per account per seconds
    "ACCOUNT_ERASE_RATE": (5, 900),  # "erase my account": confirmation attempts per account per seconds
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
    "EVENT_RETENTION_DAYS": 30,  # the events feed keeps events (and their webhook deliveries) this long
    "SCIM_THROTTLE_RATE": "1200/min",  # per SCIM token (docs/scim.md); an initial sync is bursty
    "WEBHOOK_MAX_ATTEMPTS": 8,  # then the delivery is FAILED (still redeliverable, still in the feed)
    # Seconds before each retry (the last one repeats): 1m, 5m, 30m, 2h, 5h, 10h, 10h = 27.6 h in all.
    "WEBHOOK_RETRY_SCHEDULE": (60, 300, 1800, 7200, 18000, 36000, 36000),
    "WEBHOOK_TIMEOUT_SECONDS": 10,  # one deadline for a whole attempt: connect, send, read the response
    "WEBHOOK_SECRET_OVERLAP_SECONDS": 24 * 3600,  # after a rotation the old secret signs alongside this long
    "WEBHOOK_ALLOW_LOOPBACK": False,  # tests only: accept http:// and loopback targets
    # --- xAPI statements to a Learning Record Store (docs/xapi.md) ---
    # The site's LRS: {"ENDPOINT": "https://lrs.example.org/xAPI/", "USERNAME": ..., "PASSWORD": ...}.
    # Empty: only organisations with their own LRS (admin: Cohorts → Organisation LRS) get statements.
    "XAPI": {},
    "XAPI_BATCH_SIZE": 100,  # statements per POST
    "XAPI_TIMEOUT_SECONDS": 10,  # per request to the LRS
    "XAPI_RETRY_SCHEDULE": (10, 60, 300, 1800, 3600),  # seconds before each retry (the last repeats)
    "XAPI_LEASE_SECONDS": 300,  # one pusher per LRS; a crashed pusher's claim lapses after this
    # --- Single sign-on (docs/sso.md) ---
    "SSO_HTTP_TIMEOUT": 10,  # seconds for each call to an organisation's OpenID provider
    "SSO_DISCOVERY_CACHE_SECONDS": 3600,  # how long a provider's discovery document is reused
    # --- Security (docs/security.md, docs/deploy.md) ---
    # The request header carrying the client address when proxies sit in front (a META key), and
    # how many trusted proxies append to it. With 0 (the default) the header is ignored.
    "CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
    "TRUSTED_PROXIES": 0,
    # --- Practice reminders (docs/practice.md) ---
    "REMINDER_BATCH_SIZE": 500,  # reminders one worker claims per transaction
    "PRACTICE_LINK_MAX_AGE_DAYS": 14,  # "Yes, log it" / "Not this time" links in reminder emails
    "UNSUBSCRIBE_LINK_MAX_AGE_DAYS": 365,  # the one-click unsubscribe link of practice emails
    # Every date a person or an API client enters must lie in this range (inclusive).
    "DATE_MIN": dt.date(2000, 1, 1),
    "DATE_MAX": dt.date(2100, 12, 31),
    # --- Practice after the course: check-ins and boosters (docs/practice.md) ---
    "CHECKIN_STAGES_DAYS": (30, 60, 90),  # "Did this lead anywhere?" this many days after a conversation
    "CHECKIN_LINK_MAX_AGE_DAYS": 30,  # the one-click answer links expire after this many days
    "BOOSTER_INTERVALS_DAYS": (2, 7, 21, 60),  # growing gaps between a question's reviews; never shrinking
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
        """The site's absolute URL without a trailing slash, for links that leave the request:
        ``MICROLEARN_BASE_URL``, else ``WAGTAILADMIN_BASE_URL``, else the default Wagtail Site's
        root URL (``make run`` keeps all three on the port it serves; ``lms.demo.align_default_site``)."""
        url = conf.BASE_URL or conf.host_setting("WAGTAILADMIN_BASE_URL", "")
        if not url:
            from wagtail.models import Site

            site = Site.objects.filter(is_default_site=True).first()
            url = site.root_url if site is not None else ""
        return url.rstrip("/")

    @staticmethod
    def host_setting(name: str, default: Any = None) -> Any:
        """A Django or Wagtail setting the host may leave unset (read here, so nowhere else)."""
        return getattr(settings, name, default)

    @staticmethod
    def site_name() -> str:
        return conf.host_setting("WAGTAIL_SITE_NAME", "") or "Wagtail Microlearn"


conf = Settings()
