"""Helpers for certificate tests: completed enrolments without going through every module."""

from django.utils import timezone

from lms import services
from lms.models import Enrolment, EnrolmentStatus
from lms.services import certificates as certificate_services
from tests.factories import UserFactory


def complete_course(enrolment) -> None:
    """Complete every module through the real services (read, then pass the quiz if any)."""
    from tests.lms.test_services import right_answers

    for module in enrolment.course.modules():
        services.module_confirm_read(enrolment=enrolment, module=module)
        if module.has_quiz:
            attempt = services.quiz_attempt_start(enrolment=enrolment, module=module)
            services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, module))


def completed_enrolment(course, *, user=None, cohort=None, **user_fields):
    """A COMPLETED enrolment, marked directly (no event, so no certificate yet)."""
    user = user or UserFactory(**user_fields)
    enrolment = services.enrolment_create(user=user, course=course, cohort=cohort)
    now = timezone.now()
    Enrolment.objects.filter(pk=enrolment.pk).update(status=EnrolmentStatus.COMPLETED, completed_at=now)
    enrolment.refresh_from_db()
    return enrolment


def issued_certificate(course, **kwargs):
    """A completed enrolment with its certificate issued and rendered."""
    enrolment = completed_enrolment(course, **kwargs)
    certificate = certificate_services.certificate_issue(enrolment=enrolment)
    return certificate_services.certificate_render(certificate_id=certificate.pk)
