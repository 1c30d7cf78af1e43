"""Enrolling an organisation's participants (the HR API's rules), called directly."""

import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from lms import events
from lms.models import Enrolment, EnrolmentSource, EnrolmentStatus
from lms.services import enrolment as enrolment_services
from lms.services.enrolment import MemberEnrolmentOutcome as Outcome
from lms.services.enrolment import enrolment_create_for_member, enrolments_create_for_members
from tests.factories import OrganisationFactory
from tests.factories_api import EnrolmentFactory, MemberFactory, cohort_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


@pytest.fixture
def member(organisation):
    return MemberFactory(organisation=organisation)


@pytest.fixture
def cohort(organisation, mini_programme):
    return cohort_for(organisation, mini_programme)


def enrol(organisation, member, cohort):
    return enrolment_create_for_member(organisation=organisation, participant=member.uuid, cohort=cohort.uuid)


def test_creates_an_api_enrolment_on_the_cohorts_course_and_sends_the_event(
    organisation, member, cohort, django_capture_on_commit_callbacks
):
    calls = []
    events.enrolment_created.connect(lambda sender, **kw: calls.append(kw), weak=False, dispatch_uid="t-member")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            outcome = enrol(organisation, member, cohort)
    finally:
        events.enrolment_created.disconnect(dispatch_uid="t-member")
    assert outcome.outcome == Outcome.CREATED and not outcome.refused and outcome.errors == {}
    enrolment = Enrolment.objects.get()
    assert outcome.enrolment == enrolment
    assert (enrolment.user, enrolment.course_id, enrolment.cohort) == (member.user, cohort.course_id, cohort)
    assert enrolment.source == EnrolmentSource.API and enrolment.status == EnrolmentStatus.ACTIVE
    assert [call["enrolment_id"] for call in calls] == [enrolment.pk]


def test_is_idempotent_and_a_cohortless_enrolment_joins_the_cohort(organisation, member, cohort, mini_programme):
    first = enrol(organisation, member, cohort)
    again = enrol(organisation, member, cohort)
    assert again.outcome == Outcome.EXISTING and again.enrolment == first.enrolment
    assert Enrolment.objects.count() == 1

    other = MemberFactory(organisation=organisation)
    own = EnrolmentFactory(user=other.user, course=mini_programme, cohort=None)
    joined = enrol(organisation, other, cohort)
    assert joined.outcome == Outcome.EXISTING and joined.enrolment.pk == own.pk
    own.refresh_from_db()
    assert own.cohort == cohort


def test_unknown_participant_and_cohort_are_both_reported(organisation):
    outcome = enrolment_create_for_member(organisation=organisation, participant=uuid.uuid4(), cohort=uuid.uuid4())
    assert outcome.outcome == Outcome.INVALID and outcome.refused and outcome.enrolment is None
    assert outcome.errors == {
        "participant": ["No such participant in your organisation."],
        "cohort": ["No such cohort in your organisation."],
    }


def test_another_organisations_participant_or_cohort_is_unknown(organisation, member, cohort, mini_programme):
    elsewhere = OrganisationFactory()
    their_member = MemberFactory(organisation=elsewhere)
    their_cohort = cohort_for(elsewhere, mini_programme)
    outcome = enrol(organisation, their_member, cohort)
    assert outcome.outcome == Outcome.INVALID and list(outcome.errors) == ["participant"]
    outcome = enrol(organisation, member, their_cohort)
    assert outcome.outcome == Outcome.INVALID and list(outcome.errors) == ["cohort"]
    assert not Enrolment.objects.exists()


def test_a_deactivated_participant_is_a_conflict(organisation, member, cohort):
    member.deactivated_at = timezone.now()
    member.save()
    outcome = enrol(organisation, member, cohort)
    assert outcome.outcome == Outcome.CONFLICT
    assert outcome.errors == {"participant": ["This participant is deactivated."]}
    assert not Enrolment.objects.exists()


