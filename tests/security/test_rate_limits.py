"""Rate limits that mean what they say: the client behind proxies, and windows that end on time
on every cache backend (memory, database, Redis).

Found: with the database cache each blocked request kept the verification key alive for 300 s
(the documented window is 60 s); behind the proxy, X-Forwarded-For was ignored, so every
visitor shared one bucket of 30 requests.
"""

import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from lms import ratelimit

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/12"
BACKENDS = {
    "memory": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "security_rate_cache"},
    "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
}


@pytest.fixture(params=list(BACKENDS))
def backend(request, settings):
    settings.CACHES = {"default": BACKENDS[request.param]}
    if request.param == "database":
        call_command("createcachetable")
    if request.param == "redis":
        import redis

        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        except redis.exceptions.RedisError as exc:
            pytest.fail(f"Redis is needed at {REDIS_URL}: {exc}")
    cache.clear()
    yield request.param
    cache.clear()


class Clock:
    def __init__(self, monkeypatch, start=1_800_000_000.0):
        self.now = start
        monkeypatch.setattr(ratelimit.time, "time", lambda: self.now)


def verify(client, ip="203.0.113.5", **extra):
    return client.get(reverse("microlearn_lms:certificate_verify_lookup"), REMOTE_ADDR=ip, **extra)


def reset(client, email, ip="203.0.113.5"):
    return client.post("/accounts/password_reset/", {"email": email}, REMOTE_ADDR=ip)


def test_verification_window_ends_on_time_despite_blocked_requests(client, settings, backend, monkeypatch):
    settings.MICROLEARN_CERTIFICATE_VERIFY_RATE = (3, 60)
    clock = Clock(monkeypatch)
    assert [verify(client).status_code for _ in range(3)] == [200] * 3
    for _ in range(5):  # blocked requests all through the window...
        assert verify(client).status_code == 429
        clock.now += 10
    clock.now += 10  # ...and 60 s after the window opened, it is over
    assert verify(client).status_code == 200


def test_password_reset_windows_end_on_time(client, settings, backend, monkeypatch):
    settings.PASSWORD_RESET_RATE_PER_IP = (2, 600)
    settings.PASSWORD_RESET_RATE_PER_EMAIL = (1, 3600)
    clock = Clock(monkeypatch)
    assert reset(client, "a@example.com").status_code == 302
    assert reset(client, "a@example.com", ip="203.0.113.6").status_code == 429  # per address
    assert reset(client, "b@example.com").status_code == 302
    assert reset(client, "c@example.com").status_code == 429  # per client address
    clock.now += 600
    assert reset(client, "c@example.com").status_code == 302
    assert reset(client, "a@example.com", ip="203.0.113.7").status_code == 429
    clock.now += 3000
    assert reset(client, "a@example.com", ip="203.0.113.7").status_code == 302


def test_a_real_window_expires_in_real_time(backend):
    """No fake clock: a 1-second window on the backend itself."""
    start = time.time()
    time.sleep(1 - start % 1 + 0.01)  # at the start of a window
    assert ratelimit.hit("real", "x", limit=1, window=1) is True
    assert ratelimit.hit("real", "x", limit=1, window=1) is False
    time.sleep(1.05)
    assert ratelimit.hit("real", "x", limit=1, window=1) is True


def test_database_cache_keys_do_not_outlive_their_window(settings, monkeypatch):
    """The finding itself: the old constant key's expiry was pushed to 300 s by every blocked hit."""
    settings.CACHES = {"default": BACKENDS["database"]}
    call_command("createcachetable")
    clock = Clock(monkeypatch)
    for _ in range(40):
        ratelimit.hit("cert-verify", "10.0.0.1", limit=30, window=60)
        clock.now += 1
    clock.now += 20
    assert ratelimit.hit("cert-verify", "10.0.0.1", limit=30, window=60) is True


# --- The client address behind proxies ---------------------------------------------------------


def request_from(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.2"),  # no proxy configured: the header is the client's, ignored
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client's own prefix is never trusted
        (2, "6.6.6.6, 198.51.100.1, 10.1.1.1", "198.51.100.1"),
        (2, "198.51.100.1", "10.0.0.2"),  # did not pass through both proxies
        (1, "not-an-address", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_client_ip(settings, proxies, forwarded, expected):
    settings.MICROLEARN_TRUSTED_PROXIES = proxies
    assert ratelimit.client_ip(request_from("10.0.0.2", forwarded)) == expected


def test_client_ip_header_is_a_setting(settings):
    settings.MICROLEARN_TRUSTED_PROXIES = 1
    settings.MICROLEARN_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="198.51.100.9")
    assert ratelimit.client_ip(request) == "198.51.100.9"


def test_visitors_behind_the_proxy_get_their_own_verification_bucket(client, settings):
    settings.MICROLEARN_TRUSTED_PROXIES = 1
    settings.MICROLEARN_CERTIFICATE_VERIFY_RATE = (2, 60)
    proxy = "10.0.0.2"
    for _ in range(2):
        assert verify(client, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert verify(client, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert verify(client, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200
    # A spoofed prefix does not give the first visitor a fresh bucket.
    assert verify(client, ip=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1").status_code == 429


def test_login_lockout_uses_the_same_client_address(client, settings):
    from tests.factories import UserFactory

    settings.MICROLEARN_TRUSTED_PROXIES = 1
    UserFactory(username="pat")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": f"user-{n}", "password": "x"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="198.51.100.1",
        )
    login = {"username": "pat", "password": "pw-for-tests"}
    blocked = client.post("/accounts/login/", login, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert blocked.status_code == 429
    other = client.post("/accounts/login/", login, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 302


def test_a_request_without_an_address_counts_as_no_address(settings):
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert ratelimit.client_ip(request) == ""
    request.META["REMOTE_ADDR"] = "garbage"
    assert ratelimit.client_ip(request) == ""
