"""REDIS_URL, wired by config/settings: the cache is the real Redis at 127.0.0.1:6379 and is
shared, so what one app server counts, another sees.

Outside CI a machine without Redis skips these tests with the reason; under CI (CI=true, which
.ci/run sets after starting Redis) an unreachable Redis fails them.
"""

import os
import runpy
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/13"


def project_caches(monkeypatch, redis_url: str) -> dict:
    """``CACHES`` exactly as config/settings/base.py builds it when REDIS_URL is set."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    return runpy.run_path(str(ROOT / "config" / "settings" / "base.py"))["CACHES"]


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        message = f"Redis is not reachable at {REDIS_URL}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: .ci/run starts it)")
        pytest.skip(message)
    prefix = f"test-{uuid.uuid4().hex[:12]}"  # parallel test workers share database 13
    try:
        yield client, prefix
    finally:
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def redis_cache(settings, monkeypatch, redis_client):
    client, prefix = redis_client
    configured = project_caches(monkeypatch, REDIS_URL)
    configured["default"]["KEY_PREFIX"] = prefix
    settings.CACHES = configured
    return client, configured["default"]


def test_redis_url_selects_the_redis_cache_with_fail_fast_timeouts(monkeypatch):
    default = project_caches(monkeypatch, REDIS_URL)["default"]
    assert default["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert default["LOCATION"] == REDIS_URL
    assert default["OPTIONS"] == {"socket_connect_timeout": 2, "socket_timeout": 2}


def test_cache_round_trips_through_redis_and_is_shared_between_app_servers(redis_cache):
    client, config = redis_cache
    assert isinstance(caches["default"], RedisCache)
    cache.set("greeting", {"hello": "world"}, 30)
    assert cache.get("greeting") == {"hello": "world"}
    assert client.exists(cache.make_key("greeting")) == 1  # really in Redis, not in this process

    # Another app server: its own client and connection pool, the same Redis.
    other_server = RedisCache(REDIS_URL, {"KEY_PREFIX": config["KEY_PREFIX"]})
    assert other_server.get("greeting") == {"hello": "world"}
    cache.add("throttle", 0, 60)
    cache.incr("throttle")
    other_server.incr("throttle")
    assert cache.get("throttle") == 2
    assert 0 < client.ttl(cache.make_key("throttle")) <= 60


def test_two_production_processes_share_the_cache_through_redis_url(tmp_path, redis_client):
    client, prefix = redis_client
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x7!" + "k" * 30 + "Q9@z" + "m" * 30,
        "ALLOWED_HOSTS": "learn.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": REDIS_URL,
    }
    code = (
        "from django.core.cache import caches; cache = caches['default']; "
        f"cache.add('{prefix}-count', 0, 60); print(type(cache).__name__, cache.incr('{prefix}-count'))"
    )

    def app_server():
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    assert app_server() == "RedisCache 1"
    assert app_server() == "RedisCache 2"
    assert client.get(f":1:{prefix}-count") == b"2"  # Django's key format: prefix:version:key


@pytest.mark.django_db
def test_certificate_verification_throttle_counts_across_app_servers(client, settings, redis_cache):
    from lms import ratelimit
    from lms.views.certificates import throttled

    _, config = redis_cache
    settings.MICROLEARN_CERTIFICATE_VERIFY_RATE = (2, 60)
    request = client.get("/healthz").wsgi_request
    request.META["REMOTE_ADDR"] = "10.9.9.9"
    assert throttled(request) is False
    other_server = RedisCache(REDIS_URL, {"KEY_PREFIX": config["KEY_PREFIX"]})
    assert other_server.incr(ratelimit.key("cert-verify", "10.9.9.9", window=60)) == 2  # its request
    assert throttled(request) is True


@pytest.mark.django_db
def test_healthz_checks_the_redis_cache(client, redis_cache):
    redis, _ = redis_cache
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["checks"]["cache"] == "ok"
    assert redis.exists(cache.make_key("healthz")) == 1
