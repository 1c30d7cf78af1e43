"""Credential reads, scoped to the requester."""

from django.db.models import QuerySet

from ..models import Certificate, CertificateStatus, IssuedCredential

CERTIFICATE = "certificate"


def certificate_credential_for_holder(*, user, certificate) -> QuerySet[IssuedCredential]:
    """The current credential of one of ``user``'s own certificates (none for anyone else)."""
    if not user.is_authenticated:
        return IssuedCredential.objects.none()
    return IssuedCredential.objects.filter(
        kind=CERTIFICATE, object_id=str(certificate), holder=user, revoked_at__isnull=True
    )


def credentials_for_certificates(certificates) -> dict[str, IssuedCredential]:
    """The latest credential of each certificate, by certificate uuid (one query)."""
    ids = [str(c.uuid) for c in certificates]
    found: dict[str, IssuedCredential] = {}
    for credential in IssuedCredential.objects.filter(kind=CERTIFICATE, object_id__in=ids).order_by("issued_at", "pk"):
        found[credential.object_id] = credential
    return found


def certificate_credential(*, certificate) -> IssuedCredential | None:
    """The latest credential of a certificate the caller may already see (scope it first)."""
    return (
        IssuedCredential.objects.filter(kind=CERTIFICATE, object_id=str(certificate.uuid))
        .order_by("-issued_at", "-pk")
        .first()
    )


def certificate_ids_missing_credentials() -> list[int]:
    """Issued certificates (holder not erased) without a credential: those issued before credentials
    existed, for ``issue_certificates`` to backfill. Reads the credential ids once, then streams."""
    have = set(IssuedCredential.objects.filter(kind=CERTIFICATE).values_list("object_id", flat=True))
    issued = Certificate.objects.filter(status=CertificateStatus.ISSUED, holder_erased_at__isnull=True)
    return [pk for pk, uuid in issued.order_by("pk").values_list("pk", "uuid").iterator() if str(uuid) not in have]


def badge_credential_for_holder(*, user, award) -> IssuedCredential | None:
    """The current period's credential of one of ``user``'s own active practice badges (else None)."""
    from ..models import BadgeStatus, PracticeBadgeAward
    from .badges import BADGE_CREDENTIAL_KIND, badge_credential_object_id

    if not user.is_authenticated:
        return None
    found = PracticeBadgeAward.objects.filter(uuid=award, enrolment__user=user, status=BadgeStatus.ACTIVE).first()
    if found is None:
        return None
    return IssuedCredential.objects.filter(
        kind=BADGE_CREDENTIAL_KIND, object_id=badge_credential_object_id(found), holder=user, revoked_at__isnull=True
    ).first()
