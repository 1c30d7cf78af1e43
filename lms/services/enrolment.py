"""Enrolment: create (self, staff, API), withdraw, complete; and the HR API's member enrolments."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import events
from ..models import Enrolment, EnrolmentSource, EnrolmentStatus
from ..selectors.organisation import cohorts_for_organisation, participants_for_organisation


class EnrolmentError(Exception):
    """A request that breaks the enrolment rules; the message is safe to show to the user."""


def _payload(enrolment: Enrolment, **extra) -> dict:
    return {
        "enrolment_id": enrolment.pk,
        "user_id": enrolment.user_id,
        "course_id": enrolment.course_id,
        "cohort_id": enrolment.cohort_id,
        **extra,
    }


def current_enrolment(*, user, course) -> Enrolment | None:
    return Enrolment.objects.filter(user=user, course=course).exclude(status=EnrolmentStatus.WITHDRAWN).first()


def enrolment_create(
    *, user, course, cohort=None, source: str = EnrolmentSource.SELF, allow_inactive: bool = False
) -> Enrolment:
    """Enrol ``user`` in ``course``. Idempotent: an existing current enrolment is returned as it is.

    Self-enrolment needs ``course.self_enrol``. A cohort must follow the same course. A disabled
    account is refused unless ``allow_inactive`` (an organisation's directory, through SCIM,
    keeps its deactivated people in their groups; they cannot sign in until reactivated).
    """
    if source == EnrolmentSource.SELF and not course.self_enrol:
        raise EnrolmentError("This course is open by invitation only. Ask your trainer to enrol you.")
    if cohort is not None and cohort.course_id != course.pk:
        raise EnrolmentError("That cohort follows a different course.")
    if not user.is_active and not allow_inactive:
        raise EnrolmentError("This account is deactivated.")
    existing = current_enrolment(user=user, course=course)
    if existing is not None:
        if cohort is not None and existing.cohort_id is None:
            existing.cohort = cohort
            existing.save(update_fields=["cohort", "updated_at"])
        return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                user=user, course=course, cohort=cohort, source=source, enrolled_at=now, last_activity_at=now
            )
    except IntegrityError:
        # A concurrent request enrolled the same user first; the constraint kept one.
        existing = current_enrolment(user=user, course=course)
        if existing is None:
            raise
        return existing
    events.send_on_commit(events.enrolment_created, Enrolment, **_payload(enrolment, source=source, occurred_at=now))
    return enrolment


def enrolment_withdraw(*, enrolment: Enrolment) -> Enrolment:
    """ACTIVE → WITHDRAWN. Completed enrolments stay completed."""
    now = timezone.now()
    with transaction.atomic():
        updated = Enrolment.objects.filter(pk=enrolment.pk, status=EnrolmentStatus.ACTIVE).update(
            status=EnrolmentStatus.WITHDRAWN, withdrawn_at=now, updated_at=now
        )
        if not updated:
            enrolment.refresh_from_db()
            raise EnrolmentError(f"Only an active enrolment can be withdrawn; this one is {enrolment.status}.")
        enrolment.refresh_from_db()
        events.send_on_commit(events.enrolment_withdrawn, Enrolment, **_payload(enrolment, occurred_at=now))
    return enrolment


def enrolment_complete_if_done(*, enrolment: Enrolment) -> bool:
    """Complete the enrolment when every required live module is completed. Fires once.

    Returns True if this call completed it. A conditional UPDATE makes concurrent callers safe:
    only one of them changes the row and sends ``enrolment_completed``.
    """
    from courses.models import ModulePage

    from ..models import ModuleProgress

    required = set(
        ModulePage.objects.live().child_of(enrolment.course).filter(required=True).values_list("pk", flat=True)
    )
    if not required:
        return False
    done = set(
        ModuleProgress.objects.filter(
            enrolment=enrolment, module_id__in=required, completed_at__isnull=False
        ).values_list("module_id", flat=True)
    )
    if done != required:
        return False
    now = timezone.now()
    updated = Enrolment.objects.filter(pk=enrolment.pk, status=EnrolmentStatus.ACTIVE).update(
        status=EnrolmentStatus.COMPLETED, completed_at=now, updated_at=now
    )
    if not updated:
        return False
    enrolment.status, enrolment.completed_at = EnrolmentStatus.COMPLETED, now
    events.send_on_commit(events.enrolment_completed, Enrolment, **_payload(enrolment, occurred_at=now))
    return True


# --- Enrolling an organisation's participants (the HR API) ------------------------------------


class MemberEnrolmentOutcome(StrEnum):
    CREATED = "created"
    EXISTING = "existing"  # already enrolled in that cohort: nothing changed (or the cohort was attached)
    INVALID = "invalid"  # no such participant or cohort in the organisation
    CONFLICT = "conflict"  # the rules refuse it as things stand


@dataclass(frozen=True)
class MemberEnrolment:
    """What ``enrolment_create_for_member`` did: the enrolment, or the errors by field."""

    outcome: MemberEnrolmentOutcome
    enrolment: Enrolment | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.enrolment is None


def _refused(outcome: MemberEnrolmentOutcome, field_name: str, message: str) -> MemberEnrolment:
    return MemberEnrolment(outcome, errors={field_name: [message]})


def enrolment_create_for_member(*, organisation, participant: uuid.UUID, cohort: uuid.UUID) -> MemberEnrolment:
    """Enrol the organisation's participant (member uuid) in its cohort (uuid), on the cohort's course.

    Refused, writing nothing:

    * ``INVALID``: no such participant, or no such cohort, in the organisation (both reported);
    * ``CONFLICT``: the participant is deactivated; the enrolment rules refuse it
      (``enrolment_create``, under ``non_field_errors``); or they are already enrolled on the
      course through another cohort.

    Idempotent: a current enrolment in that cohort (or one in no cohort, which joins it) is
    ``EXISTING``.
    """
    member = participants_for_organisation(organisation=organisation).filter(uuid=participant).first()
    group = cohorts_for_organisation(organisation=organisation).filter(uuid=cohort).first()
    errors = {}
    if member is None:
        errors["participant"] = ["No such participant in your organisation."]
    if group is None:
        errors["cohort"] = ["No such cohort in your organisation."]
    if errors:
        return MemberEnrolment(MemberEnrolmentOutcome.INVALID, errors=errors)
    if member.deactivated_at is not None:
        return _refused(MemberEnrolmentOutcome.CONFLICT, "participant", "This participant is deactivated.")
    existing = current_enrolment(user=member.user, course=group.course)
    try:
        enrolment = enrolment_create(user=member.user, course=group.course, cohort=group, source=EnrolmentSource.API)
    except EnrolmentError as exc:
        return _refused(MemberEnrolmentOutcome.CONFLICT, "non_field_errors", str(exc))
    if enrolment.cohort_id != group.pk:
        return _refused(
            MemberEnrolmentOutcome.CONFLICT, "cohort", "Already enrolled on this course through another cohort."
        )
    outcome = MemberEnrolmentOutcome.EXISTING if existing is not None else MemberEnrolmentOutcome.CREATED
    return MemberEnrolment(outcome, enrolment=enrolment)


def enrolments_create_for_members(*, organisation, items: Iterable[Mapping]) -> list[MemberEnrolment]:
    """``enrolment_create_for_member`` for each ``{participant, cohort}``, in order, each on its own:
    in a savepoint, so an item that is refused leaves nothing behind and never blocks the others."""
    outcomes = []
    for item in items:
        with transaction.atomic():
            outcome = enrolment_create_for_member(
                organisation=organisation, participant=item["participant"], cohort=item["cohort"]
            )
            if outcome.refused:
                transaction.set_rollback(True)
        outcomes.append(outcome)
    return outcomes
