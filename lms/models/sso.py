"""Single sign-on with OpenID Connect, configured per organisation (docs/sso.md)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

from .cohort import Organisation, OrganisationMember


def parse_domains(text: str) -> list[str]:
    """``"acme.com, acme.co.uk\\nacme.de"`` → ``["acme.com", "acme.co.uk", "acme.de"]`` (lower case, no ``@``)."""
    parts = text.replace(",", " ").replace(";", " ").split()
    seen: dict[str, None] = {}
    for part in parts:
        seen.setdefault(part.strip().lstrip("@").rstrip(".").lower(), None)
    return [domain for domain in seen if domain]


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().rstrip(".").lower() if "@" in email else ""


class OrganisationSso(models.Model):
    """One organisation's OpenID Connect provider: who signs its people in, and from which domains.

    The provider's endpoints and keys come from ``<issuer>/.well-known/openid-configuration``.
    ``client_secret`` is write-only in the admin (only its last characters are shown)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="sso")
    enabled = models.BooleanField(default=True, help_text="Untick to stop single sign-on for this organisation.")
    issuer = models.CharField(
        max_length=300,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text="The provider's issuer URL, e.g. https://login.microsoftonline.com/<tenant-id>/v2.0",
    )
    client_id = models.CharField(max_length=255)
    client_secret = models.CharField(max_length=500)
    allowed_domains = models.TextField(
        help_text="Email domains this organisation signs in, one per line or comma separated (e.g. acme.com).",
    )
    password_login = models.BooleanField(
        default=True,
        help_text=(
            "Untick to turn password login off for this organisation's people: they must sign in with "
            "single sign-on (staff and trainers keep their password login)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "organisation single sign-on"
        verbose_name_plural = "organisation single sign-on"

    def __str__(self) -> str:
        return f"Single sign-on for {self.organisation}"

    @property
    def domains(self) -> list[str]:
        return parse_domains(self.allowed_domains)

    def allows_email(self, email: str) -> bool:
        return bool(email_domain(email)) and email_domain(email) in self.domains

    @property
    def secret_hint(self) -> str:
        return f"…{self.client_secret[-4:]}" if len(self.client_secret) > 8 else "set"

    def clean(self):
        super().clean()
        self.issuer = (self.issuer or "").strip().rstrip("/")
        domains = parse_domains(self.allowed_domains or "")
        if not domains:
            raise ValidationError({"allowed_domains": "Give at least one email domain."})
        bad = [d for d in domains if "." not in d or "/" in d or "@" in d]
        if bad:
            raise ValidationError({"allowed_domains": f"Not an email domain: {', '.join(bad)}."})
        self.allowed_domains = "\n".join(domains)


class SsoIdentity(models.Model):
    """The provider's ``sub`` for a member: the next sign-in finds the same member even if the
    email changes. One per (organisation, issuer, subject), and one per member."""

    wagtail_reference_index_ignore = True

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sso_identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    member = models.OneToOneField(OrganisationMember, on_delete=models.CASCADE, related_name="sso_identity")
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "SSO identities"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "issuer", "subject"], name="ml_sso_identity_unique_sub"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"
