"""People of a client organisation: provision, update, deactivate, reactivate, erase.

Called by the HR API, SCIM and the web admin. A participant is an ``OrganisationMember``: the
organisation's own record of a person (external id, user name, names, work email, employee
number, department, manager, active or not), attached to a login account (``member.user``).
The invariants (docs/privacy.md, "Organisations and people"):

- **No takeover.** A key or token of one organisation changes only that organisation's record.
  It reaches the login account (email, names, active flag, erasure) only when the organisation
  *controls* the account: it provisioned it (``owns_account``), no other organisation has a
  record of it, and it has no staff, superuser or trainer role. Otherwise the account belongs to
  the person (and to whoever else depends on it), and only the record changes.
- **No existence leak.** Provisioning always creates a new account owned by the organisation;
  whether the email is used anywhere else is never looked up, so it cannot be revealed. A clash
  is reported only inside the organisation's own records (its external ids, user names, emails).
- **No privileged attach.** Nothing here ever attaches an existing account, so an import or an
  API call can never attach a staff or trainer account.

Lifecycle: active → deactivated → reactivated (rehire) → erased. Erasure is final: the record's
fields are blanked, ``erased_at`` is set and the API answers 410 Gone. Every transition sends its
event (``lms.events``) when the transaction commits.

Errors: ``ParticipantError`` (bad request, message safe to show), its subclasses
``ParticipantConflict`` (clashes with the organisation's own records) and ``ParticipantGone``
(the record was erased); each carries the ``field`` it is about.
"""

from __future__ import annotations

import datetime as dt
import secrets
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
from ..models import Cohort, Enrolment, Organisation, OrganisationMember
from ..roles import is_trainer
from ..worker.enqueue import enqueue_on_commit
from .erasure import erase_person_data

ERASED_NAME = "Erased"
ERASED_PARTICIPANT = "Erased participant"

# The organisation's record fields that the HR API and SCIM may set (``participant_update``).
RECORD_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "external_id",
    "user_name",
    "employee_number",
    "department",
    "manager",
)
UPDATABLE = frozenset(RECORD_FIELDS) | {"active"}


class ParticipantError(Exception):
    def __init__(self, message: str, *, field: str = "non_field_errors"):
        super().__init__(message)
        self.field = field


class ParticipantConflict(ParticipantError):
    """The request clashes with the organisation's own records (external id, user name, email)."""


class ParticipantGone(ParticipantError):
    """The record was erased; it answers 410 Gone."""


# --- Who controls the account -------------------------------------------------------------------


def account_is_privileged(user) -> bool:
    """Staff, superuser, trainer permission, or named trainer of any cohort."""
    if user.is_staff or user.is_superuser or is_trainer(user):
        return True
    return Cohort.trainers.through.objects.filter(user_id=user.pk).exists()


def organisation_controls_account(member: OrganisationMember) -> bool:
    """True when ``member.organisation`` alone may change or erase the login account."""
    if not member.owns_account:
        return False
    if OrganisationMember.objects.filter(user_id=member.user_id).exclude(pk=member.pk).exists():
        return False
    return not account_is_privileged(member.user)


# --- Checks within the organisation's own records -------------------------------------------------


def _own_records(organisation: Organisation, exclude_pk=None):
    records = OrganisationMember.objects.filter(organisation=organisation, erased_at__isnull=True)
    return records.exclude(pk=exclude_pk) if exclude_pk is not None else records


def _check_unique(organisation: Organisation, values: dict, *, exclude_pk=None) -> None:
    records = _own_records(organisation, exclude_pk)
    if values.get("external_id") and records.filter(external_id=values["external_id"]).exists():
        raise ParticipantConflict("A participant with this external_id already exists.", field="external_id")
    if values.get("email") and records.filter(email__iexact=values["email"]).exists():
        raise ParticipantConflict("A participant of your organisation already has this email.", field="email")
    if values.get("user_name") and records.filter(user_name__iexact=values["user_name"]).exists():
        raise ParticipantConflict("A participant with this user_name already exists.", field="user_name")


def _check_manager(organisation: Organisation, manager, member=None) -> None:
    if manager is None:
        return
    if manager.organisation_id != organisation.pk or manager.erased_at is not None:
        raise ParticipantError("The manager must be a participant of your organisation.", field="manager")
    if member is not None and manager.pk == member.pk:
        raise ParticipantError("A participant cannot be their own manager.", field="manager")


def _free_username(email: str, organisation: Organisation) -> str:
    """The email when no account uses it as its username, else the email tagged with the
    organisation and a random suffix. Only shown to the person (welcome email)."""
    User = get_user_model()
    if email and not User.objects.filter(username__iexact=email[:150]).exists():
        return email[:150]
    while True:
        candidate = f"{organisation.slug[:30]}.{secrets.token_hex(3)}.{email}"[:150]
        if not User.objects.filter(username__iexact=candidate).exists():
            return candidate


# --- Welcome email ------------------------------------------------------------------------------


def set_password_url(user) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return conf.base_url() + path


