"""Certificate settings with defaults, so a host site only sets what it wants to change."""

from django.conf import settings

DEFAULTS = {
    "CERTIFICATE_BASE_URL": "",  # empty: WAGTAILADMIN_BASE_URL
    "CERTIFICATE_SERIAL_PREFIX": "MC",
    "CERTIFICATE_RENDER_TIMEOUT": 30,
    "CERTIFICATE_MAX_ATTEMPTS": 5,
    "CERTIFICATE_VERIFY_RATE": (30, 60),
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])
