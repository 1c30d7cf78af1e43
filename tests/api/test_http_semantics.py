"""ETag on reads, If-Match on PATCH (412), and the IETF RateLimit fields on every response."""

import re

import pytest
from django.core.cache import cache

from tests.api.conftest import make_client
from tests.factories_api import api_key_for

pytestmark = pytest.mark.django_db

POLICY = re.compile(r'^"default";q=(\d+);w=(\d+)$')
STATE = re.compile(r'^"default";r=(\d+);t=(\d+)$')


def rate_limit(response) -> tuple[int, int, int, int]:
    q, w = map(int, POLICY.match(response["RateLimit-Policy"]).groups())
    r, t = map(int, STATE.match(response["RateLimit"]).groups())
    return q, w, r, t


def test_reads_carry_a_strong_etag_that_follows_the_representation(token_client, world):
    url = f"/api/v1/participants/{world.member.uuid}/"
    first = token_client.get(url)
    assert re.fullmatch(r'"[0-9a-f]{32}"', first["ETag"])
    assert token_client.get(url)["ETag"] == first["ETag"]
    token_client.patch(url, {"first_name": "Changed"}, format="json")
    assert token_client.get(url)["ETag"] != first["ETag"]
    assert token_client.get("/api/v1/participants/")["ETag"]


def test_if_match_on_patch(token_client, world):
    url = f"/api/v1/participants/{world.member.uuid}/"
    etag = token_client.get(url)["ETag"]
    stale = token_client.patch(url, {"first_name": "A"}, format="json", HTTP_IF_MATCH='"0123"')
    assert stale.status_code == 412 and stale["Content-Type"] == "application/problem+json"
    assert stale.json()["status"] == 412
    world.member.user.refresh_from_db()
    assert world.member.user.first_name != "A"  # nothing changed
    ok = token_client.patch(url, {"first_name": "B"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok.json()["first_name"] == "B"
    # The old ETag is stale now; the new one is that of the response.
    assert token_client.patch(url, {"first_name": "C"}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    assert token_client.patch(url, {"first_name": "C"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert token_client.patch(url, {"last_name": "D"}, format="json").status_code == 200  # If-Match is optional


def test_every_response_carries_the_ratelimit_fields(settings, organisation, world):
    settings.MICROLEARN_API_THROTTLE_RATE = "3/min"
    cache.clear()
    client = make_client(api_key_for(organisation, name="limited")[1])
    responses = [client.get("/api/v1/courses/") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [rate_limit(r)[:3] for r in responses] == [(3, 60, 2), (3, 60, 1), (3, 60, 0), (3, 60, 0)]
    assert 0 < rate_limit(responses[3])[3] <= 60
    assert responses[3]["Retry-After"]
    # Errors too: unauthenticated (full quota), not found, invalid body, forbidden.
    cache.clear()
    assert rate_limit(make_client(None).get("/api/v1/courses/"))[:3] == (3, 60, 3)
    missing = client.get("/api/v1/participants/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404 and rate_limit(missing)[2] == 2
    bad = client.post("/api/v1/participants/", {"email": "x"}, format="json")
    assert bad.status_code == 400 and rate_limit(bad)[2] == 1


def test_ratelimit_fields_never_authenticate_a_request_refused_before(token_client):
    """A 413 is answered before authentication: the fields show the full quota, no 500."""
    client = make_client("not-a-key")
    response = client.post("/api/v1/participants/", "{}", content_type="application/json", CONTENT_LENGTH="99999999")
    assert response.status_code == 413
    assert rate_limit(response)[2] == rate_limit(response)[0]
