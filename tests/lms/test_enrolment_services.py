"""Enrolling an organisation's participants (the HR API's rules), called directly."""

import uuid

import pytest
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


def test_bulk_rolls_back_whatever_a_refused_item_wrote(organisation, cohort, monkeypatch):
    """A refused item leaves nothing behind, even if the rules wrote before refusing."""
    good, bad = MemberFactory(organisation=organisation), MemberFactory(organisation=organisation)
    real = enrolment_services.enrolment_create

    def writes_then_refuses(*, user, **kwargs):
        enrolment = real(user=user, **kwargs)
        if user == bad.user:
            raise enrolment_services.EnrolmentError("Refused after writing.")
        return enrolment

    monkeypatch.setattr(enrolment_services, "enrolment_create", writes_then_refuses)
    items = [{"participant": bad.uuid, "cohort": cohort.uuid}, {"participant": good.uuid, "cohort": cohort.uuid}]
    outcomes = enrolments_create_for_members(organisation=organisation, items=items)
    assert [o.outcome for o in outcomes] == [Outcome.CONFLICT, Outcome.CREATED]
    assert outcomes[0].errors == {"non_field_errors": ["Refused after writing."]}
    assert list(Enrolment.objects.values_list("user", flat=True)) == [good.user.pk]
