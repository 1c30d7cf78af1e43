"""Security settings the plugin reads, with defaults (docs/security.md, docs/deploy.md).

A host site sets only what it wants to change. To be folded into ``lms/conf.py``.
"""

import datetime as dt

from django.conf import settings

DEFAULTS = {
    # The request header carrying the client address when proxies sit in front (as a META key,
    # e.g. "HTTP_X_FORWARDED_FOR"), and how many trusted proxies append to it. With 0 proxies
    # (the default) the header is ignored and REMOTE_ADDR is the client.
    "MICROLEARN_CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
    "MICROLEARN_TRUSTED_PROXIES": 0,
    # Every date a person or an API client enters must lie in this range (inclusive).
    "MICROLEARN_DATE_MIN": dt.date(2000, 1, 1),
    "MICROLEARN_DATE_MAX": dt.date(2100, 12, 31),
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])
