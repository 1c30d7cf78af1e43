"""POST /participants/search/: look people up without personal data in the URL."""

import pytest

from tests.factories import UserFactory
from tests.factories_api import MemberFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/participants/search/"


@pytest.fixture
def people(organisation, other_organisation):
    ann = MemberFactory(organisation=organisation, user=UserFactory(email="ann@acme.example"), external_id="E-1")
    MemberFactory(organisation=organisation, user=UserFactory(email="bob@acme.example"), external_id="E-2")
    MemberFactory(organisation=other_organisation, user=UserFactory(email="ann@globex.example"), external_id="E-1")
    return ann


@pytest.mark.parametrize(
    "body",
    [{"email": "ANN@acme.example"}, {"external_id": "E-1"}, {"user_name": "ann@acme.example"}],
)
def test_search_finds_only_the_organisations_own_record(people, token_client, body):
    response = token_client.post(URL, body, format="json")
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [str(people.uuid)]
    assert response.json()["next"] is None


def test_fields_combine_and_unknown_or_missing_fields_are_400(people, token_client):
    both = token_client.post(URL, {"email": "ann@acme.example", "external_id": "E-2"}, format="json")
    assert both.status_code == 200 and both.json()["results"] == []
    assert token_client.post(URL, {}, format="json").status_code == 400
    unknown = token_client.post(URL, {"mail": "ann@acme.example"}, format="json")
    assert unknown.status_code == 400 and "mail" in unknown.content.decode()


def test_read_only_keys_may_search(people, read_only_client):
    response = read_only_client.post(URL, {"email": "ann@acme.example"}, format="json")
    assert response.status_code == 200 and len(response.json()["results"]) == 1
    # ...but still may not write
    assert read_only_client.post("/api/v1/participants/", {"email": "x@acme.example"}, format="json").status_code == 403


def test_get_filter_by_email_still_works(people, token_client):
    response = token_client.get("/api/v1/participants/", {"email": "ann@acme.example"})
    assert [row["id"] for row in response.json()["results"]] == [str(people.uuid)]
