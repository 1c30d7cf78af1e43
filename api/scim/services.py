"""SCIM writes on cohorts (groups): create, rename, set members, delete. People go through
``lms.services.participants``; enrolments through ``lms.services.cohorts`` / ``enrolment``.

Decisions (docs/scim.md):

- A group created through SCIM becomes a cohort following the token's ``group_course``,
  starting today. Without a course on the token, ``POST /Groups`` is refused (400).
- Adding a member enrols the person in the cohort (``cohort_add_participant``), deactivated
  people included (directories keep disabled users in their groups; they cannot sign in until
  reactivated); removing one withdraws their active enrolment. A completed enrolment stays completed and in the cohort
  (it is the organisation's record), so the person stays listed.
- Deleting a group withdraws its active enrolments and deletes the cohort. It is refused (409)
  when anyone completed the course in it or a trainer nudged someone in it: that history is
  the organisation's report and is kept; remove the members instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from django.db import transaction
from django.utils import timezone

from lms.models import Cohort, Enrolment, EnrolmentStatus, NudgeLog, OrganisationMember
from lms.services.cohorts import CohortError, cohort_add_participant
from lms.services.enrolment import EnrolmentError, enrolment_withdraw
from lms.services.participants import ParticipantConflict, ParticipantError, cohort_create

CURRENT = (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)


class GroupError(Exception):
    """A refused group change; ``status`` 400 or 409, ``scim_type`` as SCIM names it."""

    def __init__(self, message: str, *, status: int = 400, scim_type: str | None = "invalidValue"):
        super().__init__(message)
        self.status = status
        self.scim_type = scim_type


def current_member_ids(cohort: Cohort) -> set[int]:
    """Pks of the organisation's people with a current enrolment in ``cohort``."""
    users = Enrolment.objects.filter(cohort=cohort, status__in=CURRENT).values("user_id")
    return set(
        OrganisationMember.objects.filter(
            organisation_id=cohort.organisation_id, erased_at__isnull=True, user_id__in=users
        ).values_list("pk", flat=True)
    )


def _add(cohort: Cohort, member: OrganisationMember) -> None:
    try:
        cohort_add_participant(cohort=cohort, user=member.user, allow_inactive=True)
    except (CohortError, EnrolmentError) as exc:
        raise GroupError(f"{member.uuid}: {exc}") from None


def _remove(cohort: Cohort, member: OrganisationMember) -> None:
    for enrolment in Enrolment.objects.filter(cohort=cohort, user_id=member.user_id, status=EnrolmentStatus.ACTIVE):
        with contextlib.suppress(EnrolmentError):  # completed meanwhile: it stays
            enrolment_withdraw(enrolment=enrolment)


def group_set_members(*, cohort: Cohort, members: list[OrganisationMember]) -> None:
    """Make ``members`` the cohort's members: enrol the new ones, withdraw the ones left out."""
    wanted = {m.pk: m for m in members}
    with transaction.atomic():
        present = current_member_ids(cohort)
        for pk, member in wanted.items():
            if pk not in present:
                _add(cohort, member)
        gone = present - set(wanted)
        if gone:
            for member in OrganisationMember.objects.filter(pk__in=gone):
                _remove(cohort, member)


def group_create(*, organisation, course, name: str, members: list[OrganisationMember]) -> Cohort:
    if course is None:
        raise GroupError(
            "This SCIM token has no course for new groups. Set 'group course' on the token in the "
            "Wagtail admin (HR API → SCIM tokens), or create the cohort there and let the directory "
            "manage its members.",
            scim_type="invalidValue",
        )
    if not name or not name.strip():
        raise GroupError("displayName is required.")
    with transaction.atomic():
        try:
            cohort = cohort_create(
                organisation=organisation, course=course, name=name.strip()[:200], start_date=timezone.localdate()
            )
        except ParticipantConflict as exc:
            raise GroupError(str(exc), status=409, scim_type="uniqueness") from None
        except ParticipantError as exc:
            raise GroupError(str(exc)) from None
        group_set_members(cohort=cohort, members=members)
    return cohort


def group_rename(*, cohort: Cohort, name: str) -> Cohort:
    name = (name or "").strip()[:200]
    if not name:
        raise GroupError("displayName is required.")
    if name == cohort.name:
        return cohort
    if Cohort.objects.filter(organisation_id=cohort.organisation_id, name=name).exclude(pk=cohort.pk).exists():
        raise GroupError("A cohort with this name already exists.", status=409, scim_type="uniqueness")
    Cohort.objects.filter(pk=cohort.pk).update(name=name)
    cohort.name = name
    return cohort


def group_delete(*, cohort: Cohort, today: dt.date | None = None) -> None:
    with transaction.atomic():
        cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
        if (
            Enrolment.objects.filter(cohort=cohort, status=EnrolmentStatus.COMPLETED).exists()
            or NudgeLog.objects.filter(cohort=cohort).exists()
        ):
            raise GroupError(
                "This cohort has learning history (completions or nudges) and is kept; remove its members instead.",
                status=409,
                scim_type=None,
            )
        for enrolment in Enrolment.objects.filter(cohort=cohort, status=EnrolmentStatus.ACTIVE):
            enrolment_withdraw(enrolment=enrolment)
        cohort.delete()
