"""``Authorization: Bearer mcs_<prefix>_<secret>``: one organisation's SCIM token, and its rate
limit (``MICROLEARN_SCIM_THROTTLE_RATE`` per token, in the ``MICROLEARN_API_THROTTLE_CACHE`` cache)."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import caches
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from api.models import ScimToken
from lms.conf import conf

from .errors import ScimError

LAST_USED_RESOLUTION = timedelta(minutes=1)


def _unauthorised(detail: str):
    return ScimError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="scim"'})


def authenticate(request) -> ScimToken:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise _unauthorised("Send the SCIM token as 'Authorization: Bearer <token>'.")
    parts = ScimToken.split(raw.strip())
    if parts is None:
        raise _unauthorised("The SCIM token is malformed.")
    prefix, secret = parts
    token = ScimToken.objects.active().select_related("organisation", "group_course").filter(prefix=prefix).first()
    if token is None or not token.matches(secret):
        raise _unauthorised("The SCIM token is unknown or revoked.")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class ScimTokenThrottle(SimpleRateThrottle):
    scope = "scim_token"

    def __init__(self, token: ScimToken):
        self.token = token
        self.cache = caches[conf.API_THROTTLE_CACHE]
        super().__init__()

    def get_rate(self):
        return conf.SCIM_THROTTLE_RATE

    def get_cache_key(self, request, view):
        return f"scim-throttle:{self.token.prefix}"


def throttle(request, token: ScimToken) -> None:
    limiter = ScimTokenThrottle(token)
    if not limiter.allow_request(request, None):
        wait = limiter.wait()
        raise ScimError(
            429,
            "Too many requests for this SCIM token; retry later.",
            headers={"Retry-After": str(int(wait or 1) + 1)},
        )
