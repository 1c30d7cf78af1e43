"""Single sign-on writes: turn a verified OpenID Connect identity into an organisation member.

``sso_member_sign_in`` is called once the provider's ID token has been checked (lms/oidc.py). It
finds the member by the provider's ``sub`` (so a changed email still finds the same person),
else links the organisation's active member with that work email (the member record's, or
the account's when the record has none) who has no SSO identity yet (one provisioned by the HR
API, SCIM or a CSV import), else creates the person just in time with
``participant_provision``. Every refusal is an ``SsoRefused`` whose message is safe to show.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from ..models import OrganisationMember, OrganisationSso, SsoIdentity
from ..models.sso import email_domain
from .participants import ParticipantError, participant_provision


class SsoRefused(Exception):
    """A sign-in that must not create a session. ``reason`` is a short code for logs and tests."""

    def __init__(self, reason: str, message: str, *, status: int = 400):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status


def _check_email(sso: OrganisationSso, email: str) -> None:
    if not email:
        raise SsoRefused("no_email", "Your organisation's sign-in did not tell us your email address.", status=403)
    if not sso.allows_email(email):
        raise SsoRefused(
            "domain",
            f"{sso.organisation.name} does not sign in addresses at {email_domain(email) or 'that domain'} here. "
            "Sign in with your work email address, or ask your administrator.",
            status=403,
        )


def _check_active(member: OrganisationMember) -> None:
    if member.deactivated_at is not None or member.erased_at is not None or not member.user.is_active:
        raise SsoRefused(
            "deactivated",
            f"Your access through {member.organisation.name} has been switched off. "
            "Ask your administrator if you think this is a mistake.",
            status=403,
        )


def sso_member_sign_in(*, sso: OrganisationSso, claims: dict) -> OrganisationMember:
    """The member these verified claims sign in as, created or linked on first sign-in."""
    organisation = sso.organisation
    subject = str(claims.get("sub") or "")
    email = str(claims.get("email") or "").strip().lower()
    if not subject:
        raise SsoRefused("no_subject", "Your organisation's sign-in did not identify you.")
    if claims.get("email_verified") is False:
        raise SsoRefused("email_unverified", "Your organisation has not verified your email address.", status=403)
    _check_email(sso, email)
    identity = (
        SsoIdentity.objects.filter(organisation=organisation, issuer=sso.issuer, subject=subject)
        .select_related("member__user", "member__organisation")
        .first()
    )
    if identity is None:
        identity = _first_sign_in(sso=sso, subject=subject, email=email, claims=claims)
    member = identity.member
    _check_active(member)
    identity.last_login_at = timezone.now()
    identity.save(update_fields=["last_login_at"])
    return member


def _first_sign_in(*, sso: OrganisationSso, subject: str, email: str, claims: dict) -> SsoIdentity:
    organisation = sso.organisation
    existing = (
        OrganisationMember.objects.filter(organisation=organisation, sso_identity=None, erased_at=None)
        .filter(Q(email__iexact=email) | Q(email="", user__email__iexact=email))
        .select_related("user", "organisation")
        .order_by(F("deactivated_at").asc(nulls_first=True), "pk")
        .first()
    )
    try:
        with transaction.atomic():
            if existing is not None:
                _check_active(existing)
                member = existing
            else:
                member = participant_provision(
                    organisation=organisation,
                    email=email,
                    first_name=str(claims.get("given_name") or "")[:150],
                    last_name=str(claims.get("family_name") or "")[:150],
                    external_id="",
                )
            return SsoIdentity.objects.create(
                organisation=organisation, issuer=sso.issuer, subject=subject, member=member
            )
    except ParticipantError as exc:
        raise SsoRefused("conflict", f"We could not create your account: {exc}", status=409) from None
    except IntegrityError:
        # The same person signing in twice at once: the other request created the identity.
        identity = (
            SsoIdentity.objects.filter(organisation=organisation, issuer=sso.issuer, subject=subject)
            .select_related("member__user", "member__organisation")
            .first()
        )
        if identity is None:
            raise SsoRefused("conflict", "This account is already linked to another sign-in.", status=409) from None
        return identity


def sso_identity_forget(sender=None, *, member_id: int, **kwargs) -> None:
    """``participant_erased`` receiver: the provider's ``sub`` is personal data; an erased member
    has no SSO identity left (a later sign-in with that ``sub`` starts afresh)."""
    SsoIdentity.objects.filter(member_id=member_id).delete()
