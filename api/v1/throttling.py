"""Per-key rate limits. ``MICROLEARN_API_THROTTLE_RATE`` (e.g. "600/min") in the Django cache named
by ``MICROLEARN_API_THROTTLE_CACHE``: use a shared cache (database, Redis, Memcached) so the
limit holds across processes and machines.

Every response says where the key stands, in the fields of the IETF draft "RateLimit header
fields for HTTP" (draft-ietf-httpapi-ratelimit-headers-09 and later; structured fields, RFC 9651):

    RateLimit-Policy: "default";q=600;w=60     the quota: q requests per w seconds
    RateLimit: "default";r=599;t=60            r requests left; t seconds until the oldest
                                               counted one leaves the window (0: none counted)

(the window slides: each request counts for ``w`` seconds after it was made).
"""

import time

from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiKey
from lms.conf import conf

POLICY = "default"


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def __init__(self):
        self.cache = caches[conf.API_THROTTLE_CACHE]
        self.history = None
        super().__init__()

    def get_rate(self):
        return conf.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return None  # unauthenticated requests fail with 401 before any work
        return f"api-throttle:{request.auth.prefix}"

    def headers(self, request, view) -> dict[str, str]:
        """``RateLimit-Policy`` and ``RateLimit`` for this response.

        From this request's count when the throttle ran; otherwise (a request refused before it,
        such as a 403) from the cache, without counting it; a request without a valid key has
        the full quota.
        """
        if self.history is None:
            # ``_auth``, not ``auth``: never authenticate here (a 413 is answered before authentication).
            auth = getattr(request, "_auth", None)
            key = f"api-throttle:{auth.prefix}" if isinstance(auth, ApiKey) else None
            self.now = time.time()
            self.history = [t for t in (self.cache.get(key, []) if key else []) if t > self.now - self.duration]
        remaining = max(self.num_requests - len(self.history), 0)
        # The oldest counted request leaves the window (and frees one more) in ``reset`` seconds.
        reset = self.duration - (self.now - self.history[-1]) if self.history else 0
        return {
            "RateLimit-Policy": f'"{POLICY}";q={self.num_requests};w={self.duration}',
            "RateLimit": f'"{POLICY}";r={remaining};t={max(int(-(-reset // 1)), 0)}',
        }
