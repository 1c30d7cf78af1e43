"""Participants of a client organisation: provision, update, deactivate, erase; and cohorts.

Called by the HR API and usable by the web admin. A participant is an ``OrganisationMember``
(the user's membership of one organisation, carrying the HR system's ``external_id``).

Errors: ``ParticipantError`` (bad request, message safe to show) and its subclass
``ParticipantConflict`` (the request clashes with existing data, e.g. a duplicate
``external_id``); both carry the ``field`` they are about.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from .. import events
from ..conf import conf
from ..models import ChallengeLog, Cohort, Organisation, OrganisationMember
from ..worker.enqueue import enqueue_on_commit

ERASED_NAME = "Erased"


class ParticipantError(Exception):
    def __init__(self, message: str, *, field: str = "non_field_errors"):
        super().__init__(message)
        self.field = field


class ParticipantConflict(ParticipantError):
    """The request clashes with existing data (duplicate external id or email)."""


def _check_external_id(organisation: Organisation, external_id: str, *, exclude_pk=None) -> None:
    if not external_id:
        return
    clash = OrganisationMember.objects.filter(organisation=organisation, external_id=external_id)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ParticipantConflict("A participant with this external_id already exists.", field="external_id")


def _check_email(email: str, *, exclude_user_pk=None) -> None:
    User = get_user_model()
    clash = User.objects.filter(email__iexact=email) | User.objects.filter(username__iexact=email)
    if exclude_user_pk is not None:
        clash = clash.exclude(pk=exclude_user_pk)
    if clash.exists():
        raise ParticipantConflict("An account with this email address already exists.", field="email")


def set_password_url(user) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return conf.base_url() + path


def send_welcome_email(*, member: OrganisationMember) -> None:
    """Email a provisioned participant a one-time set-password link (run by the task worker;
    a re-run sends a fresh link, the earlier one still works once)."""
    user = member.user
    body = (
        f"Hello {user.first_name or user.username},\n\n"
        f"{member.organisation.name} has enrolled you on {conf.site_name()}.\n"
        f"Choose your password here (the link works once):\n\n{set_password_url(user)}\n\n"
        f"Your username is {user.username}.\n"
    )
    send_mail(f"Welcome to {conf.site_name()}", body, None, [user.email])


@task()
def welcome_email_send(*, member_id: int) -> None:
    """Task: email a provisioned participant their set-password link (``send_welcome_email``)."""
    member = OrganisationMember.objects.select_related("user", "organisation").filter(pk=member_id).first()
    if member is not None and member.user.email:
        send_welcome_email(member=member)


def participant_provision(
    *,
    organisation: Organisation,
    email: str,
    first_name: str = "",
    last_name: str = "",
    external_id: str = "",
    send_welcome: bool = False,
) -> OrganisationMember:
    """Create an account for an employee and make them a member of ``organisation``.

    The account has no usable password; ``send_welcome`` emails a one-time set-password link
    after the transaction commits. An email or ``external_id`` already in use is a conflict:
    an organisation never takes over an existing account.
    """
    email = email.strip().lower()
    User = get_user_model()
    try:
        with transaction.atomic():
            _check_external_id(organisation, external_id)
            _check_email(email)
            user = User(username=email[:150], email=email, first_name=first_name, last_name=last_name)
            user.set_unusable_password()
            user.save()
            member = OrganisationMember.objects.create(organisation=organisation, user=user, external_id=external_id)
    except IntegrityError:
        # A concurrent request created the same email or external id first.
        _check_external_id(organisation, external_id)
        raise ParticipantConflict("An account with this email address already exists.", field="email") from None
    if send_welcome:
        enqueue_on_commit(welcome_email_send, member_id=member.pk)
    return member


def participant_update(*, member: OrganisationMember, **changes) -> OrganisationMember:
    """Change ``email``, ``first_name``, ``last_name`` or ``external_id``; others are refused."""
    allowed = {"email", "first_name", "last_name", "external_id"}
    unknown = set(changes) - allowed
    if unknown:
        raise ParticipantError(f"Cannot change {', '.join(sorted(unknown))}.")
    user = member.user
    try:
        with transaction.atomic():
            if "external_id" in changes and changes["external_id"] != member.external_id:
                _check_external_id(member.organisation, changes["external_id"], exclude_pk=member.pk)
                member.external_id = changes["external_id"]
            if "email" in changes:
                email = changes["email"].strip().lower()
                if email != user.email:
                    _check_email(email, exclude_user_pk=user.pk)
                    user.email = email
            for name in ("first_name", "last_name"):
                if name in changes:
                    setattr(user, name, changes[name])
            user.save(update_fields=["email", "first_name", "last_name"])
            member.save(update_fields=["external_id", "updated_at"])
    except IntegrityError:
        raise ParticipantConflict("A participant with this external_id already exists.", field="external_id") from None
    return member


def participant_deactivate(*, member: OrganisationMember) -> OrganisationMember:
    """Mark a leaver. Idempotent; sends ``participant_deactivated`` once, on commit.

    The account is disabled too unless the person is still an active member elsewhere.
    Enrolments and completions stay as they are (HR still needs them).
    """
    now = timezone.now()
    with transaction.atomic():
        updated = OrganisationMember.objects.filter(pk=member.pk, deactivated_at__isnull=True).update(
            deactivated_at=now, updated_at=now
        )
        member.refresh_from_db()
        if not updated:
            return member
        still_member = OrganisationMember.objects.filter(user_id=member.user_id, deactivated_at__isnull=True).exists()
        if not still_member:
            get_user_model().objects.filter(pk=member.user_id).update(is_active=False)
        events.send_on_commit(
            events.participant_deactivated,
            OrganisationMember,
            user_id=member.user_id,
            organisation_id=member.organisation_id,
            occurred_at=now,
        )
    return member


def participant_erase(*, member: OrganisationMember) -> OrganisationMember:
    """Anonymise the person; keep the aggregates (enrolments, progress, scores, log counts).

    Name, email and username are replaced, the password made unusable, the account disabled,
    the ``external_id`` cleared and the free text of their challenge logs (who they met,
    openers, learnings, notes) blanked. Idempotent. Deactivates first if needed.
    """
    participant_deactivate(member=member)
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=member.user_id)
        user.username = f"erased-{uuid.uuid4().hex[:20]}"
        user.email = ""
        user.first_name = ERASED_NAME
        user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        ChallengeLog.objects.filter(enrolment__user=user).update(who="", opener="", learned="", notes="")
        OrganisationMember.objects.filter(user=user).update(external_id="", updated_at=timezone.now())
    member.refresh_from_db()
    return member


def cohort_create(
    *, organisation: Organisation, course, name: str, start_date: dt.date, end_date: dt.date | None = None
) -> Cohort:
    """A cohort of ``organisation`` following ``course``. Names are unique per organisation."""
    if end_date is not None and end_date < start_date:
        raise ParticipantError("The end date must not be before the start date.", field="end_date")
    if Cohort.objects.filter(organisation=organisation, name=name).exists():
        raise ParticipantConflict("A cohort with this name already exists.", field="name")
    try:
        with transaction.atomic():
            return Cohort.objects.create(
                organisation=organisation, course=course, name=name, start_date=start_date, end_date=end_date
            )
    except IntegrityError:
        raise ParticipantConflict("A cohort with this name already exists.", field="name") from None
