"""Delivery to a real Ralph LRS: statements read back through Ralph's own GET /xAPI/statements."""

from __future__ import annotations

import json
import re
import time
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import ModulePage
from lms import services
from lms.models import LrsCursor, OrganisationLrs
from lms.services.participants import participant_erase
from lms.xapi import delivery, statements
from lms.xapi.tasks import xapi_push_task, xapi_tick_task
from tests.factories import OrganisationFactory

from .journey import SECRETS, enrol, full_programme, take_quiz
from .ralph_lrs import HOME_PAGE, free_port
from .validation import assert_valid_statement

pytestmark = pytest.mark.django_db


def verbs_of(found):
    return Counter(statement["verb"]["display"]["en-US"] for statement in found)


def test_a_programme_reaches_the_lrs_as_valid_statements_without_free_text(site_lrs, mini_programme):
    journey = full_programme(OrganisationFactory(), mini_programme)
    result = delivery.push("site")
    assert (result.state, result.sent, result.rejected, result.withheld) == ("done", 8, 0, 0)

    found = site_lrs.get("site", registration=str(journey.enrolment.uuid))
    assert verbs_of(found) == {"registered": 1, "failed": 1, "passed": 1, "experienced": 2, "completed": 3}
    for statement in found:
        assert_valid_statement(statement, home_page=HOME_PAGE)
        assert statement["actor"]["account"]["name"] == str(journey.member.uuid)
    text = json.dumps(found)
    for secret in (*SECRETS, journey.user.email, journey.user.first_name, journey.user.last_name, journey.member.email):
        assert secret not in text
    quiz = [s for s in found if s["verb"]["display"]["en-US"] in {"passed", "failed"}]
    assert sorted(s["result"]["score"]["scaled"] for s in quiz) == [0.0, 1.0]
    practice = next(s for s in found if s.get("result", {}).get("duration"))
    assert practice["result"]["duration"] == "PT15M"
    cursor = LrsCursor.objects.get(key="site")
    assert (cursor.sent, cursor.attempts, cursor.next_attempt_at) == (8, 0, None)
    assert delivery.push("site").sent == 0  # nothing new


def test_statements_arrive_once_when_a_batch_is_resent_after_a_lost_response(site_lrs, mini_programme, settings):
    settings.MICROLEARN_XAPI_BATCH_SIZE = 4
    journey = full_programme(OrganisationFactory(), mini_programme)
    real_post = delivery.Client.post
    calls = []

    def post_then_lose_the_response(client, batch):
        calls.append(len(batch))
        status, body = real_post(client, batch)  # Ralph stores the batch...
        assert status == 200, body
        if len(calls) == 2:
            raise delivery.Unavailable("connection reset while reading the response")  # ...we never hear back
        return 200, b"[]"

    delivery.Client.post = post_then_lose_the_response
    try:
        first = delivery.push("site")
    finally:
        delivery.Client.post = real_post
    assert first.state == "retry" and first.sent == 4  # the first batch; the second's answer was lost
    cursor = LrsCursor.objects.get(key="site")
    assert cursor.attempts == 1 and cursor.next_attempt_at > timezone.now() and "connection reset" in cursor.last_error
    assert delivery.push("site").state == "waiting"  # backoff: not before next_attempt_at

    second = delivery.push("site", force=True)  # resends batch 2
    assert (second.state, second.sent) == ("done", 4)
    found = site_lrs.get("site", registration=str(journey.enrolment.uuid))
    ids = [statement["id"] for statement in found]
    assert len(ids) == len(set(ids)) == 8

    LrsCursor.objects.filter(key="site").update(after_txid=-1, after_id=0)  # resend everything
    assert delivery.push("site").sent == 8  # Ralph answers 204: it has them all
    assert len(site_lrs.get("site", registration=str(journey.enrolment.uuid))) == 8


def test_a_refused_statement_is_recorded_and_does_not_block_the_others(site_lrs, mini_programme, settings):
    settings.MICROLEARN_XAPI_BATCH_SIZE = 100
    journey = enrol(OrganisationFactory(), mini_programme)
    module = ModulePage.objects.child_of(mini_programme).first()
    take_quiz(journey.enrolment, module, right=False)
    take_quiz(journey.enrolment, module, right=True)
    real = statements.from_event

    def one_broken(event, *, base_url):
        statement = real(event, base_url=base_url)
        if statement["verb"]["display"]["en-US"] == "failed":
            del statement["actor"]  # required: Ralph answers 400
        return statement

    statements.from_event = one_broken
    try:
        result = delivery.push("site")
    finally:
        statements.from_event = real
    assert (result.state, result.sent, result.rejected) == ("done", 2, 1)
    cursor = LrsCursor.objects.get(key="site")
    assert cursor.rejected == 1 and re.match(r"HTTP 4\d\d for statement [0-9a-f-]{36}: ", cursor.last_error)
    assert verbs_of(site_lrs.get("site", registration=str(journey.enrolment.uuid))) == {"registered": 1, "passed": 1}


