"""Certificate reads, each scoped to what the requester may see."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from ..models import Certificate, CertificateStatus, Cohort, EnrolmentStatus

CURRENT_STATUSES = (CertificateStatus.PENDING, CertificateStatus.ISSUED, CertificateStatus.REVOKED)


def certificates_for_user(*, user) -> QuerySet[Certificate]:
    """A participant's own current certificates (pending, issued or revoked), newest first."""
    return (
        Certificate.objects.filter(enrolment__user=user, status__in=CURRENT_STATUSES)
        .select_related("enrolment")
        .order_by("-issued_on", "-pk")
    )


def certificates_downloadable_by(*, user) -> QuerySet[Certificate]:
    """Certificates whose PDF ``user`` may download.

    Staff: any stored PDF. The cohort's trainers: their cohorts' certificates. The holder: their
    own issued certificates (not revoked or superseded ones). Anyone else: none.
    """
    stored = Certificate.objects.exclude(pdf="")
    if not user.is_authenticated or not user.is_active:
        return stored.none()
    if user.is_staff:
        return stored
    trains = Exists(Cohort.trainers.through.objects.filter(cohort_id=OuterRef("enrolment__cohort_id"), user_id=user.pk))
    return stored.filter(trains | Q(enrolment__user=user, status=CertificateStatus.ISSUED))


def certificate_for_verification(*, code: str) -> Certificate | None:
    """The certificate with this verification code, if it was ever issued. Codes only: never serials."""
    if not code:
        return None
    return (
        Certificate.objects.filter(verification_code=code)
        .exclude(status=CertificateStatus.PENDING)
        .select_related("superseded_by")
        .first()
    )


def current_replacement(*, certificate: Certificate) -> Certificate | None:
    """Follow ``superseded_by`` to the certificate that replaces this one now (bounded walk)."""
    current = certificate
    for _ in range(20):
        if current.superseded_by_id is None:
            break
        current = Certificate.objects.get(pk=current.superseded_by_id)
    if current.pk == certificate.pk or current.status == CertificateStatus.PENDING:
        return None
    return current


def enrolment_ids_missing_certificates() -> QuerySet:
    """Completed enrolments with no current certificate (for ``issue_certificates``)."""
    from ..models import Enrolment

    has_current = Certificate.objects.filter(enrolment_id=OuterRef("pk"), status__in=CURRENT_STATUSES)
    return (
        Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED)
        .filter(~Exists(has_current))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def pending_certificate_ids() -> QuerySet:
    return Certificate.objects.filter(status=CertificateStatus.PENDING).order_by("pk").values_list("pk", flat=True)
