"""Idempotency-Key on POST: replay for 24 hours, 422 on a different body, one object under concurrency."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection

from api.models import IdempotencyRecord
from api.v1 import urls as api_urls
from lms.models import OrganisationMember
from lms.services import participants as participant_services
from tests.api.conftest import make_client
from tests.factories_api import api_key_for

pytestmark = pytest.mark.django_db

KEY = {"HTTP_IDEMPOTENCY_KEY": "3f1c2a9e-retry-me"}
THREADS = 4


def test_every_post_handler_is_idempotent():
    """Generated from the URL configuration: a new POST endpoint without @idempotent fails here."""
    posts = [p for p in api_urls.urlpatterns if hasattr(getattr(p.callback, "view_class", None), "post")]
    assert len(posts) >= 8
    for pattern in posts:
        assert getattr(pattern.callback.view_class.post, "idempotent", False), pattern.name


def test_same_key_and_body_replays_the_first_response(token_client, organisation):
    body = {"email": "ann@example.com", "external_id": "A1"}
    first = token_client.post("/api/v1/participants/", body, format="json", **KEY)
    second = token_client.post("/api/v1/participants/", body, format="json", **KEY)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert OrganisationMember.objects.filter(organisation=organisation).count() == 1


def test_the_same_json_with_keys_in_another_order_is_the_same_request(token_client, organisation):
    first = '{"email": "ann@example.com", "external_id": "A1", "first_name": "Ann"}'
    reordered = '{"first_name":"Ann",\n "external_id":"A1","email":"ann@example.com"}'
    response = token_client.post("/api/v1/participants/", first, content_type="application/json", **KEY)
    assert response.status_code == 201
    replay = token_client.post("/api/v1/participants/", reordered, content_type="application/json", **KEY)
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == response.json()
    changed = '{"first_name":"Anne","external_id":"A1","email":"ann@example.com"}'
    response = token_client.post("/api/v1/participants/", changed, content_type="application/json", **KEY)
    assert response.status_code == 422
    assert OrganisationMember.objects.filter(organisation=organisation).count() == 1


def test_same_key_different_body_is_422(token_client, organisation):
    token_client.post("/api/v1/participants/", {"email": "ann@example.com"}, format="json", **KEY)
    response = token_client.post("/api/v1/participants/", {"email": "bob@example.com"}, format="json", **KEY)
    assert response.status_code == 422
    assert OrganisationMember.objects.count() == 1


def test_keys_belong_to_one_api_key(token_client, organisation):
    token_client.post("/api/v1/participants/", {"email": "ann@example.com"}, format="json", **KEY)
    other = make_client(api_key_for(organisation, name="other")[1])
    response = other.post("/api/v1/participants/", {"email": "bob@example.com"}, format="json", **KEY)
    assert response.status_code == 201


def test_a_rejected_request_does_not_burn_the_key(token_client, organisation):
    assert token_client.post("/api/v1/participants/", {"email": "bad"}, format="json", **KEY).status_code == 400
    fixed = token_client.post("/api/v1/participants/", {"email": "good@example.com"}, format="json", **KEY)
    assert fixed.status_code == 201


def test_replay_expires_after_24_hours(token_client, organisation):
    body = {"email": "ann@example.com"}
    token_client.post("/api/v1/participants/", body, format="json", **KEY)
    IdempotencyRecord.objects.update(created_at=IdempotencyRecord.objects.get().created_at - timedelta(hours=25))
    response = token_client.post("/api/v1/participants/", body, format="json", **KEY)
    assert response.status_code == 409  # processed again: the email now exists
    assert "Idempotent-Replayed" not in response


def test_actions_without_body_replay_too(token_client, world):
    url = f"/api/v1/enrolments/{world.enrolment.uuid}/withdraw/"
    first = token_client.post(url, **KEY)
    second = token_client.post(url, **KEY)
    assert first.status_code == second.status_code == 200 and second["Idempotent-Replayed"] == "true"


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serialises writers")
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_the_same_key_create_one_object(organisation, monkeypatch):
    raw = api_key_for(organisation)[1]
    original = participant_services.participant_provision

    def slow_provision(**kwargs):
        time.sleep(0.3)  # hold the first transaction open while the second arrives
        return original(**kwargs)

    monkeypatch.setattr(participant_services, "participant_provision", slow_provision)
    barrier = threading.Barrier(THREADS)
    responses = []

    def call():
        try:
            barrier.wait()
            response = make_client(raw).post(
                "/api/v1/participants/", {"email": "race@example.com"}, format="json", **KEY
            )
            responses.append(response)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in responses] == [201] * THREADS
    assert all(r.json() == responses[0].json() for r in responses)
    assert sum(r.has_header("Idempotent-Replayed") for r in responses) == THREADS - 1  # one 201, then replays
    assert all(r["Location"] == responses[0]["Location"] for r in responses)
    assert OrganisationMember.objects.filter(organisation=organisation).count() == 1


def test_expired_records_are_purged(token_client, organisation):
    token_client.post("/api/v1/participants/", {"email": "old@example.com"}, format="json", HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyRecord.objects.update(created_at=IdempotencyRecord.objects.get().created_at - timedelta(hours=25))
    token_client.post("/api/v1/participants/", {"email": "new@example.com"}, format="json", HTTP_IDEMPOTENCY_KEY="new")
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
