"""Participants, courses, cohorts, enrolments (incl. bulk and withdraw) and challenge stats."""

import datetime as dt

import pytest
from django.core import mail

from courses.models import ModulePage
from lms import services
from lms.models import ChallengeLog, EnrolmentStatus, FollowUp, ModuleProgress, OrganisationMember, Outcome
from tests.factories import UserFactory
from tests.factories_api import EnrolmentFactory, MemberFactory, cohort_for

pytestmark = pytest.mark.django_db


def test_provision_participant_with_welcome_email(token_client, organisation, django_capture_on_commit_callbacks):
    body = {"email": "Ann.Lee@Example.com", "first_name": "Ann", "last_name": "Lee", "external_id": "HR-1"}
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client.post("/api/v1/participants/", {**body, "send_welcome_email": True}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["email"] == "ann.lee@example.com" and data["external_id"] == "HR-1" and data["active"] is True
    member = OrganisationMember.objects.get(uuid=data["id"])
    assert member.organisation == organisation and not member.user.has_usable_password()
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body


def test_duplicate_external_id_or_email_is_409(token_client, world):
    response = token_client.post(
        "/api/v1/participants/", {"email": "x@example.com", "external_id": world.member.external_id}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "external_id"
    response = token_client.post("/api/v1/participants/", {"email": world.member.email.upper()}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "email"


def test_filter_participants_by_external_id(token_client, world, organisation):
    MemberFactory(organisation=organisation)
    response = token_client.get("/api/v1/participants/", {"external_id": world.member.external_id})
    assert [row["id"] for row in response.json()["results"]] == [str(world.member.uuid)]
    assert len(token_client.get("/api/v1/participants/").json()["results"]) == 2


def test_update_participant(token_client, world):
    url = f"/api/v1/participants/{world.member.uuid}/"
    response = token_client.patch(url, {"first_name": "Zoë", "external_id": "NEW-7"}, format="json")
    assert response.status_code == 200
    assert response.json()["first_name"] == "Zoë" and response.json()["external_id"] == "NEW-7"
    assert token_client.patch(url, {"email": "not-an-email"}, format="json").status_code == 400


def test_deactivate_sends_event_and_is_idempotent(token_client, world, django_capture_on_commit_callbacks):
    from lms import events

    calls = []
    events.participant_deactivated.connect(lambda sender, **kw: calls.append(kw), weak=False, dispatch_uid="t-deact")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = token_client.post(f"/api/v1/participants/{world.member.uuid}/deactivate/")
            second = token_client.post(f"/api/v1/participants/{world.member.uuid}/deactivate/")
    finally:
        events.participant_deactivated.disconnect(dispatch_uid="t-deact")
    assert first.status_code == second.status_code == 200
    assert first.json()["active"] is False and first.json()["deactivated_at"]
    assert len(calls) == 1 and calls[0]["organisation_id"] == world.member.organisation_id
    world.member.user.refresh_from_db()
    assert world.member.user.is_active is False
    # A deactivated participant cannot be enrolled again.
    response = token_client.post(
        "/api/v1/enrolments/", {"participant": str(world.member.uuid), "cohort": str(world.cohort.uuid)}, format="json"
    )
    assert response.status_code == 409


def test_erase_anonymises_but_keeps_aggregates(token_client, world):
    challenge = _challenge(world.course)
    ChallengeLog.objects.create(
        enrolment=world.enrolment, challenge=challenge, occurred_on=world.cohort.start_date, who="Bob", notes="secret"
    )
    response = token_client.post(f"/api/v1/participants/{world.member.uuid}/erase/")
    assert response.status_code == 204
    world.member.refresh_from_db()
    assert world.member.email == world.member.external_id == world.member.first_name == ""
    assert world.member.erased_at is not None
    world.member.user.refresh_from_db()
    assert world.member.user.first_name == "Erased" and world.member.user.email == ""
    # Erasure is final: the record is gone for every verb.
    assert token_client.get(f"/api/v1/participants/{world.member.uuid}/").status_code == 410
    assert (
        token_client.patch(f"/api/v1/participants/{world.member.uuid}/", {"active": True}, format="json").status_code
        == 410
    )
    assert token_client.post(f"/api/v1/participants/{world.member.uuid}/erase/").status_code == 410
    log = ChallengeLog.objects.get()
    assert log.who == "" and log.notes == ""
    stats = token_client.get(f"/api/v1/cohorts/{world.cohort.uuid}/challenge-stats/").json()
    assert sum(week["entries"] for week in stats["weeks"]) == 1
    assert token_client.get(f"/api/v1/enrolments/{world.enrolment.uuid}/").status_code == 200


def _challenge(course, week=1):
    from courses.models import Challenge

    return Challenge.objects.create(course=course, week=week, title=f"Week {week}", brief="Meet people.")


def test_courses_catalogue(token_client, mini_programme):
    data = token_client.get("/api/v1/courses/").json()
    course = data["results"][0]
    assert course["id"] == str(mini_programme.translation_key)
    assert course["estimated_minutes"] == 30
    assert [m["title"] for m in course["modules"]] == ["First module", "Second module"]
    assert course["modules"][0]["has_quiz"] is True
    assert token_client.get(f"/api/v1/courses/{course['id']}/").json() == course


def test_create_cohort_and_validation(token_client, mini_programme):
    body = {"name": "Spring", "course": str(mini_programme.translation_key), "start_date": "2026-03-02"}
    response = token_client.post("/api/v1/cohorts/", body, format="json")
    assert response.status_code == 201
    assert token_client.get(f"/api/v1/cohorts/{response.json()['id']}/").json()["name"] == "Spring"
    assert token_client.post("/api/v1/cohorts/", body, format="json").status_code == 409
    bad = {**body, "name": "Other", "end_date": "2026-01-01"}
    response = token_client.post("/api/v1/cohorts/", bad, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "end_date"


def test_enrol_withdraw_and_progress(token_client, organisation, mini_programme):
    member = MemberFactory(organisation=organisation)
    cohort = cohort_for(organisation, mini_programme)
    body = {"participant": str(member.uuid), "cohort": str(cohort.uuid)}
    response = token_client.post("/api/v1/enrolments/", body, format="json")
    assert response.status_code == 201, response.content
    enrolment_id = response.json()["id"]
    assert token_client.post("/api/v1/enrolments/", body, format="json").status_code == 200
    enrolment = services.enrolment_create(user=member.user, course=mini_programme)
    first = ModulePage.objects.get(slug="first")
    ModuleProgress.objects.create(
        enrolment=enrolment,
        module=first,
        started_at=enrolment.enrolled_at,
        completed_at=enrolment.enrolled_at,
        best_score=80,
    )
    data = token_client.get(f"/api/v1/enrolments/{enrolment_id}/").json()
    assert data["progress"] == {
        "modules_done": 1,
        "modules_total": 2,
        "best_quiz_scores": [{"module": str(first.translation_key), "best_score": 80}],
    }
    response = token_client.post(f"/api/v1/enrolments/{enrolment_id}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert token_client.post(f"/api/v1/enrolments/{enrolment_id}/withdraw/").status_code == 409


def test_bulk_enrolment_one_bad_item_never_blocks_the_good_ones(token_client, organisation, mini_programme):
    cohort = cohort_for(organisation, mini_programme)
    members = [MemberFactory(organisation=organisation) for _ in range(3)]
    items = [{"participant": str(m.uuid), "cohort": str(cohort.uuid)} for m in members]
    items.insert(1, {"participant": "not-a-uuid", "cohort": str(cohort.uuid)})
    items.append({"participant": str(members[0].uuid), "cohort": str(cohort.uuid)})
    response = token_client.post("/api/v1/enrolments/bulk/", {"items": items}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert (data["created"], data["existing"], data["failed"]) == (3, 1, 1)
    assert [r["outcome"] for r in data["results"]] == ["created", "error", "created", "created", "existing"]
    assert data["results"][1]["errors"][0]["field"] == "participant"
    too_many = {"items": [items[0]] * 501}
    assert token_client.post("/api/v1/enrolments/bulk/", too_many, format="json").status_code == 400


def test_challenge_stats_are_aggregates_only(token_client, world):
    challenge = _challenge(world.course)
    start = world.cohort.start_date
    other = EnrolmentFactory(user=UserFactory(), course=world.course, cohort=world.cohort)
    for enrolment, day, follow_up, outcome in [
        (world.enrolment, start, FollowUp.DONE, Outcome.MEETING),
        (world.enrolment, start + dt.timedelta(days=1), FollowUp.PLANNED, Outcome.NONE_YET),
        (other, start + dt.timedelta(days=8), FollowUp.DONE, Outcome.REFERRAL),
    ]:
        ChallengeLog.objects.create(
            enrolment=enrolment,
            challenge=challenge,
            occurred_on=day,
            follow_up=follow_up,
            outcome=outcome,
            who="Secret Person",
            notes="private note",
        )
    response = token_client.get(f"/api/v1/cohorts/{world.cohort.uuid}/challenge-stats/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Secret Person" not in text and "private note" not in text
    weeks = {week["week"]: week for week in response.json()["weeks"]}
    assert weeks[1]["active_participants"] == 1 and weeks[1]["entries"] == 2 and weeks[1]["follow_ups_done"] == 1
    assert weeks[1]["outcomes"]["meeting"] == 1 and weeks[2]["outcomes"]["referral"] == 1
    assert weeks[2]["active_participants"] == 1


def test_enrolment_filters(token_client, world, organisation):
    other = EnrolmentFactory(
        user=MemberFactory(organisation=organisation).user,
        course=world.course,
        cohort=world.cohort,
        status=EnrolmentStatus.COMPLETED,
        completed_at=world.enrolment.enrolled_at,
    )
    rows = token_client.get("/api/v1/enrolments/", {"status": "completed"}).json()["results"]
    assert [r["id"] for r in rows] == [str(other.uuid)]
    rows = token_client.get("/api/v1/enrolments/", {"participant": str(world.member.uuid)}).json()["results"]
    assert [r["id"] for r in rows] == [str(world.enrolment.uuid)]
    assert token_client.get("/api/v1/enrolments/", {"status": "bogus"}).status_code == 400