def _sso_login_url(organisation: Organisation) -> str | None:
    """The organisation's single sign-on start page, when it signs people in that way."""
    sso = getattr(organisation, "sso", None)  # no row: RelatedObjectDoesNotExist is an AttributeError
    if sso is None or not sso.enabled:
        return None
    return conf.base_url() + reverse("microlearn_lms:sso-login", kwargs={"slug": organisation.slug})


def send_welcome_email(*, member: OrganisationMember) -> None:
    """Email a provisioned participant how to sign in (run by the task worker).

    With the organisation's single sign-on: its sign-in link (and, while password login is
    allowed, a set-password link too). Without: a one-time set-password link and the username;
    a re-run sends a fresh link, the earlier one still works once."""
    user = member.user
    organisation = member.organisation
    sso_url = _sso_login_url(organisation)
    lines = [
        f"Hello {member.first_name or user.first_name or user.username},",
        "",
        f"{organisation.name} has enrolled you on {conf.site_name()}.",
    ]
    if sso_url:
        lines += ["Sign in with your work account here:", "", sso_url, ""]
    if not sso_url or organisation.sso.password_login:
        intro = "Or choose a password here" if sso_url else "Choose your password here"
        lines += [
            f"{intro} (the link works once):",
            "",
            set_password_url(user),
            "",
            f"Your username is {user.username}.",
        ]
    send_mail(f"Welcome to {conf.site_name()}", "\n".join(lines) + "\n", None, [user.email])


@task()
def welcome_email_send(*, member_id: int) -> None:
    """Task: email a provisioned participant their set-password link (``send_welcome_email``)."""
    member = OrganisationMember.objects.select_related("user", "organisation").filter(pk=member_id).first()
    if member is not None and member.active and member.owns_account and member.user.email:
        send_welcome_email(member=member)


# --- Lifecycle ----------------------------------------------------------------------------------


def _clean(values: dict) -> dict:
    cleaned = dict(values)
    for name in ("email", "user_name"):
        if name in cleaned and cleaned[name] is not None:
            cleaned[name] = cleaned[name].strip().lower() if name == "email" else cleaned[name].strip()
    for name in ("first_name", "last_name", "external_id", "employee_number", "department"):
        if name in cleaned and cleaned[name] is None:
            cleaned[name] = ""
    return cleaned


def participant_provision(
    *,
    organisation: Organisation,
    email: str,
    first_name: str = "",
    last_name: str = "",
    external_id: str = "",
    user_name: str = "",
    employee_number: str = "",
    department: str = "",
    manager: OrganisationMember | None = None,
    active: bool = True,
    send_welcome: bool = False,
) -> OrganisationMember:
    """Create the organisation's record of a person and a new login account it owns.

    The account has no usable password; ``send_welcome`` emails a one-time set-password link
    after the transaction commits. Clashes are checked only against the organisation's own
    records (external id, user name, email), never against other accounts (module docstring).
    ``active=False`` provisions a deactivated record (SCIM may create users inactive).
    """
    values = _clean(
        {
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "external_id": external_id,
            "user_name": user_name or email,
            "employee_number": employee_number,
            "department": department,
        }
    )
    User = get_user_model()
    try:
        with transaction.atomic():
            _check_unique(organisation, values)
            _check_manager(organisation, manager)
            user = User(
                username=_free_username(values["email"], organisation),
                email=values["email"],
                first_name=values["first_name"],
                last_name=values["last_name"],
                is_active=active,
            )
            user.set_unusable_password()
            user.save()
            now = timezone.now()
            member = OrganisationMember.objects.create(
                organisation=organisation,
                user=user,
                owns_account=True,
                manager=manager,
                deactivated_at=None if active else now,
                **values,
            )
    except IntegrityError:
        # A concurrent request created the same external id or user name first.
        _check_unique(organisation, values)
        raise ParticipantConflict("A participant with these details already exists.") from None
    if send_welcome and active:
        enqueue_on_commit(welcome_email_send, member_id=member.pk)
    return member


def _sync_account(member: OrganisationMember, changed: set[str]) -> None:
    """Copy the record's email and names to the account, when the organisation controls it."""
    wanted = changed & {"email", "first_name", "last_name"}
    if not wanted or not organisation_controls_account(member):
        return
    user = member.user
    for name in wanted:
        setattr(user, name, getattr(member, name))
    user.save(update_fields=sorted(wanted))


