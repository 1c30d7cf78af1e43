"""SCIM fixtures: two organisations with a SCIM token each, and a client per token."""

import pytest
from django.core.cache import cache
from django.test import Client

from api.models import ScimToken
from tests.factories import OrganisationFactory

SCIM = "application/scim+json"


class ScimClient:
    """A test client sending ``Authorization: Bearer <token>`` and JSON bodies."""

    def __init__(self, raw: str | None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}

    def get(self, path, **params):
        return self.client.get(f"/scim/v2/{path}", params, **self.headers)

    def _send(self, method, path, body):
        import json

        return getattr(self.client, method)(
            f"/scim/v2/{path}",
            json.dumps(body) if not isinstance(body, str) else body,
            content_type=SCIM,
            **self.headers,
        )

    def post(self, path, body):
        return self._send("post", path, body)

    def put(self, path, body):
        return self._send("put", path, body)

    def patch(self, path, body):
        return self._send("patch", path, body)

    def delete(self, path):
        return self.client.delete(f"/scim/v2/{path}", **self.headers)


@pytest.fixture(autouse=True)
def _scim_settings(settings):
    settings.MICROLEARN_SCIM_THROTTLE_RATE = "100000/min"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Acme", slug="acme")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Globex", slug="globex")


@pytest.fixture
def scim(organisation, mini_programme):
    return ScimClient(ScimToken.generate(organisation=organisation, name="Entra", group_course=mini_programme)[1])


@pytest.fixture
def other_scim(other_organisation):
    return ScimClient(ScimToken.generate(organisation=other_organisation, name="Okta")[1])


def user_body(user_name="bjensen@example.com", **extra):
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "externalId": extra.pop("externalId", "ext-" + user_name),
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "active": True,
    }
    body.update(extra)
    return body


def patch_body(*operations):
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": list(operations)}