def test_the_enrolment_rules_refusal_is_a_conflict_on_the_whole_request(organisation, member, cohort):
    member.user.is_active = False  # an account disabled elsewhere, membership still active
    member.user.save()
    outcome = enrol(organisation, member, cohort)
    assert outcome.outcome == Outcome.CONFLICT
    assert outcome.errors == {"non_field_errors": ["This account is deactivated."]}


def test_enrolled_through_another_cohort_is_a_conflict(organisation, member, cohort, mini_programme):
    other_cohort = cohort_for(organisation, mini_programme)
    enrol(organisation, member, other_cohort)
    outcome = enrol(organisation, member, cohort)
    assert outcome.outcome == Outcome.CONFLICT
    assert outcome.errors == {"cohort": ["Already enrolled on this course through another cohort."]}
    assert Enrolment.objects.get().cohort == other_cohort


def test_a_withdrawn_enrolment_does_not_count_as_existing(organisation, member, cohort):
    first = enrol(organisation, member, cohort).enrolment
    enrolment_services.enrolment_withdraw(enrolment=first)
    outcome = enrol(organisation, member, cohort)
    assert outcome.outcome == Outcome.CREATED and outcome.enrolment.pk != first.pk


def test_bulk_handles_each_item_on_its_own_in_order(organisation, cohort):
    members = [MemberFactory(organisation=organisation) for _ in range(3)]
    items = [{"participant": m.uuid, "cohort": cohort.uuid} for m in members]
    items.insert(1, {"participant": uuid.uuid4(), "cohort": cohort.uuid})
    items.append({"participant": members[0].uuid, "cohort": cohort.uuid})
    outcomes = enrolments_create_for_members(organisation=organisation, items=items)
    assert [o.outcome for o in outcomes] == [
        Outcome.CREATED,
        Outcome.INVALID,
        Outcome.CREATED,
        Outcome.CREATED,
        Outcome.EXISTING,
    ]
    assert outcomes[4].enrolment == outcomes[0].enrolment
    assert Enrolment.objects.count() == 3
    assert enrolments_create_for_members(organisation=organisation, items=[]) == []


def test_bulk_refused_items_write_nothing_and_follow_the_single_rules(organisation, cohort, mini_programme):
    """Each rule of ``enrolment_create_for_member``, in one batch: the same outcome and errors per item."""
    deactivated = MemberFactory(organisation=organisation, deactivated_at=timezone.now())
    disabled = MemberFactory(organisation=organisation)
    disabled.user.is_active = False
    disabled.user.save()
    elsewhere = MemberFactory(organisation=organisation)
    other_cohort = cohort_for(organisation, mini_programme)
    EnrolmentFactory(user=elsewhere.user, course=mini_programme, cohort=other_cohort)
    cohortless = MemberFactory(organisation=organisation)
    own = EnrolmentFactory(user=cohortless.user, course=mini_programme, cohort=None)
    withdrawn = MemberFactory(organisation=organisation)
    old = enrol(organisation, withdrawn, cohort).enrolment
    enrolment_services.enrolment_withdraw(enrolment=old)
    fresh = MemberFactory(organisation=organisation)
    items = [
        {"participant": deactivated.uuid, "cohort": cohort.uuid},
        {"participant": disabled.uuid, "cohort": cohort.uuid},
        {"participant": elsewhere.uuid, "cohort": cohort.uuid},
        {"participant": cohortless.uuid, "cohort": cohort.uuid},
        {"participant": withdrawn.uuid, "cohort": cohort.uuid},
        {"participant": fresh.uuid, "cohort": other_cohort.uuid},
        {"participant": fresh.uuid, "cohort": cohort.uuid},  # same course, through another cohort of this request
        {"participant": uuid.uuid4(), "cohort": uuid.uuid4()},
    ]
    before = Enrolment.objects.count()
    with transaction.atomic():  # the single path, item by item, then undone
        one_by_one = [enrolment_create_for_member(organisation=organisation, **item) for item in items]
        one_by_one = [(o.outcome, o.errors) for o in one_by_one]
        transaction.set_rollback(True)
    assert Enrolment.objects.count() == before
    outcomes = enrolments_create_for_members(organisation=organisation, items=items)
    assert [(o.outcome, o.errors) for o in outcomes] == one_by_one
    assert [(o.outcome, o.errors) for o in outcomes] == [
        (Outcome.CONFLICT, {"participant": ["This participant is deactivated."]}),
        (Outcome.CONFLICT, {"non_field_errors": ["This account is deactivated."]}),
        (Outcome.CONFLICT, {"cohort": ["Already enrolled on this course through another cohort."]}),
        (Outcome.EXISTING, {}),
        (Outcome.CREATED, {}),
        (Outcome.CREATED, {}),
        (Outcome.CONFLICT, {"cohort": ["Already enrolled on this course through another cohort."]}),
        (
            Outcome.INVALID,
            {
                "participant": ["No such participant in your organisation."],
                "cohort": ["No such cohort in your organisation."],
            },
        ),
    ]
    assert Enrolment.objects.count() == before + 2
    own.refresh_from_db()
    assert own.cohort == cohort and outcomes[3].enrolment.pk == own.pk
    assert outcomes[4].enrolment.pk != old.pk and outcomes[4].enrolment.source == EnrolmentSource.API
    assert not Enrolment.objects.filter(user__in=[deactivated.user, disabled.user], course=mini_programme).exists()
    assert Enrolment.objects.get(user=fresh.user).cohort == other_cohort