def test_an_lrs_that_is_down_never_slows_a_participant_and_gets_the_statements_later(
    site_lrs, mini_programme, settings, client
):
    settings.MICROLEARN_XAPI = {"ENDPOINT": f"http://127.0.0.1:{free_port()}/xAPI/", "USERNAME": "u", "PASSWORD": "p"}
    journey = enrol(OrganisationFactory(), mini_programme)
    module = ModulePage.objects.child_of(mini_programme).first()
    take_quiz(journey.enrolment, module, right=True)
    client.force_login(journey.user)
    real_post = delivery.Client.post

    def no_network_in_a_request(*args, **kwargs):
        raise AssertionError("a participant's request talked to the LRS")

    delivery.Client.post = no_network_in_a_request
    try:
        started = time.monotonic()
        response = client.post(reverse("microlearn_lms:module_confirm", args=[module.pk]), follow=True)
        elapsed = time.monotonic() - started
    finally:
        delivery.Client.post = real_post
    assert response.status_code == 200 and b"Module completed." in response.content
    print(f"module confirm with the LRS down: {elapsed * 1000:.0f} ms")

    down = xapi_push_task.call(lrs_key="site")
    assert down == {"state": "retry", "sent": 0, "rejected": 0, "withheld": 0}
    cursor = LrsCursor.objects.get(key="site")
    assert cursor.attempts == 1 and "ConnectionRefusedError" in cursor.last_error
    assert delivery.push("site", force=True).state == "retry"
    assert LrsCursor.objects.get(key="site").attempts == 2
    assert delivery.retry_delay(1) < delivery.retry_delay(2) < delivery.retry_delay(9)

    settings.MICROLEARN_XAPI = site_lrs.credentials("site")  # back up
    LrsCursor.objects.filter(key="site").update(next_attempt_at=timezone.now())
    assert xapi_push_task.call(lrs_key="site")["sent"] == 3
    assert verbs_of(site_lrs.get("site", registration=str(journey.enrolment.uuid))) == {
        "registered": 1,
        "passed": 1,
        "experienced": 1,
    }
    assert LrsCursor.objects.get(key="site").attempts == 0


def test_an_organisations_own_lrs_gets_its_peoples_statements_instead_of_the_sites(
    site_lrs, mini_programme, django_capture_on_commit_callbacks
):
    own, other = OrganisationFactory(), OrganisationFactory()
    OrganisationLrs.objects.create(organisation=own, **_lrs_fields(site_lrs.credentials("org")))
    mine, theirs = enrol(own, mini_programme), enrol(other, mini_programme)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert xapi_tick_task.call() == 2  # queues a push of the site's store and one of the organisation's
    assert len(queued) == 2
    assert [s["verb"]["display"]["en-US"] for s in site_lrs.get("org", registration=str(mine.enrolment.uuid))] == [
        "registered"
    ]
    assert site_lrs.get("site", registration=str(mine.enrolment.uuid)) == []
    assert len(site_lrs.get("site", registration=str(theirs.enrolment.uuid))) == 1
    assert site_lrs.get("org", registration=str(theirs.enrolment.uuid)) == []
    assert set(LrsCursor.objects.values_list("key", "sent")) == {("site", 1), (f"org:{own.pk}", 1)}


def _lrs_fields(credentials):
    return {
        "endpoint": credentials["ENDPOINT"],
        "username": credentials["USERNAME"],
        "password": credentials["PASSWORD"],
    }


def test_statements_of_an_erased_person_are_withheld(site_lrs, mini_programme):
    organisation = OrganisationFactory()
    erased, kept = enrol(organisation, mini_programme), enrol(organisation, mini_programme)
    module = ModulePage.objects.child_of(mini_programme).first()
    take_quiz(erased.enrolment, module, right=True)
    participant_erase(member=erased.member)

    result = delivery.push("site")
    assert (result.sent, result.withheld) == (1, 2)
    assert site_lrs.get("site", registration=str(erased.enrolment.uuid)) == []
    assert len(site_lrs.get("site", registration=str(kept.enrolment.uuid))) == 1
    assert LrsCursor.objects.get(key="site").withheld == 2


def test_without_a_store_nothing_is_pushed(mini_programme, settings):
    settings.MICROLEARN_XAPI = {}
    enrol(OrganisationFactory(), mini_programme)
    assert delivery.targets() == []
    assert delivery.push("site").state == "unconfigured"
    assert xapi_tick_task.call() == 0


def test_one_pusher_per_store(site_lrs, mini_programme):
    enrol(OrganisationFactory(), mini_programme)
    cursor = LrsCursor.objects.create(key="site", leased_until=timezone.now() + timezone.timedelta(seconds=60))
    assert delivery.push("site").state == "busy"
    LrsCursor.objects.filter(pk=cursor.pk).update(leased_until=timezone.now() - timezone.timedelta(seconds=1))
    assert delivery.push("site").state == "done"  # a crashed pusher's lease lapses
    assert LrsCursor.objects.get(pk=cursor.pk).leased_until is None


def test_a_participants_services_never_wait_for_the_lrs(mini_programme, settings, django_assert_num_queries):
    """Recording a learning record is two queries in the service's transaction; no network."""
    settings.MICROLEARN_XAPI = {"ENDPOINT": "http://127.0.0.1:9/xAPI/", "USERNAME": "u", "PASSWORD": "p"}
    journey = enrol(OrganisationFactory(), mini_programme)
    from lms import outbox

    with django_assert_num_queries(2):
        outbox.record_learning(
            "module.completed", enrolment_id=journey.enrolment.pk, occurred_at=timezone.now(), facts={"module": "x"}
        )
    assert services  # the services used above are the real ones
