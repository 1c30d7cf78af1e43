"""Failure behaviour: a real database outage under a running gunicorn server.

The server reaches PostgreSQL through ``TcpProxy``. ``cut()`` closes every connection and refuses
new ones, as a database restart or a network partition does; ``restore()`` lets connections
through again. The server is never restarted: it must answer 503 (the friendly page, no stack
trace) while the database is away and 200 once it is back. See docs/scale-out.md.
"""

import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from lms import services
from tests.factories import OrganisationFactory
from tests.factories_api import api_key_for

from .servers import Browser, TcpProxy, database_url, deploy_marks, log_in, participant, request, server_env

pytestmark = deploy_marks(
    "Needs PostgreSQL: the outage is made by cutting a TCP proxy between the server and its database."
)


@pytest.fixture(scope="module")
def proxy(test_database):
    proxy = TcpProxy((test_database.get("HOST") or "127.0.0.1", int(test_database.get("PORT") or 5432)))
    try:
        yield proxy
    finally:
        proxy.close()


THREADS = 4  # gunicorn threads of the one worker: each keeps its own database connection


@pytest.fixture(scope="module")
def server(start_servers, test_database, proxy):
    db_url = database_url(test_database, host="127.0.0.1", port=proxy.port)
    (server,) = start_servers(server_env(db_url, GUNICORN_THREADS=str(THREADS)))
    return server


@pytest.fixture
def database_back(proxy):
    """Whatever a test does to the proxy, the next test starts with the database reachable."""
    yield
    proxy.restore()


def assert_friendly_503(response, server):
    assert response.status == 503, server.log_tail()
    assert "We will be right back" in response.text
    for leak in ("Traceback", "OperationalError", "psycopg", "Server Error (500)"):
        assert leak not in response.text
    assert response.headers["Retry-After"] == "30"


def test_an_outage_gives_503_and_the_site_recovers_without_a_restart(server, proxy, database_back, mini_programme):
    user = participant()
    services.enrolment_create(user=user, course=mini_programme)
    signed_in = log_in(server, user)
    _, raw_key = api_key_for(OrganisationFactory())
    api_headers = {"Authorization": f"Bearer {raw_key}"}
    anonymous = Browser()
    page = mini_programme.get_url()
    assert anonymous.get(server, page).status == 200
    assert signed_in.get(server, "/learn/").status == 200
    assert request(server.port, "GET", "/healthz").status == 200
    pid = server.process.pid

    proxy.cut()
    assert_friendly_503(anonymous.get(server, page), server)
    assert_friendly_503(signed_in.get(server, "/learn/"), server)
    health = request(server.port, "GET", "/healthz")
    assert health.status == 503
    body = health.json()
    assert body["status"] == "unhealthy" and body["checks"]["database"] == "error"
    assert "database: OperationalError" in body["reasons"]
    api_answer = request(server.port, "GET", "/api/v1/participants/", headers=api_headers)
    assert api_answer.status == 503 and api_answer.headers["Content-Type"] == "application/problem+json"
    assert api_answer.json()["type"].endswith("/unavailable") and api_answer.headers["Retry-After"] == "30"

    proxy.restore()
    assert anonymous.get(server, page).status == 200, server.log_tail()
    learn = signed_in.get(server, "/learn/")
    assert learn.status == 200 and mini_programme.title in learn.text  # the session survived the outage
    assert request(server.port, "GET", "/healthz").status == 200
    assert request(server.port, "GET", "/api/v1/participants/", headers=api_headers).status == 200
    assert server.process.poll() is None and server.process.pid == pid  # same server, not restarted


def wait_for_lock_waiters(count: int, timeout: float = 15) -> None:
    """Return once ``count`` other sessions of the test database wait for a lock (the server's requests)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # statistics are a snapshot per transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'",
                [connection.settings_dict["NAME"]],
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.05)
    raise AssertionError(f"{count} requests of the server did not wait for the lock within {timeout}s")


@contextmanager
def requests_held_mid_query(server, path: str, count: int):
    """Send ``count`` concurrent GETs of ``path`` and hold each of them mid-query (waiting for a lock
    on the page tree) inside the block; yields their responses, filled in once the block ends."""
    responses = [None] * count

    def visit(i):
        responses[i] = request(server.port, "GET", path)

    visitors = [threading.Thread(target=visit, args=(i,)) for i in range(count)]
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE wagtailcore_page IN ACCESS EXCLUSIVE MODE")
            for visitor in visitors:
                visitor.start()
            wait_for_lock_waiters(count)
            yield responses
    finally:
        for visitor in visitors:
            visitor.join(timeout=30)
    assert not any(visitor.is_alive() for visitor in visitors), "a request held mid-query did not finish"


def test_a_request_in_flight_when_the_database_goes_away_gets_503(server, proxy, database_back, mini_programme):
    page = mini_programme.get_url()
    assert request(server.port, "GET", page).status == 200
    with requests_held_mid_query(server, page, 1) as responses:
        proxy.cut()
    assert_friendly_503(responses[0], server)

    proxy.restore()
    assert request(server.port, "GET", page).status == 200, server.log_tail()


def test_connections_that_died_while_idle_are_replaced_without_an_error(server, proxy, database_back, mini_programme):
    """A database restart while the site is quiet: every worker thread holds a persistent
    connection (CONN_MAX_AGE) that is dead when the next request comes. CONN_HEALTH_CHECKS
    notices and reconnects, so no visitor sees a 503 once the database is back."""
    page = mini_programme.get_url()
    with requests_held_mid_query(server, page, THREADS) as responses:
        pass  # released at once: each thread now keeps its open connection
    assert [r.status for r in responses] == [200] * THREADS
    assert proxy.open_connections >= THREADS

    proxy.cut()
    proxy.restore()
    statuses = [request(server.port, "GET", page).status for _ in range(THREADS * 2)]
    assert statuses == [200] * (THREADS * 2), server.log_tail()