def test_bulk_sends_one_event_per_created_enrolment_on_commit(organisation, cohort, django_capture_on_commit_callbacks):
    members = [MemberFactory(organisation=organisation) for _ in range(3)]
    enrol(organisation, members[0], cohort)
    calls = []
    events.enrolment_created.connect(lambda sender, **kw: calls.append(kw), weak=False, dispatch_uid="t-bulk")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            outcomes = enrolments_create_for_members(
                organisation=organisation, items=[{"participant": m.uuid, "cohort": cohort.uuid} for m in members]
            )
    finally:
        events.enrolment_created.disconnect(dispatch_uid="t-bulk")
    created = [o.enrolment for o in outcomes if o.outcome == Outcome.CREATED]
    assert len(created) == 2 and all(e.pk for e in created)
    assert [c["enrolment_id"] for c in calls] == [e.pk for e in created]
    assert {c["source"] for c in calls} == {EnrolmentSource.API}
    assert [c["user_id"] for c in calls] == [m.user.pk for m in members[1:]]


def test_bulk_decides_again_when_a_concurrent_request_enrolled_first(organisation, cohort, monkeypatch):
    """The batch read nothing for a participant, but another request enrolled them before the INSERT:
    the constraint refuses it, and the batch is decided again, finding that enrolment."""
    member, other = MemberFactory(organisation=organisation), MemberFactory(organisation=organisation)
    theirs = enrol(organisation, member, cohort).enrolment
    real, reads = enrolment_services._current_enrolments, []

    def stale_once(members, cohorts):
        found = real(members, cohorts)
        reads.append(len(found))
        return {} if len(reads) == 1 else found

    monkeypatch.setattr(enrolment_services, "_current_enrolments", stale_once)
    items = [{"participant": other.uuid, "cohort": cohort.uuid}, {"participant": member.uuid, "cohort": cohort.uuid}]
    outcomes = enrolments_create_for_members(organisation=organisation, items=items)
    assert reads == [1, 1]
    assert [o.outcome for o in outcomes] == [Outcome.CREATED, Outcome.EXISTING]
    assert outcomes[1].enrolment.pk == theirs.pk
    assert Enrolment.objects.count() == 2
