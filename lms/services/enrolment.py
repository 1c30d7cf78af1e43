"""Enrolment: create (self, staff, API), withdraw, complete; and the HR API's member enrolments."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from .. import events
from ..models import Enrolment, EnrolmentSource, EnrolmentStatus
from ..selectors.organisation import cohorts_for_organisation, participants_for_organisation
from .summaries import schedule_rebuild


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
            schedule_rebuild(enrolment_ids=[existing.pk])  # its weeks now start with the cohort
        return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                user=user, course=course, cohort=cohort, source=source, enrolled_at=now, last_activity_at=now
            )
            payload = _payload(enrolment, source=source, occurred_at=now)
            events.send_on_commit(events.enrolment_created, Enrolment, **payload)  # outbox row in this transaction
    except IntegrityError:
        # A concurrent request enrolled the same user first; the constraint kept one.
        existing = current_enrolment(user=user, course=course)
        if existing is None:
            raise
        return existing
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
    with transaction.atomic():  # the change and its outbox event commit together
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
    """``enrolment_create_for_member`` for each ``{participant, cohort}``, in order, in set operations.

    The same rules and one outcome per item, as if the items were enrolled one after the other (a
    participant named twice is ``EXISTING`` the second time), but in a constant number of queries
    whatever the number of items: one read each of the participants, the cohorts and their current
    enrolments; then at most one UPDATE (enrolments in no cohort joining one) and one INSERT. A
    refused item writes nothing. ``enrolment_created`` is sent on commit for each created enrolment.

    A concurrent request enrolling one of the same people first makes the INSERT break the
    one-current-enrolment constraint; the whole batch is then decided again against what it wrote.
    """
    items = list(items)
    if not items:
        return []
    for attempt in range(_BULK_ATTEMPTS):
        try:
            with transaction.atomic():
                return _enrol_members(organisation, items)
        except (IntegrityError, _ChangedMeanwhile):
            if attempt == _BULK_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


_BULK_ATTEMPTS = 3


class _ChangedMeanwhile(Exception):
    """A row read for the batch changed before the batch wrote: decide again."""


def _enrol_members(organisation, items: list[Mapping]) -> list[MemberEnrolment]:
    members = {
        member.uuid: member
        for member in participants_for_organisation(organisation=organisation)
        .select_related(None)
        .select_related("user")
        .filter(uuid__in={item["participant"] for item in items})
        .only("uuid", "deactivated_at", "user__id", "user__is_active")
    }
    cohorts = {
        cohort.uuid: cohort
        for cohort in cohorts_for_organisation(organisation=organisation)
        .select_related(None)
        .filter(uuid__in={item["cohort"] for item in items})
        .only("uuid", "course_id")
    }
    current = _current_enrolments(members.values(), cohorts.values())
    now = timezone.now()
    outcomes, created, joining = [], [], {}
    for item in items:
        member, cohort = members.get(item["participant"]), cohorts.get(item["cohort"])
        outcome = _decide(member, cohort, current, created, joining, now)
        outcomes.append(outcome)

    if joining:
        joined = (
            Enrolment.objects.filter(pk__in=joining, cohort__isnull=True)
            .exclude(status=EnrolmentStatus.WITHDRAWN)
            .update(
                cohort_id=Case(*(When(pk=pk, then=Value(cohort_pk)) for pk, cohort_pk in joining.items())),
                updated_at=now,
            )
        )
        if joined != len(joining):
            raise _ChangedMeanwhile
        schedule_rebuild(enrolment_ids=list(joining))  # their weeks now start with the cohort
    if created:
        with _single_statement_inserts():
            Enrolment.objects.bulk_create(created)
            # The outbox rows (and their webhook deliveries) are written together, in this transaction.
            events.send_many_on_commit(
                events.enrolment_created,
                Enrolment,
                [_payload(enrolment, source=EnrolmentSource.API, occurred_at=now) for enrolment in created],
            )
    return outcomes


def _current_enrolments(members, cohorts) -> dict[tuple[int, int], Enrolment]:
    """The current enrolments of ``members`` on the courses of ``cohorts``, by (user, course) id."""
    users, courses = {member.user_id for member in members}, {cohort.course_id for cohort in cohorts}
    if not users or not courses:
        return {}
    rows = (
        Enrolment.objects.filter(user_id__in=users, course_id__in=courses)
        .exclude(status=EnrolmentStatus.WITHDRAWN)
        .only("id", "uuid", "user_id", "course_id", "cohort_id", "status")
    )
    return {(row.user_id, row.course_id): row for row in rows}


def _decide(member, cohort, current: dict, created: list, joining: dict, now) -> MemberEnrolment:
    """One item's outcome, given what the items before it decided (``current``, ``created``, ``joining``)."""
    errors = {}
    if member is None:
        errors["participant"] = ["No such participant in your organisation."]
    if cohort is None:
        errors["cohort"] = ["No such cohort in your organisation."]
    if errors:
        return MemberEnrolment(MemberEnrolmentOutcome.INVALID, errors=errors)
    if member.deactivated_at is not None:
        return _refused(MemberEnrolmentOutcome.CONFLICT, "participant", "This participant is deactivated.")
    if not member.user.is_active:  # enrolment_create's rule, checked before an existing enrolment
        return _refused(MemberEnrolmentOutcome.CONFLICT, "non_field_errors", "This account is deactivated.")
    key = (member.user_id, cohort.course_id)
    enrolment = current.get(key)
    if enrolment is None:
        enrolment = Enrolment(
            user_id=member.user_id,
            course_id=cohort.course_id,
            cohort_id=cohort.pk,
            status=EnrolmentStatus.ACTIVE,
            source=EnrolmentSource.API,
            enrolled_at=now,
            last_activity_at=now,
            updated_at=now,
        )
        current[key] = enrolment
        created.append(enrolment)
        return MemberEnrolment(MemberEnrolmentOutcome.CREATED, enrolment=enrolment)
    if enrolment.cohort_id is None:  # an enrolment in no cohort joins this one
        enrolment.cohort_id = cohort.pk
        joining[enrolment.pk] = cohort.pk
    if enrolment.cohort_id != cohort.pk:
        return _refused(
            MemberEnrolmentOutcome.CONFLICT, "cohort", "Already enrolled on this course through another cohort."
        )
    return MemberEnrolment(MemberEnrolmentOutcome.EXISTING, enrolment=enrolment)


@contextmanager
def _single_statement_inserts():
    """One INSERT for a whole batch on SQLite too.

    Django 5.2 splits SQLite inserts at 999 parameters, the limit of SQLite before 3.32; the
    connection's real limit (32,766 by default since) fits 500 enrolments. Django 6 reads it the
    same way. Other databases are left alone.
    """
    if connection.vendor != "sqlite":
        yield
        return
    features = connection.features
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    saved = features.__dict__.get("max_query_params")
    features.max_query_params = max(limit, type(features).max_query_params)
    try:
        yield
    finally:
        if saved is None:
            del features.max_query_params
        else:
            features.max_query_params = saved
