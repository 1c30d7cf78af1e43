"""Per-key rate limits. ``MICROLEARN_API_THROTTLE_RATE`` (e.g. "600/min") in the Django cache named
by ``MICROLEARN_API_THROTTLE_CACHE``: use a shared cache (database, Redis, Memcached) so the
limit holds across processes and machines."""

from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiKey
from lms.conf import conf


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def __init__(self):
        self.cache = caches[conf.API_THROTTLE_CACHE]
        super().__init__()

    def get_rate(self):
        return conf.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return None  # unauthenticated requests fail with 401 before any work
        return f"api-throttle:{request.auth.prefix}"
