"""Certificates: issue (record, then render), revoke, re-issue.

Issuing is two steps so a rendering failure never loses anything:

1. :func:`certificate_issue` creates the PENDING record in a short transaction: serial from the
   locked per-course-and-year counter, a random verification code, the snapshot. A partial
   unique constraint keeps one current certificate per enrolment; concurrent callers get the
   same record back.
2. :func:`certificate_render` renders outside any transaction, then stores the PDF once and
   flips PENDING → ISSUED under a row lock. A failure counts an attempt and keeps the record
   PENDING for the retry (task backoff, or ``manage.py issue_certificates``).

Two tasks wrap them (Django tasks API; ids only, enqueued on commit):

``issue_certificate_task``   enrolment completed → PENDING record → rendered PDF (ISSUED).
``render_certificate_task``  render a PENDING certificate (retries, re-issues).

Every certificate that becomes ISSUED is also an Open Badges 3.0 credential, signed in the same
transaction (:func:`certificate_credential_issue`, docs/credentials.md); revoking or re-issuing
the certificate revokes it.

A rendering failure is recorded on the certificate (attempts, last_error) and retried with
exponential backoff while the backend can defer tasks (``run_after``) and attempts remain;
``manage.py issue_certificates`` retries whatever is still PENDING after that.
"""

import calendar
import datetime
import logging
import secrets
import uuid

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import default_task_backend, task
from wagtail.log_actions import log

from .. import events
from ..certificates.links import verification_url
from ..conf import conf
from ..credentials import services as credentials
from ..models import Certificate, CertificateSerialCounter, CertificateStatus, Enrolment, EnrolmentStatus
from ..worker.enqueue import enqueue_on_commit

# Crockford's base32: no I, L, O or U, so a code read aloud or retyped is unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 16 x 5 bits = 80 bits of randomness
_CODE_TRANSLATION = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})

LOG_REVOKE = "lms.certificate.revoke"
LOG_REISSUE = "lms.certificate.reissue"


class CertificateError(Exception):
    """A certificate request that breaks the rules; the message is safe to show."""


class CertificateRenderError(Exception):
    """Rendering failed; the certificate stays PENDING and will be retried."""


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """Canonical form of a typed code (case, hyphens, O/I/L confusions), or "" if it cannot be one."""
    code = (raw or "").strip().upper().translate(_CODE_TRANSLATION)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return ""
    return code


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _person_name(user) -> str:
    return (user.get_full_name() or "").strip() or user.get_username()


def _snapshot(enrolment: Enrolment, issued_on: datetime.date) -> dict:
    course = enrolment.course
    cohort = enrolment.cohort
    trainers = ""
    organisation = ""
    if cohort is not None:
        organisation = cohort.organisation.name
        names = [_person_name(t) for t in cohort.trainers.order_by("last_name", "first_name", "pk")[:10]]
        trainers = ", ".join(names)[:500]
    months = getattr(course, "certificate_validity_months", None)
    return {
        "holder_name": _person_name(enrolment.user)[:300],
        "course_title": course.title[:255],
        "completed_on": timezone.localdate(enrolment.completed_at),
        "programme_hours": course.programme_hours,
        "organisation_name": organisation[:200],
        "trainer_names": trainers,
        "issued_on": issued_on,
        "expires_on": add_months(issued_on, months) if months else None,
    }


def _current(enrolment_id: int) -> Certificate | None:
    return Certificate.objects.filter(enrolment_id=enrolment_id).exclude(status=CertificateStatus.SUPERSEDED).first()


