"""Cross-organisation matrix over every endpoint and method, generated from the URL configuration.

Organisation A's key must never see nor change organisation B's objects: B's object answers 404
exactly like a missing one, lists never contain B's rows, and POSTs referring to B's objects
fail. A new endpoint or method is picked up automatically; if the tables below do not say how
to exercise it, the test fails, so nothing escapes the matrix.
"""

import uuid

import pytest

from api.v1 import urls as api_urls
from lms.models import EnrolmentStatus

pytestmark = pytest.mark.django_db

NOT_RESOURCES = {"schema", "docs", "not-found"}
SHARED = {"courses"}  # the course catalogue is the same for every organisation
METHODS = ("get", "post", "put", "patch", "delete")


def endpoints():
    for pattern in api_urls.urlpatterns:
        if pattern.name in NOT_RESOURCES:
            continue
        view = pattern.callback.view_class
        route = str(pattern.pattern)
        for method in METHODS:
            if hasattr(view, method):
                yield pytest.param(pattern.name, route, method, id=f"{method.upper()} {route}")


# Bodies for POST/PATCH, built from B's world; (body, expected status for A's key).
def collection_posts(b):
    return {
        "participant-list": (
            # external ids are unique per organisation only: B's external id is free for A
            {"email": "new.person@example.com", "external_id": b.member.external_id},
            201,
        ),
        "cohort-list": (
            {"name": b.cohort.name, "course": str(b.course.translation_key), "start_date": "2026-01-05"},
            201,
        ),
        # B's person searched by their email: nothing found (an empty page, never their record)
        "participant-search": ({"email": b.member.email}, 200),
        "enrolment-list": ({"participant": str(b.member.uuid), "cohort": str(b.cohort.uuid)}, 400),
        "enrolment-bulk": ({"items": [{"participant": str(b.member.uuid), "cohort": str(b.cohort.uuid)}]}, 200),
        "webhook-list": ({"url": "https://hooks.example.net/x", "events": ["enrolment.completed"]}, 201),
    }


def detail_bodies(b):
    return {"participant-detail": {"first_name": "Mallory"}}


def b_object_id(resource, b):
    return {
        "participants": b.member.uuid,
        "cohorts": b.cohort.uuid,
        "enrolments": b.enrolment.uuid,
        "webhooks": b.webhook.uuid,
        "certificates": b.certificate.uuid,
        "courses": b.course.translation_key,
    }[resource]


def b_ids(b):
    return {str(b.member.uuid), str(b.cohort.uuid), str(b.enrolment.uuid), str(b.webhook.uuid), str(b.certificate.uuid)}


def assert_b_untouched(b):
    b.member.refresh_from_db()
    b.member.user.refresh_from_db()
    b.enrolment.refresh_from_db()
    b.webhook.refresh_from_db()
    assert b.member.deactivated_at is None and b.member.user.first_name != "Mallory"
    assert b.member.user.is_active and b.member.user.email.endswith("@example.com")
    assert b.enrolment.status == EnrolmentStatus.ACTIVE


@pytest.fixture
def public_dns(monkeypatch):
    import socket

    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("93.184.215.14", 443))])


@pytest.mark.parametrize(("name", "route", "method"), list(endpoints()))
def test_other_organisations_objects_are_invisible(name, route, method, token_client, world, other_world, public_dns):
    b = other_world
    resource = route.split("/", 1)[0]
    has_id = "<uuid:id>" in route
    if has_id:
        url = "/api/v1/" + route.replace("<uuid:id>", str(b_object_id(resource, b)))
        body = detail_bodies(b).get(name, {}) if method in ("post", "patch", "put") else None
        response = getattr(token_client, method)(url, body, format="json")
        if resource in SHARED:
            assert response.status_code == 200, response.content
        else:
            assert response.status_code == 404, (name, method, response.content)
            assert response["Content-Type"] == "application/problem+json"
            # ... exactly like an object that does not exist
            missing = "/api/v1/" + route.replace("<uuid:id>", str(uuid.uuid4()))
            other = getattr(token_client, method)(missing, body, format="json")
            assert other.status_code == 404
            assert {k: v for k, v in other.json().items() if k != "instance"} == {
                k: v for k, v in response.json().items() if k != "instance"
            }
    elif method == "get":
        response = token_client.get("/api/v1/" + route)
        assert response.status_code == 200
        if resource not in SHARED:
            text = response.content.decode()
            assert all(identifier not in text for identifier in b_ids(b)), name
    else:
        cases = collection_posts(b)
        assert name in cases, f"add {name} to the cross-organisation matrix"
        body, expected = cases[name]
        response = getattr(token_client, method)("/api/v1/" + route, body, format="json")
        assert response.status_code == expected, (name, response.content)
        text = response.content.decode()
        if name == "enrolment-bulk":
            assert response.json()["failed"] == 1
        if name == "participant-search":
            assert response.json()["results"] == []
        assert all(identifier not in text for identifier in b_ids(b) - {str(b.member.uuid), str(b.cohort.uuid)})
    assert_b_untouched(b)
