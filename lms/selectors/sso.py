"""Reads for single sign-on: which organisation signs an email address in, and who may still
use a password (docs/sso.md)."""

from __future__ import annotations

from ..models import OrganisationMember, OrganisationSso
from ..models.sso import email_domain
from ..roles import is_trainer


def sso_for_email(email: str) -> OrganisationSso | None:
    """The enabled SSO configuration whose allowed domains include this address's domain.

    Two organisations listing the same domain is a configuration mistake; the oldest wins."""
    domain = email_domain(email)
    if not domain:
        return None
    candidates = (
        OrganisationSso.objects.filter(enabled=True, allowed_domains__icontains=domain)
        .select_related("organisation")
        .order_by("pk")[:20]
    )
    return next((sso for sso in candidates if domain in sso.domains), None)


def sso_for_slug(slug: str) -> OrganisationSso | None:
    return OrganisationSso.objects.filter(enabled=True, organisation__slug=slug).select_related("organisation").first()


def sso_by_id(sso_id) -> OrganisationSso | None:
    return OrganisationSso.objects.filter(enabled=True, pk=sso_id).select_related("organisation").first()


def password_login_allowed(user) -> bool:
    """False when every one of the user's memberships is in an organisation that turned password
    login off (with SSO enabled). Staff and trainers always keep their password; so does anyone
    with no membership."""
    if user.is_staff or user.is_superuser:
        return True
    rows = list(
        OrganisationMember.objects.filter(user=user).values_list(
            "organisation__sso__enabled", "organisation__sso__password_login"
        )[:100]
    )
    if not rows or any(not enabled or password_login is not False for enabled, password_login in rows):
        return True
    return is_trainer(user)


def sso_login_organisation(user) -> OrganisationSso | None:
    """For the login page's message: the SSO configuration of one organisation the user belongs to."""
    member = (
        OrganisationMember.objects.filter(user=user, organisation__sso__enabled=True)
        .select_related("organisation__sso")
        .first()
    )
    return member.organisation.sso if member else None
