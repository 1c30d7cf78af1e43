"""Fixed-window rate limits and the client address, right on every cache backend and behind proxies.

* ``client_ip(request)``: ``REMOTE_ADDR``, unless ``MICROLEARN_TRUSTED_PROXIES`` (N) proxies sit in
  front: then the N-th address from the right of ``MICROLEARN_CLIENT_IP_HEADER`` (what the
  outermost trusted proxy saw). Entries left of it are client-supplied and never trusted.
* ``hit(scope, ident, limit=, window=)``: count one request; False once ``limit`` is exceeded in
  the current window. The window number is part of the key, so a window ends on time on every
  backend, even where ``incr`` rewrites the key with the default timeout (the database cache
  does: a constant key would be kept alive by every blocked request).
* Counting is atomic under concurrent requests: ``incr`` where the backend makes it atomic
  (Redis, memcached, the per-process memory cache); elsewhere (the database cache, whose ``incr``
  is a read then a write) one ``add`` per allowed request into ``limit`` numbered slots, which
  the database's unique key serialises.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.memcached import BaseMemcachedCache
from django.core.cache.backends.redis import RedisCache

from .conf import conf


def _valid_ip(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's address, or "" when there is none (a request built in code): never a value
    an IP address column would refuse (axes stores it)."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR", "") or "") or ""
    proxies = int(conf.TRUSTED_PROXIES)
    if proxies <= 0:
        return remote
    chain = [part for part in request.META.get(conf.CLIENT_IP_HEADER, "").split(",") if part.strip()]
    if len(chain) < proxies:  # did not come through every proxy: no header entry is trustworthy
        return remote
    return _valid_ip(chain[-proxies]) or remote


def key(scope: str, ident: str, *, window: int, now: float | None = None) -> str:
    """The cache key counting ``ident`` in the current window (its number is part of the key)."""
    now = time.time() if now is None else now
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]  # addresses/emails never stored as keys
    return f"microlearn:rl:{scope}:{digest}:{int(now // window)}"


ATOMIC_INCR = (RedisCache, BaseMemcachedCache, LocMemCache)


def _hit_by_slots(counter: str, *, limit: int, window: int) -> bool:
    slots = [f"{counter}:{n}" for n in range(limit)]
    taken = cache.get_many(slots)  # one read finds the free slots; each add then claims one atomically
    return any(cache.add(slot, 1, timeout=window) for slot in slots if slot not in taken)


def hit(scope: str, ident: str, *, limit: int, window: int, now: float | None = None) -> bool:
    """Count a request for ``ident`` under ``scope``; True while within ``limit`` per ``window`` s."""
    counter = key(scope, ident, window=window, now=now)
    if not isinstance(caches[DEFAULT_CACHE_ALIAS], ATOMIC_INCR):
        return _hit_by_slots(counter, limit=limit, window=window)
    if cache.add(counter, 1, timeout=window):
        return limit >= 1
    try:
        count = cache.incr(counter)
    except ValueError:  # evicted or expired between add and incr
        cache.add(counter, 1, timeout=window)
        count = 1
    return count <= limit
