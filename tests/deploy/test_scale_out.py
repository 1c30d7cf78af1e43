"""Nothing is local state: two gunicorn servers on one PostgreSQL behave as one site.

Server A and server B are separate processes with the production settings and no Redis, so
everything they share goes through the database (sessions: ``cached_db``; cache: the database
cache, holding the API throttle; idempotency records: a table). A request on A followed by one on
B must see the same state. See docs/scale-out.md.
"""

import http.client
import json
from collections import Counter

import pytest
from django.contrib.sessions.models import Session

from lms import services
from lms.models import OrganisationMember
from tests.factories import OrganisationFactory
from tests.factories_api import api_key_for

from .servers import Browser, database_url, deploy_marks, log_in, participant, request, server_env

pytestmark = deploy_marks("Needs PostgreSQL: two server processes share one database server, which SQLite is not.")

THROTTLE_LIMIT = 5  # requests per minute per API key on these servers (MICROLEARN_API_THROTTLE_RATE)


@pytest.fixture(scope="module")
def servers(start_servers, test_database):
    env = server_env(database_url(test_database), MICROLEARN_API_THROTTLE_RATE=f"{THROTTLE_LIMIT}/min")
    return start_servers(env, names=("a", "b"))


def test_a_session_started_on_one_server_is_known_to_the_other(servers, mini_programme):
    a, b = servers
    user = participant()
    services.enrolment_create(user=user, course=mini_programme)
    browser = log_in(a, user)
    session_cookies = dict(browser.cookies)
    assert "sessionid" in session_cookies

    on_b = browser.get(b, "/learn/")
    assert on_b.status == 200, b.log_tail()
    assert mini_programme.title in on_b.text and "Log out" in on_b.text

    logged_out = browser.post_form(b, "/accounts/logout/", {"csrfmiddlewaretoken": browser.cookies["csrftoken"]})
    assert logged_out.status in (200, 302), b.log_tail()
    assert "sessionid" not in browser.cookies
    assert not Session.objects.filter(session_key=session_cookies["sessionid"]).exists()

    replayed = Browser()
    replayed.cookies = session_cookies  # the old cookie, sent to A after the logout on B
    on_a = replayed.get(a, "/learn/")
    assert on_a.status == 302 and on_a.headers["Location"].startswith("/accounts/login/")


def api(server, raw_key, method, path, payload=None, **headers):
    body = json.dumps(payload).encode() if payload is not None else None
    headers = {"Authorization": f"Bearer {raw_key}", "Content-Type": "application/json", **headers}
    return request(server.port, method, path, body=body, headers=headers)


def test_the_api_throttle_counts_requests_on_both_servers(servers):
    a, b = servers
    _, raw_key = api_key_for(OrganisationFactory())

    answers = [(server.name, api(server, raw_key, "GET", "/api/v1/participants/")) for server in [a, b] * 3]

    statuses = [response.status for _, response in answers]
    assert statuses == [200] * THROTTLE_LIMIT + [429], a.log_tail() + b.log_tail()
    # Neither server saw more than the limit by itself: only a shared count throttles the sixth.
    assert all(count < THROTTLE_LIMIT for count in Counter(name for name, _ in answers).values())
    throttled = answers[-1][1]
    assert throttled.json()["type"].endswith("/throttled")
    assert int(throttled.headers["Retry-After"]) > 0


def test_an_idempotency_key_used_on_one_server_replays_on_the_other(servers):
    a, b = servers
    organisation = OrganisationFactory()
    _, raw_key = api_key_for(organisation)
    hire = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "external_id": "E-1815"}

    first = api(a, raw_key, "POST", "/api/v1/participants/", hire, **{"Idempotency-Key": "hire-ada"})
    assert first.status == 201, a.log_tail()
    again = api(b, raw_key, "POST", "/api/v1/participants/", hire, **{"Idempotency-Key": "hire-ada"})
    assert again.status == 201, b.log_tail()
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert OrganisationMember.objects.filter(organisation=organisation).count() == 1

    changed = {**hire, "email": "ada.king@example.com"}
    reused = api(b, raw_key, "POST", "/api/v1/participants/", changed, **{"Idempotency-Key": "hire-ada"})
    assert reused.status == 422
    assert reused.json()["type"].endswith("/idempotency-key-reused")
    assert OrganisationMember.objects.filter(organisation=organisation).count() == 1


def _post_chunked(server, raw_key, path: str, payload: bytes):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    try:
        chunks = (payload[i : i + 64 * 1024] for i in range(0, len(payload), 64 * 1024))
        headers = {"Authorization": f"Bearer {raw_key}", "Content-Type": "application/json"}
        conn.request("POST", path, body=chunks, headers={"X-Forwarded-Proto": "https", **headers}, encode_chunked=True)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def test_a_chunked_body_is_read_and_counted_against_the_limit_by_a_real_server(servers):
    """gunicorn de-chunks a Transfer-Encoding: chunked body and passes it without a Content-Length."""
    a, _ = servers
    _, raw_key = api_key_for(OrganisationFactory())
    payload = json.dumps({"email": "chunked@example.com", "first_name": "Chun"}).encode()
    status, _, body = _post_chunked(a, raw_key, "/api/v1/participants/", payload)
    assert status == 201, (body, a.log_tail())
    assert json.loads(body)["email"] == "chunked@example.com"

    too_big = json.dumps({"email": "big@example.com", "first_name": "x" * (1024 * 1024 + 10)}).encode()
    status, headers, body = _post_chunked(a, raw_key, "/api/v1/participants/", too_big)
    assert status == 413 and headers["Content-Type"].startswith("application/problem+json"), body[:300]
