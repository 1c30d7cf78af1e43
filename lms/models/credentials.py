"""Open Badges 3.0 credentials: the issuer's signing keys and every credential issued (docs/credentials.md).

``SigningKey``: an Ed25519 key pair. Exactly one is *active* (a partial unique constraint); a
rotation makes a new active key and retires the old one, whose public half stays in
``/.well-known/did.json`` so the credentials it signed still verify. The private half is
encrypted at rest (AES-GCM under a key derived from ``SECRET_KEY``) and never leaves
``lms.credentials.keys``.

``IssuedCredential``: one signed ``OpenBadgeCredential`` (a VC-JWT). ``kind`` + ``object_id`` say
what it is for (``certificate`` + the certificate's uuid, ``practice_badge`` + …); at most one
current (not revoked) credential per pair. ``status_index`` is its bit in the revocation status
list: unique, so two concurrent issuers can never share one.
"""

import uuid

from django.conf import settings
from django.db import models


class SigningKey(models.Model):
    kid = models.CharField(max_length=64, unique=True, help_text="JWK thumbprint (RFC 7638) of the public key.")
    public_jwk = models.JSONField(help_text="The public key as a JWK (kty OKP, crv Ed25519, x).")
    private_key_encrypted = models.BinaryField(editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="ml_signing_key_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({'active' if self.active else 'retired'})"


class IssuedCredential(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40, help_text='What it is for, e.g. "certificate" or "practice_badge".')
    object_id = models.CharField(max_length=64, help_text="The id of what it is for, within its kind.")
    subject_name = models.CharField(max_length=300, blank=True)
    achievement = models.JSONField(help_text="The Achievement as signed (snapshot).")
    jwt = models.TextField(help_text="The compact JWS (VC-JWT) as issued; blank once the holder's data is erased.")
    status_index = models.PositiveIntegerField(unique=True, help_text="Its bit in the revocation status list.")
    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="credentials")
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=500, blank=True)
    holder_erased_at = models.DateTimeField(null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                condition=models.Q(revoked_at__isnull=True),
                name="ml_credential_one_current_per_object",
            ),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="ml_credential_kind_object")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} ({self.uuid})"

    @property
    def urn(self) -> str:
        return f"urn:uuid:{self.uuid}"
