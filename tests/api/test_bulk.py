"""POST /enrolments/bulk/: set operations, so the same number of queries for 5 items as for 200."""

import uuid

import pytest

from lms.models import Enrolment
from tests.factories_api import EnrolmentFactory, MemberFactory, cohort_for

pytestmark = pytest.mark.django_db

# The API key (read, last used), the idempotency record (savepoints, claim, expiry, response), and
# the bulk itself in a savepoint: participants, cohorts, their current enrolments, one UPDATE
# (cohortless enrolments joining), one INSERT; the outbox (one read of what the events carry, one
# INSERT of the events, the organisation's webhook endpoints, one INSERT of their deliveries);
# then the result rows with their progress.
BULK_QUERIES = 20


def batch(organisation, course, size):
    """``size`` participants: mostly new, plus an existing, a cohortless joining, an unknown participant,
    a duplicate and two malformed items."""
    cohort = cohort_for(organisation, course)
    members = [MemberFactory(organisation=organisation) for _ in range(size)]
    EnrolmentFactory(user=members[0].user, course=course, cohort=cohort)
    EnrolmentFactory(user=members[1].user, course=course, cohort=None)
    items = [{"participant": str(m.uuid), "cohort": str(cohort.uuid)} for m in members]
    items += [
        {"participant": str(uuid.uuid4()), "cohort": str(cohort.uuid)},
        {"participant": str(members[2].uuid), "cohort": str(cohort.uuid)},
        {"participant": "not-a-uuid", "cohort": str(cohort.uuid)},
        {"cohort": str(cohort.uuid)},
    ]
    return items


@pytest.mark.parametrize("size", [5, 200])
def test_bulk_enrolment_runs_a_constant_number_of_queries(
    size, token_client, organisation, mini_programme, django_assert_num_queries
):
    items = batch(organisation, mini_programme, size)
    with django_assert_num_queries(BULK_QUERIES):
        response = token_client.post(
            "/api/v1/enrolments/bulk/", {"items": items}, format="json", HTTP_IDEMPOTENCY_KEY=f"bulk-{size}"
        )
    assert response.status_code == 200, response.content
    data = response.json()
    created = size - 2
    assert (data["created"], data["existing"], data["failed"]) == (created, 3, 3)
    outcomes = [r["outcome"] for r in data["results"]]
    assert outcomes == ["existing", "existing"] + ["created"] * created + ["error", "existing", "error", "error"]
    assert [r["index"] for r in data["results"]] == list(range(size + 4))
    assert [r["status"] for r in data["results"][-4:]] == [400, 200, 400, 400]
    assert data["results"][-3]["enrolment"] == data["results"][2]["enrolment"]
    assert all(r["enrolment"]["cohort"] == items[0]["cohort"] for r in data["results"] if r["enrolment"])
    assert Enrolment.objects.filter(cohort__uuid=items[0]["cohort"]).count() == size


def test_bulk_sends_one_webhook_per_created_enrolment(
    token_client, organisation, mini_programme, django_capture_on_commit_callbacks, monkeypatch
):
    from api.models import WebhookDelivery
    from api.v1 import webhooks
    from tests.factories_api import WebhookEndpointFactory

    monkeypatch.setattr(webhooks, "schedule", lambda *args, **kwargs: None)  # record deliveries, send none
    WebhookEndpointFactory(organisation=organisation)
    cohort = cohort_for(organisation, mini_programme)
    members = [MemberFactory(organisation=organisation) for _ in range(3)]
    items = [{"participant": str(m.uuid), "cohort": str(cohort.uuid)} for m in members]
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client.post("/api/v1/enrolments/bulk/", {"items": items}, format="json")
    assert response.json()["created"] == 3
    deliveries = WebhookDelivery.objects.filter(event="enrolment.created")
    assert sorted(d.payload["data"]["participant"] for d in deliveries) == sorted(i["participant"] for i in items)