def participant_update(*, member: OrganisationMember, **changes) -> OrganisationMember:
    """Change the record's fields (``RECORD_FIELDS``) and ``active`` (False deactivates, True
    reactivates: a rehire). Unknown fields are refused, so a typo never passes silently."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ParticipantError(f"Unknown field(s): {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    if member.erased_at is not None:
        raise ParticipantGone("This participant was erased.")
    changes = _clean(changes)
    active = changes.pop("active", None)
    changed = {name for name, value in changes.items() if getattr(member, name) != value}
    try:
        with transaction.atomic():
            member = OrganisationMember.objects.select_for_update().select_related("user").get(pk=member.pk)
            if member.erased_at is not None:
                raise ParticipantGone("This participant was erased.")
            _check_unique(
                member.organisation,
                {name: changes[name] for name in ("external_id", "user_name", "email") if name in changed},
                exclude_pk=member.pk,
            )
            if "manager" in changed:
                _check_manager(member.organisation, changes["manager"], member)
            for name in changed:
                setattr(member, name, changes[name])
            member.save()  # always: updated_at moves, so a sync sees every accepted change
            _sync_account(member, changed)
            if active is False:
                member = participant_deactivate(member=member)
            elif active is True:
                member = participant_reactivate(member=member)
    except IntegrityError:
        raise ParticipantConflict("A participant with these details already exists.") from None
    return member


def participant_deactivate(*, member: OrganisationMember) -> OrganisationMember:
    """Mark a leaver. Idempotent; sends ``participant_deactivated`` once, on commit.

    The login account is disabled too when the organisation controls it. Enrolments and
    completions stay as they are (HR still needs them). An erased record is left alone.
    """
    return _set_active(member, active=False)


def participant_reactivate(*, member: OrganisationMember) -> OrganisationMember:
    """Rehire a leaver: the record is active again (and the account, when the organisation
    controls it). Idempotent; sends ``participant_reactivated`` once, on commit. An erased
    record cannot come back (``ParticipantGone``)."""
    return _set_active(member, active=True)


def _set_active(member: OrganisationMember, *, active: bool) -> OrganisationMember:
    """The one transition between active and deactivated, either way: the record changes only
    when it is in the other state, and only then do the account and the event follow."""
    now = timezone.now()
    with transaction.atomic():
        if active and OrganisationMember.objects.filter(pk=member.pk, erased_at__isnull=False).exists():
            raise ParticipantGone("This participant was erased.")
        updated = OrganisationMember.objects.filter(
            pk=member.pk, deactivated_at__isnull=not active, erased_at__isnull=True
        ).update(deactivated_at=None if active else now, updated_at=now)
        member.refresh_from_db()
        if not updated:
            return member
        if organisation_controls_account(member):
            get_user_model().objects.filter(pk=member.user_id).update(is_active=active)
        events.send_on_commit(
            events.participant_reactivated if active else events.participant_deactivated,
            OrganisationMember,
            user_id=member.user_id,
            organisation_id=member.organisation_id,
            member_id=member.pk,
            occurred_at=now,
        )
    return member


def _placeholder_account():
    """A new, disabled account with no personal data, to carry an erased record's aggregates."""
    User = get_user_model()
    user = User(username=f"erased-{uuid.uuid4().hex[:20]}", first_name=ERASED_PARTICIPANT, is_active=False)
    user.set_unusable_password()
    user.save()
    return user


def participant_erase(*, member: OrganisationMember) -> OrganisationMember:
    """Erase the organisation's record of a person, and what it alone holds of them. Final.

    Aggregates stay (enrolments, progress, scores, log counts) so the organisation's figures do
    not change. When the organisation controls the account, the account is anonymised in place
    and everything tied to it is erased (``lms.services.erasure``). Otherwise the account stays
    for the person and whoever else depends on it: this organisation's enrolments move to a new,
    disabled placeholder account and are erased there. Idempotent; deactivates first; sends
    ``participant_erased`` once, on commit.
    """
    if member.erased_at is not None:
        return member
    member = participant_deactivate(member=member)
    now = timezone.now()
    with transaction.atomic():
        member = OrganisationMember.objects.select_for_update().select_related("user").get(pk=member.pk)
        if member.erased_at is not None:
            return member
        user = member.user
        identifiers = [
            value
            for value in {
                member.email,
                member.first_name,
                member.last_name,
                member.external_id,
                member.user_name,
                member.employee_number,
                user.email,
                user.username,
                user.first_name,
                user.last_name,
                user.get_full_name(),
                f"{member.first_name} {member.last_name}".strip(),
            }
            if value and len(value) > 1
        ]
        controls = organisation_controls_account(member)
        if controls:
            enrolment_ids = list(Enrolment.objects.filter(user=user).values_list("pk", flat=True))
            user.username = f"erased-{uuid.uuid4().hex[:20]}"
            user.email = ""
            user.first_name = ERASED_NAME
            user.last_name = ""
            user.is_active = False
            user.set_unusable_password()
            user.save()
            account_id = user.pk
        else:
            enrolments = Enrolment.objects.filter(user=user, cohort__organisation_id=member.organisation_id)
            enrolment_ids = list(enrolments.values_list("pk", flat=True))
            placeholder = _placeholder_account()
            enrolments.update(user=placeholder, updated_at=now)
            member.user = placeholder
            account_id = placeholder.pk
        erase_person_data(
            organisation_id=member.organisation_id,
            user_id=account_id,
            enrolment_ids=enrolment_ids,
            identifiers=identifiers,
            whole_account=controls,
        )
        for name in RECORD_FIELDS:
            setattr(member, name, None if name == "manager" else "")
        member.owns_account = False
        member.erased_at = now
        member.save()
        OrganisationMember.objects.filter(manager=member).update(manager=None, updated_at=now)
        events.send_on_commit(
            events.participant_erased,
            OrganisationMember,
            user_id=account_id,
            organisation_id=member.organisation_id,
            member_id=member.pk,
            occurred_at=now,
        )
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