def _next_serial(course, year: int) -> str:
    """Allocate the next serial for ``course`` in ``year``. Call inside a transaction.

    The counter row is locked (SELECT … FOR UPDATE) until the transaction ends, so concurrent
    issuers are serialised and a rolled-back issue gives its number back: no gaps, no repeats.
    """
    CertificateSerialCounter.objects.get_or_create(course=course, year=year)
    counter = CertificateSerialCounter.objects.select_for_update().get(course=course, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{conf.CERTIFICATE_SERIAL_PREFIX}-{course.pk:03d}-{year}-{counter.last_number:06d}"


def _create_locked(enrolment: Enrolment) -> Certificate:
    """Create the PENDING certificate; inside a transaction that may hold the counter lock."""
    issued_on = timezone.localdate()
    serial = _next_serial(enrolment.course, issued_on.year)
    # Re-check after taking the counter lock: a concurrent issuer may have committed meanwhile.
    existing = _current(enrolment.pk)
    if existing is not None:
        transaction.set_rollback(True)
        return existing
    return Certificate.objects.create(
        enrolment=enrolment, serial=serial, verification_code=new_verification_code(), **_snapshot(enrolment, issued_on)
    )


def certificate_issue(*, enrolment: Enrolment) -> Certificate:
    """The current certificate of a completed enrolment, creating it (PENDING) if there is none.

    Idempotent and safe under concurrency: every caller gets the same record.
    """
    if enrolment.status != EnrolmentStatus.COMPLETED or enrolment.completed_at is None:
        raise CertificateError("Only a completed enrolment earns a certificate.")
    existing = _current(enrolment.pk)
    if existing is not None:
        return existing
    enrolment = Enrolment.objects.select_related("user", "course", "cohort__organisation").get(pk=enrolment.pk)
    try:
        with transaction.atomic():
            return _create_locked(enrolment)
    except IntegrityError:
        existing = _current(enrolment.pk)
        if existing is None:
            raise
        return existing


def certificate_render(*, certificate_id: int) -> Certificate:
    """Render and store the PDF of a PENDING certificate: PENDING → ISSUED. Idempotent.

    Raises :class:`CertificateRenderError` (after counting the attempt) when rendering fails.
    """
    from ..certificates.pdf import render_certificate

    certificate = Certificate.objects.get(pk=certificate_id)
    if certificate.status != CertificateStatus.PENDING or certificate.pdf or certificate.holder_erased_at:
        return certificate  # nothing to render (an erased holder's certificate is never rendered)
    try:
        filename, _content_type, content = render_certificate(certificate)
    except Exception as exc:
        Certificate.objects.filter(pk=certificate_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000], updated_at=timezone.now()
        )
        raise CertificateRenderError(str(exc)) from exc
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().select_related("enrolment").get(pk=certificate_id)
        if locked.status != CertificateStatus.PENDING or locked.pdf:
            return locked  # a concurrent render stored it first; store once
        now = timezone.now()
        locked.pdf.save(filename, ContentFile(content), save=False)
        locked.status, locked.rendered_at, locked.last_error = CertificateStatus.ISSUED, now, ""
        locked.attempts += 1
        locked.save(update_fields=["pdf", "status", "rendered_at", "last_error", "attempts", "updated_at"])
        certificate_credential_issue(certificate=locked)
        _send_event(events.certificate_issued, locked, occurred_at=now)
    return locked


CREDENTIAL_KIND = "certificate"


def _end_of_day(day: datetime.date) -> datetime.datetime:
    """The first moment after ``day`` in the site's time zone: a certificate is valid through its expiry date."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def certificate_achievement(certificate: Certificate) -> dict:
    """The OB 3.0 ``Achievement`` a certificate stands for: one per course (stable id)."""
    course_id = certificate.enrolment.course_id
    hours = f"{certificate.programme_hours:g}"
    return {
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{conf.base_url()}/microlearn/courses/{course_id}')}",
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": certificate.course_title,
        "description": f"Completion of the {certificate.course_title} programme ({hours} hours).",
        "criteria": {
            "narrative": f"Complete every module of the {certificate.course_title} programme and pass its quizzes."
        },
    }


def certificate_credential_issue(*, certificate: Certificate):
    """The certificate's Open Badges credential, signed now if it has none. Idempotent."""
    if certificate.status != CertificateStatus.ISSUED or certificate.holder_erased_at:
        raise CertificateError("Only an issued certificate with a named holder gets a credential.")
    evidence = [
        {
            "id": verification_url(certificate),
            "type": ["Evidence"],
            "name": f"Certificate {certificate.serial}",
            "description": "The certificate's public verification page.",
        }
    ]
    return credentials.issue_credential(
        kind=CREDENTIAL_KIND,
        object_id=str(certificate.uuid),
        holder=certificate.enrolment.user,
        achievement=certificate_achievement(certificate),
        evidence=evidence,
        valid_from=certificate.rendered_at or timezone.now(),
        valid_until=_end_of_day(certificate.expires_on) if certificate.expires_on else None,
        subject_name=certificate.holder_name,
    )


