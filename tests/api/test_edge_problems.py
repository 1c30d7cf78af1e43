"""Every answer under /api/ is problem+json, at the edges an integrator's tools reach (issue 14, item 4).

OPTIONS, unknown or near-miss paths, malformed query values, pathological JSON and chunked bodies
each get a clear 4xx problem, never Django's HTML pages or a 500.
"""

import io
import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver
from rest_framework.test import APIClient

from api.v1 import problems
from lms.conf import conf

pytestmark = pytest.mark.django_db
PREFIX = "/api/v1/"


def api_patterns():
    resolver = get_resolver()
    for pattern in resolver.url_patterns:
        if str(pattern.pattern) == "api/v1/":
            return [p for p in pattern.url_patterns if isinstance(p, URLPattern)]
    raise AssertionError("api/v1/ is not mounted")


def post_endpoints():
    """Every endpoint that accepts POST, with sample ids for its path parameters."""
    urls = []
    for pattern in api_patterns():
        view = getattr(pattern.callback, "view_class", None)
        if view is not None and hasattr(view, "post"):
            route = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", str(pattern.pattern))
            urls.append(PREFIX + route)
    return urls


def assert_problem(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith(problems.PROBLEM_CONTENT_TYPE)
    body = json.loads(response.content)
    assert body["status"] == status and body["title"] and "detail" in body
    return body


def test_every_post_endpoint_is_listed():
    # The eight of the first round, then: reactivate and search (participants), redeliver one
    # delivery, redeliver the failed ones, rotate the secret (webhooks).
    assert len(post_endpoints()) == 13


@pytest.mark.parametrize("url", post_endpoints())
def test_options_with_a_valid_key_answers_without_a_server_error(token_client, url):
    response = token_client.options(url)
    assert response.status_code == 200, response.content[:300]
    assert "POST" in response["Allow"]
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "value", ["2026-13-45T00:00:00Z", "yesterday", "2026-02-30", "0000-00-00T00:00:00", "2026-01-01T25:00:00Z"]
)
def test_a_malformed_updated_since_is_a_400_naming_it(token_client, value):
    body = assert_problem(token_client.get(PREFIX + "completions/", {"updated_since": value}), 400)
    assert [error["field"] for error in body["errors"]] == ["updated_since"]


@pytest.mark.parametrize("endpoint", ["completions/", "certificates/"])
@pytest.mark.parametrize("value", ["0142-10-23T05:44:34-18:10", "2026-03-01T12:00:00+23:59"])
def test_updated_since_with_an_offset_postgresql_refuses_still_answers(token_client, endpoint, value):
    """Python takes offsets up to ±24 h, PostgreSQL only to ±15:59: the time is read in UTC (a
    schemathesis find, a 500 on PostgreSQL before)."""
    response = token_client.get(PREFIX + endpoint, {"updated_since": value})
    assert response.status_code == 200, response.content[:300]


def test_an_updated_since_before_year_one_in_utc_is_a_400(token_client):
    for endpoint in ("completions/", "certificates/"):
        body = assert_problem(token_client.get(PREFIX + endpoint, {"updated_since": "0001-01-01T00:30:00+01:00"}), 400)
        assert [error["field"] for error in body["errors"]] == ["updated_since"], endpoint


def test_deeply_nested_json_is_a_400(token_client):
    body = "[" * 100_000
    response = token_client.post(PREFIX + "participants/", body, content_type="application/json")
    assert_problem(response, 400)


@pytest.mark.parametrize(
    "path",
    [
        "participants",  # no trailing slash
        "participants/not-a-uuid/",
        "participants/not-a-uuid/erase/",
        "enrolments/bulk",
    ],
)
def test_a_post_to_a_near_miss_path_is_a_404_problem_not_a_csrf_page(api_key, path):
    client = APIClient(enforce_csrf_checks=True)  # as a real HTTP client: Django's CSRF check is live
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key[1]}")
    response = client.post(PREFIX + path, {"email": "a@example.com"}, format="json")
    assert_problem(response, 404)


def test_a_post_without_a_key_to_an_unknown_path_is_a_404_problem():
    assert_problem(Client(enforce_csrf_checks=True).post(PREFIX + "nope/", {}), 404)


@pytest.mark.parametrize("path", ["participants/%0A", "%0A", "participants/%0D%0A/", "a%00b/"])
def test_control_characters_in_the_path_get_a_problem(token_client, path):
    assert_problem(token_client.get(PREFIX + path), 404)


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_method_not_allowed_is_a_problem(token_client, method):
    assert_problem(getattr(token_client, method)(PREFIX + "courses/"), 405)


def chunked(client, url, payload: bytes):
    """A request whose body comes with Transfer-Encoding: chunked and no Content-Length, as a WSGI
    server that de-chunks (gunicorn) hands it to Django."""
    return client.generic(
        "POST",
        url,
        b"",
        content_type="application/json",
        **{"wsgi.input": io.BytesIO(payload), "CONTENT_LENGTH": "", "HTTP_TRANSFER_ENCODING": "chunked"},
    )


def test_a_chunked_body_is_read(token_client):
    payload = json.dumps({"email": "chunked@example.com", "first_name": "Chun"}).encode()
    response = chunked(token_client, PREFIX + "participants/", payload)
    assert response.status_code == 201, response.content[:300]
    assert response.json()["email"] == "chunked@example.com"


def test_a_chunked_body_counts_against_the_size_limit(token_client, settings):
    settings.MICROLEARN_API_MAX_BODY_BYTES = 1024
    payload = json.dumps({"email": "big@example.com", "first_name": "x" * 2000}).encode()
    assert_problem(chunked(token_client, PREFIX + "participants/", payload), 413)
    assert conf.API_MAX_BODY_BYTES == 1024
