"""What a participant sees once a course is completed: the certificate and a next step.

Shown on the course page and on the result page of the quiz that completed the course. The
certificate is rendered in the background (``pending`` → ``issued``), and the row itself is
created by a task queued on completion, so "no row yet" reads as "being prepared" too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from courses.models import Challenge, CoursePage

from ..certificates.links import linkedin_url, verification_url
from ..models import Certificate, CertificateSettings, CertificateStatus, Enrolment, EnrolmentStatus

PREPARING, READY, REVOKED = "preparing", "ready", "revoked"


@dataclass(frozen=True)
class CompletionPanel:
    enrolment: Enrolment
    certificate: Certificate | None
    certificate_state: str  # preparing, ready or revoked
    verify_url: str
    linkedin_url: str
    next_course: CoursePage | None
    challenges_url: str  # the course's practice challenges and if-then plans, or ""


def completion_panel(*, enrolment: Enrolment, request=None) -> CompletionPanel | None:
    """The panel for a completed enrolment (None otherwise): three queries, four when issued."""
    if enrolment.status != EnrolmentStatus.COMPLETED:
        return None
    certificate = (
        Certificate.objects.filter(
            enrolment=enrolment,
            status__in=(CertificateStatus.PENDING, CertificateStatus.ISSUED, CertificateStatus.REVOKED),
        )
        .order_by("-pk")
        .first()
    )
    state, verify, linkedin = PREPARING, "", ""
    if certificate is not None and certificate.status == CertificateStatus.ISSUED:
        state = READY
        verify = verification_url(certificate)
        issuer = CertificateSettings.for_request(request).issuer_name if request is not None else ""
        linkedin = linkedin_url(certificate, issuer or certificate.organisation_name)
    elif certificate is not None and certificate.status == CertificateStatus.REVOKED:
        state = REVOKED
    course = enrolment.course
    next_course = course.get_next_siblings().live().public().type(CoursePage).specific().first()
    has_challenges = Challenge.objects.filter(course_id=course.pk).exists()
    return CompletionPanel(
        enrolment=enrolment,
        certificate=certificate,
        certificate_state=state,
        verify_url=verify,
        linkedin_url=linkedin,
        next_course=next_course,
        challenges_url=reverse("microlearn_lms:challenges", args=[course.pk]) if has_challenges else "",
    )
