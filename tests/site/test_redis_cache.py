"""With REDIS_URL set, the cache is Redis and is shared: what one app server counts, another sees."""

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

REDIS_URL = "redis://127.0.0.1:6379/13"
REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}


@pytest.fixture
def redis_db(settings):
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    client.flushdb()
    settings.CACHES = REDIS_CACHE
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def test_cache_round_trips_through_redis_and_is_shared_between_processes(redis_db):
    assert isinstance(caches["default"], RedisCache)
    cache.set("greeting", {"hello": "world"}, 30)
    assert cache.get("greeting") == {"hello": "world"}
    assert redis_db.exists(cache.make_key("greeting")) == 1  # really in Redis, not in this process

    # Another app server: its own client and connection pool, the same Redis.
    other_server = RedisCache(REDIS_URL, {})
    assert other_server.get("greeting") == {"hello": "world"}
    cache.add("throttle", 0, 60)
    cache.incr("throttle")
    other_server.incr("throttle")
    assert cache.get("throttle") == 2
    assert 0 < redis_db.ttl(cache.make_key("throttle")) <= 60


@pytest.mark.django_db
def test_certificate_verification_throttle_counts_across_app_servers(client, settings, redis_db):
    from lms import ratelimit
    from lms.views.certificates import throttled

    settings.CERTIFICATE_VERIFY_RATE = (2, 60)
    request = client.get("/healthz").wsgi_request
    request.META["REMOTE_ADDR"] = "10.9.9.9"
    assert throttled(request) is False
    other_server = RedisCache(REDIS_URL, {})
    assert other_server.incr(ratelimit.key("cert-verify", "10.9.9.9", window=60)) == 2  # its request
    assert throttled(request) is True


@pytest.mark.django_db
def test_healthz_checks_the_redis_cache(client, redis_db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["checks"]["cache"] == "ok"
    assert redis_db.exists(cache.make_key("healthz")) == 1