def _send_event(signal, certificate: Certificate, **extra) -> None:
    """Send a certificate event on commit with the payload documented in lms/events.py."""
    events.send_on_commit(
        signal,
        Certificate,
        certificate_id=certificate.pk,
        enrolment_id=certificate.enrolment_id,
        user_id=certificate.enrolment.user_id,
        course_id=certificate.enrolment.course_id,
        **extra,
    )


def _schedule_render(certificate_id: int) -> None:
    enqueue_on_commit(render_certificate_task, certificate_id=certificate_id)


def certificate_revoke(*, certificate: Certificate, reason: str, user=None) -> Certificate:
    """ISSUED → REVOKED with a reason. Logged in Wagtail's audit log; sends ``certificate_revoked``."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("Give a reason for revoking the certificate.")
    if len(reason) > 500:
        raise CertificateError("Keep the reason under 500 characters.")
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().select_related("enrolment").get(pk=certificate.pk)
        if locked.status != CertificateStatus.ISSUED:
            raise CertificateError(f"Only an issued certificate can be revoked; this one is {locked.status}.")
        now = timezone.now()
        locked.status, locked.revoked_at, locked.revoked_reason = CertificateStatus.REVOKED, now, reason
        locked.save(update_fields=["status", "revoked_at", "revoked_reason", "updated_at"])
        credentials.revoke_credential(CREDENTIAL_KIND, str(locked.uuid), reason)
        log(instance=locked, action=LOG_REVOKE, user=user, data={"reason": reason, "serial": locked.serial})
        _send_event(events.certificate_revoked, locked, reason=reason, occurred_at=now)
    return locked


def certificate_reissue(*, certificate: Certificate, user=None) -> Certificate:
    """Replace an issued or revoked certificate with a fresh one (new serial, code and snapshot,
    e.g. after a name correction). The old one becomes SUPERSEDED and points at the new one,
    which is rendered by a task after commit.
    """
    with transaction.atomic():
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.status not in {CertificateStatus.ISSUED, CertificateStatus.REVOKED}:
            raise CertificateError(f"Only an issued or revoked certificate can be re-issued; this one is {old.status}.")
        enrolment = Enrolment.objects.select_related("user", "course", "cohort__organisation").get(pk=old.enrolment_id)
        Certificate.objects.filter(pk=old.pk).update(status=CertificateStatus.SUPERSEDED, updated_at=timezone.now())
        new = _create_locked(enrolment)
        Certificate.objects.filter(pk=old.pk).update(superseded_by=new)
        credentials.revoke_credential(CREDENTIAL_KIND, str(old.uuid), f"Superseded by certificate {new.serial}.")
        old.refresh_from_db()
        log(instance=old, action=LOG_REISSUE, user=user, data={"serial": old.serial, "new_serial": new.serial})
        _schedule_render(new.pk)
    return new


# --- Tasks ----------------------------------------------------------------------------------------

logger = logging.getLogger(__name__)
BACKOFF_SECONDS = 60


def retry_delay(attempts: int) -> datetime.timedelta:
    """1, 4, 16, 64… minutes after the 1st, 2nd, 3rd, 4th failure."""
    return datetime.timedelta(seconds=BACKOFF_SECONDS * 4 ** max(0, attempts - 1))


def _render(certificate_id: int) -> str:
    try:
        return certificate_render(certificate_id=certificate_id).status
    except CertificateRenderError as exc:
        attempts = Certificate.objects.filter(pk=certificate_id).values_list("attempts", flat=True).first() or 0
        logger.warning("Certificate %s failed to render (attempt %s): %s", certificate_id, attempts, exc)
        if attempts < conf.CERTIFICATE_MAX_ATTEMPTS and default_task_backend.supports_defer:
            render_certificate_task.using(run_after=timezone.now() + retry_delay(attempts)).enqueue(
                certificate_id=certificate_id
            )
        return "pending"


@task()
def issue_certificate_task(enrolment_id: int) -> str:
    enrolment = Enrolment.objects.filter(pk=enrolment_id).first()
    if enrolment is None:
        return "gone"
    certificate = certificate_issue(enrolment=enrolment)
    return _render(certificate.pk)


@task()
def render_certificate_task(certificate_id: int) -> str:
    return _render(certificate_id)
