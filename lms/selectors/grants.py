"""Reads for trainers' extra quiz attempts (``QuizAttemptGrant``)."""

from __future__ import annotations

from ..models import Enrolment, EnrolmentStatus, QuizAttemptGrant

GRANT_LOG_LIMIT = 50


def grants_for(*, enrolment: Enrolment) -> list[QuizAttemptGrant]:
    """The latest grants to one participant (the trainer's log), newest first, bounded."""
    return list(QuizAttemptGrant.objects.filter(enrolment=enrolment).select_related("granted_by")[:GRANT_LOG_LIMIT])


def grantable_modules(*, enrolment: Enrolment, modules) -> list:
    """Of the drill-down's ``(module info, progress)`` pairs, the limited quizzes the participant
    has used up without passing (on an active enrolment): where a trainer may grant one more."""
    if enrolment.status != EnrolmentStatus.ACTIVE:
        return []
    out = []
    for module, progress in modules:
        if not module.max_attempts or progress is None or progress.quiz_passed_at is not None:
            continue
        if progress.attempts_used >= module.max_attempts + progress.attempts_granted:
            out.append((module, progress))
    return out
