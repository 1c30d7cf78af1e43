"""Protocol details a generated client relies on (issue 14, items 5 and 6, in part).

A 201 names the new resource in ``Location``; the schema's version is a valid PEP 440 version
(generated packages are versioned from it); bounded parameters say their bounds.
"""

import pytest
from packaging.version import Version

from tests.factories_api import MemberFactory, cohort_for

pytestmark = pytest.mark.django_db


def assert_created_at_its_location(client, response):
    assert response.status_code == 201, response.content[:300]
    location = response["Location"]
    assert location.startswith("http://testserver/api/v1/") and location.endswith(f"/{response.json()['id']}/")
    read_back = client.get(location)
    assert read_back.status_code == 200 and read_back.json()["id"] == response.json()["id"]


def test_every_201_carries_the_location_of_what_it_created(token_client, organisation, mini_programme, settings):
    settings.MICROLEARN_WEBHOOK_ALLOW_LOOPBACK = True
    participant = token_client.post("/api/v1/participants/", {"email": "loc@example.com"}, format="json")
    assert_created_at_its_location(token_client, participant)

    body = {"name": "Spring", "course": str(mini_programme.translation_key), "start_date": "2026-03-02"}
    assert_created_at_its_location(token_client, token_client.post("/api/v1/cohorts/", body, format="json"))

    cohort = cohort_for(organisation, mini_programme)
    member = MemberFactory(organisation=organisation)
    enrol = {"participant": str(member.uuid), "cohort": str(cohort.uuid)}
    assert_created_at_its_location(token_client, token_client.post("/api/v1/enrolments/", enrol, format="json"))
    again = token_client.post("/api/v1/enrolments/", enrol, format="json")
    assert again.status_code == 200 and "Location" not in again  # nothing new was created

    hook = {"url": "http://127.0.0.1:9/hooks", "events": ["enrolment.created"]}
    assert_created_at_its_location(token_client, token_client.post("/api/v1/webhooks/", hook, format="json"))


def test_a_replayed_201_carries_the_same_location(token_client):
    headers = {"HTTP_IDEMPOTENCY_KEY": "loc-replay-1"}
    body = {"email": "replay@example.com"}
    first = token_client.post("/api/v1/participants/", body, format="json", **headers)
    replay = token_client.post("/api/v1/participants/", body, format="json", **headers)
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay["Location"] == first["Location"]


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_version_is_a_pep_440_version(schema):
    assert str(Version(schema["info"]["version"])) == schema["info"]["version"] == "1.0.0"


def test_page_size_and_idempotency_key_state_their_bounds(schema):
    parameters = [p for path in schema["paths"].values() for op in path.values() for p in op.get("parameters", [])]
    page_sizes = [p["schema"] for p in parameters if p["name"] == "page_size"]
    keys = [p["schema"] for p in parameters if p["name"] == "Idempotency-Key"]
    assert page_sizes and all(s["minimum"] == 1 and s["maximum"] == 200 for s in page_sizes)
    assert keys and all(s["minLength"] == 1 and s["maxLength"] == 255 for s in keys)
