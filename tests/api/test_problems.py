"""RFC 9457 problem details for every error status the API produces."""

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS and body["status"] == status
    assert body["type"].startswith("https://") and body["title"] and body["detail"]
    return body


def test_400_with_field_errors(token_client, organisation):
    body = assert_problem(token_client.post("/api/v1/participants/", {"email": "nope"}, format="json"), 400)
    assert body["errors"] == [{"field": "email", "detail": "Enter a valid email address.", "code": "invalid"}]
    assert body["instance"] == "/api/v1/participants/"


def test_400_nested_field_paths(token_client, organisation):
    body = assert_problem(token_client.post("/api/v1/enrolments/bulk/", {"items": "x"}, format="json"), 400)
    assert body["errors"][0]["field"] == "items"
    body = assert_problem(token_client.get("/api/v1/participants/", {"cursor": "forged"}), 400)
    assert body["errors"][0]["field"] == "cursor"
    assert_problem(token_client.get("/api/v1/participants/", {"page_size": "lots"}), 400)


def test_401(client, organisation):
    assert_problem(client.get("/api/v1/participants/"), 401)


def test_403(read_only_client):
    assert_problem(read_only_client.post("/api/v1/cohorts/", {}, format="json"), 403)


def test_404_unknown_object_and_unknown_url(token_client, organisation):
    assert_problem(token_client.get("/api/v1/participants/00000000-0000-0000-0000-000000000000/"), 404)
    assert_problem(token_client.get("/api/v1/nothing-here/"), 404)


def test_405(token_client, organisation):
    assert_problem(token_client.delete("/api/v1/participants/"), 405)


def test_409_with_field(token_client, world):
    body = {"email": "z@example.com", "external_id": world.member.external_id}
    problem = assert_problem(token_client.post("/api/v1/participants/", body, format="json"), 409)
    assert problem["errors"][0]["field"] == "external_id"


def test_413_body_over_one_megabyte(token_client, organisation):
    big = '{"email": "' + "a" * (1024 * 1024) + '@example.com"}'
    assert_problem(token_client.post("/api/v1/participants/", big, content_type="application/json"), 413)


def test_415_wrong_content_type(token_client, organisation):
    response = token_client.post("/api/v1/participants/", "email=a@example.com", content_type="text/plain")
    assert_problem(response, 415)


def test_422_idempotency_key_reused(token_client, organisation):
    headers = {"HTTP_IDEMPOTENCY_KEY": "k-422"}
    token_client.post("/api/v1/participants/", {"email": "a@example.com"}, format="json", **headers)
    response = token_client.post("/api/v1/participants/", {"email": "b@example.com"}, format="json", **headers)
    assert_problem(response, 422)


def test_429_with_retry_after(token_client, organisation, settings):
    settings.MICROLEARN_API_THROTTLE_RATE = "2/min"
    cache.clear()
    token_client.get("/api/v1/courses/")
    token_client.get("/api/v1/courses/")
    response = token_client.get("/api/v1/courses/")
    body = assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0 and body["retry_after"] > 0
