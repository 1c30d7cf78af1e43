"""Learning records in the outbox (written by the services, kept out of the HR feed and webhooks),
the organisation LRS admin (the password never shown back) and the push command."""

import io

import pytest
from django.core.management import call_command

from courses.models import ModulePage
from lms.models import Event, LearningEventType, OrganisationLrs
from lms.selectors.feeds import events_for_organisation
from tests.factories import OrganisationFactory, UserFactory
from tests.factories_api import WebhookEndpointFactory

from .journey import SECRETS, enrol, full_programme, take_quiz

pytestmark = pytest.mark.django_db


def test_services_record_learning_records_with_ids_scores_and_codes_only(mini_programme):
    organisation = OrganisationFactory()
    journey = full_programme(organisation, mini_programme)
    records = list(Event.objects.filter(type__in=LearningEventType.values).order_by("id"))
    assert [event.type for event in records] == [
        "challenge.logged",
        "challenge.logged",
        "quiz.submitted",
        "quiz.submitted",
        "module.completed",
        "module.completed",
    ]
    first = ModulePage.objects.child_of(mini_programme).order_by("path").first()
    failed, passed = records[2].data, records[3].data
    assert failed == {
        "enrolment": str(journey.enrolment.uuid),
        "participant": str(journey.member.uuid),
        "course": str(mini_programme.translation_key),
        "module": str(first.translation_key),
        "attempt": 1,
        "score": 0,
        "pass_mark": 50,
        "passed": False,
    }
    assert (passed["attempt"], passed["score"], passed["passed"]) == (2, 100, True)
    conversation, practice = records[0].data, records[1].data
    assert {k: conversation[k] for k in ("kind", "setting", "outcome", "follow_up")} == {
        "kind": "networking",
        "setting": "canteen",
        "outcome": "meeting",
        "follow_up": "none",
    }
    assert {k: practice[k] for k in ("kind", "minutes", "calm_before", "calm_after")} == {
        "kind": "practice",
        "minutes": 15,
        "calm_before": 3,
        "calm_after": 7,
    }
    stored = str([event.data for event in Event.objects.all()])
    assert not any(secret in stored for secret in SECRETS)
    assert all(event.organisation_id == organisation.pk for event in records)


def test_learning_records_stay_out_of_the_hr_feed_and_webhooks(mini_programme):
    organisation = OrganisationFactory()
    WebhookEndpointFactory(organisation=organisation, events=["enrolment.created", "enrolment.completed"])
    journey = enrol(organisation, mini_programme)
    take_quiz(journey.enrolment, ModulePage.objects.child_of(mini_programme).first(), right=True)
    assert Event.objects.filter(type="quiz.submitted").count() == 1
    assert [event.type for event in events_for_organisation(organisation=organisation)] == ["enrolment.created"]
    assert list(organisation.webhook_endpoints.get().deliveries.values_list("event", flat=True)) == [
        "enrolment.created"
    ]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _form(organisation, **overrides):
    data = {
        "organisation": organisation.pk,
        "enabled": "on",
        "endpoint": "https://lrs.example.org/xAPI/",
        "username": "lms-key",
        "password": "a-long-lrs-secret-4321",
    }
    return data | overrides


def test_the_admin_never_shows_the_lrs_password_back(admin_client):
    organisation = OrganisationFactory()
    response = admin_client.post("/admin/organisation-lrs/new/", _form(organisation))
    assert response.status_code == 302, response.content
    lrs = OrganisationLrs.objects.get()
    assert (lrs.organisation, lrs.password) == (organisation, "a-long-lrs-secret-4321")
    page = admin_client.get(f"/admin/organisation-lrs/edit/{lrs.pk}/")
    assert page.status_code == 200
    assert b"a-long-lrs-secret-4321" not in page.content and "…4321".encode() in page.content
    response = admin_client.post(f"/admin/organisation-lrs/edit/{lrs.pk}/", _form(organisation, password=""))
    assert response.status_code == 302
    lrs.refresh_from_db()
    assert lrs.password == "a-long-lrs-secret-4321"  # empty keeps it
    admin_client.post(f"/admin/organisation-lrs/edit/{lrs.pk}/", _form(organisation, password="replaced-9999"))
    lrs.refresh_from_db()
    assert lrs.password == "replaced-9999"
    listing = admin_client.get("/admin/organisation-lrs/")
    assert listing.status_code == 200 and b"replaced-9999" not in listing.content


def test_the_admin_refuses_a_bad_endpoint_and_a_missing_password(admin_client):
    organisation = OrganisationFactory()
    response = admin_client.post("/admin/organisation-lrs/new/", _form(organisation, endpoint="ftp://x", password=""))
    assert response.status_code == 200
    assert not OrganisationLrs.objects.exists()
    assert b"Enter a valid URL." in response.content and b"This field is required." in response.content


def test_the_push_command_reports_each_store(settings, mini_programme):
    settings.MICROLEARN_XAPI = {}
    organisation = OrganisationFactory()
    OrganisationLrs.objects.create(
        organisation=organisation, endpoint="http://127.0.0.1:9/xAPI/", username="u", password="p"
    )
    enrol(organisation, mini_programme)
    out = io.StringIO()
    call_command("xapi_push", stdout=out)
    assert out.getvalue() == f"org:{organisation.pk}: retry, sent 0, rejected 0, withheld 0\n"
    out = io.StringIO()
    call_command("xapi_push", stdout=out)
    assert out.getvalue() == f"org:{organisation.pk}: waiting, sent 0, rejected 0, withheld 0\n"


def test_a_failed_push_queues_its_retry_for_after_the_wait(
    settings, mini_programme, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    from lms.models import LrsCursor
    from lms.xapi.tasks import xapi_push_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.MICROLEARN_XAPI = {"ENDPOINT": "http://127.0.0.1:9/xAPI/", "USERNAME": "u", "PASSWORD": "p"}
    enrol(OrganisationFactory(), mini_programme)
    with django_capture_on_commit_callbacks(execute=True):
        assert xapi_push_task.call(lrs_key="site")["state"] == "retry"
    (queued,) = [result for result in default_task_backend.results if result.task.func is xapi_push_task.func]
    cursor = LrsCursor.objects.get(key="site")
    assert queued.kwargs == {"lrs_key": "site"}
    assert queued.task.run_after == cursor.next_attempt_at
    assert 9 <= (cursor.next_attempt_at - cursor.last_error_at).total_seconds() <= 11
