"""Quiz attempts: started on the server, submitted once, graded on the server."""

import random

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from .. import events, grading, outbox
from ..models import (
    AttemptStatus,
    Enrolment,
    EnrolmentStatus,
    LearningEventType,
    ModuleProgress,
    QuizAttempt,
    QuizAttemptGrant,
)
from .progress import ProgressError, _check_module, evaluate_module, module_open
from .summaries import refresh_modules


class QuizError(Exception):
    """A quiz request that breaks the rules; the message is safe to show to the participant."""


def questions_of(module) -> dict[str, grading.Question]:
    """The module's current questions as grading objects, keyed by block id."""
    questions = {}
    for block in module.quiz:
        value = block.value
        options = tuple(
            grading.Option(id=child.id, correct=bool(child.value.get("correct")))
            for child in value["options"].bound_blocks
        )
        questions[block.id] = grading.Question(
            id=block.id, kind=value["kind"], options=options, partial_credit=bool(value.get("partial_credit"))
        )
    return questions


def attempts_left(*, module, used: int, granted: int = 0) -> int | None:
    """None means unlimited. ``granted`` is the extra attempts trainers gave (``attempts_granted``)."""
    if not module.quiz_max_attempts:
        return None
    return max(0, module.quiz_max_attempts + granted - used)


def attempt_limit(*, module, granted: int = 0) -> int | None:
    """The attempts allowed in all (None: unlimited)."""
    return module.quiz_max_attempts + granted if module.quiz_max_attempts else None


def _still_answerable(served: list[dict], questions: dict[str, grading.Question]) -> bool:
    for entry in served:
        question = questions.get(entry["q"])
        if question is None or not set(entry["o"]) <= {o.id for o in question.options}:
            return False
    return True


def _submitted_count(enrolment, module) -> int:
    return QuizAttempt.objects.filter(enrolment=enrolment, module=module, status=AttemptStatus.SUBMITTED).count()


def quiz_attempt_start(*, enrolment: Enrolment, module, rng: random.Random | None = None) -> QuizAttempt:
    """Start an attempt, or return the one already open (a reload never burns an attempt)."""
    if enrolment.status != EnrolmentStatus.ACTIVE:
        raise QuizError("Quizzes can only be taken on an active enrolment.")
    try:
        _check_module(enrolment, module)
    except ProgressError as exc:
        raise QuizError(str(exc)) from None
    if not module.has_quiz:
        raise QuizError("This module has no quiz.")
    questions = questions_of(module)
    open_attempt = QuizAttempt.objects.filter(enrolment=enrolment, module=module, status=AttemptStatus.STARTED).first()
    if open_attempt is not None:
        if _still_answerable(open_attempt.served, questions):
            return open_attempt
        # The quiz was edited since this attempt was served (a question or option removed):
        # it could never be submitted, so drop it (nothing was recorded) and serve afresh.
        open_attempt.delete()
    # Retaking after a pass is allowed, within the limit, to improve the best score.
    module_open(enrolment=enrolment, module=module)
    used = _submitted_count(enrolment, module)
    granted = (
        ModuleProgress.objects.filter(enrolment=enrolment, module=module)
        .values_list("attempts_granted", flat=True)
        .first()
        or 0
    )
    if attempts_left(module=module, used=used, granted=granted) == 0:
        raise QuizError("You have used all your attempts at this quiz.")
    served = grading.serve(list(questions.values()), shuffle=module.quiz_shuffle, rng=rng)
    try:
        with transaction.atomic():
            return QuizAttempt.objects.create(
                enrolment=enrolment,
                module=module,
                number=used + 1,
                served=served,
                pass_mark=module.quiz_pass_mark,
                started_at=timezone.now(),
            )
    except IntegrityError:
        # A concurrent start created the same attempt number; use it.
        return QuizAttempt.objects.get(enrolment=enrolment, module=module, number=used + 1)


def quiz_attempt_submit(
    *, attempt: QuizAttempt, answers: dict[str, list[str]], module=None
) -> tuple[QuizAttempt, bool]:
    """Grade and record an attempt once. Returns (attempt, recorded_now).

    A repeated or concurrent submission of the same attempt records nothing and returns the
    first result with ``recorded_now=False``. Bad answers raise ``grading.AnswerError`` and
    record nothing.
    """
    module = module or attempt.module
    if module.pk != attempt.module_id:
        raise QuizError("This attempt belongs to another quiz.")
    with transaction.atomic():
        locked = QuizAttempt.objects.select_for_update().select_related("enrolment").get(pk=attempt.pk)
        if locked.status == AttemptStatus.SUBMITTED:
            return locked, False
        enrolment = locked.enrolment
        if enrolment.status != EnrolmentStatus.ACTIVE:
            raise QuizError("Quizzes can only be taken on an active enrolment.")
        progress = ModuleProgress.objects.select_for_update().get(enrolment=enrolment, module=module)
        limit = attempt_limit(module=module, granted=progress.attempts_granted)
        if limit is not None and locked.number > limit:
            raise QuizError("You have used all your attempts at this quiz.")
        score, passed, results = grading.grade(locked.served, questions_of(module), answers, locked.pass_mark)
        now = timezone.now()
        locked.answers = answers
        locked.results = {"questions": results}
        locked.score, locked.passed = score, passed
        locked.status, locked.submitted_at = AttemptStatus.SUBMITTED, now
        locked.save(update_fields=["answers", "results", "score", "passed", "status", "submitted_at"])

        progress.attempts_used = locked.number
        if progress.best_score is None or score > progress.best_score:
            progress.best_score = score
        if passed and progress.quiz_passed_at is None:
            progress.quiz_passed_at = now
        progress.save(update_fields=["attempts_used", "best_score", "quiz_passed_at"])
        Enrolment.objects.filter(pk=enrolment.pk).update(last_activity_at=now)
        outbox.record_learning(
            LearningEventType.QUIZ_SUBMITTED,
            enrolment_id=enrolment.pk,
            occurred_at=now,
            facts={
                "module": str(module.translation_key),
                "attempt": locked.number,
                "score": score,
                "pass_mark": locked.pass_mark,
                "passed": passed,
            },
        )
        if not evaluate_module(progress=progress, module=module):  # a completion recounts already
            refresh_modules(enrolment_id=enrolment.pk, course_id=enrolment.course_id)
    return locked, True


GRANT_REASON_MAX = 500


def grant_extra_attempt(
    *, granted_by, enrolment: Enrolment, module, reason: str, extra_attempts: int = 1, now=None
) -> QuizAttemptGrant:
    """Give a participant who has used every attempt at ``module``'s quiz ``extra_attempts`` more.

    Only staff and the trainers of the participant's cohort may: anyone else gets ``Http404``
    (nobody can probe who is enrolled). The grant is logged (a ``QuizAttemptGrant`` row, who and
    why) and sent as the ``quiz.attempt_granted`` event. The check and the change run under a
    lock on the progress row, so a double submission grants once: the second finds attempts left
    and raises ``QuizError``.
    """
    is_trainer = (
        granted_by.is_authenticated
        and enrolment.cohort_id is not None
        and enrolment.cohort.trainers.filter(pk=granted_by.pk).exists()
    )
    if not (granted_by.is_authenticated and (granted_by.is_staff or is_trainer)):
        raise Http404("No such participant.")
    course = enrolment.course
    if module.depth != course.depth + 1 or not module.path.startswith(course.path):
        raise Http404("No such module in this course.")
    reason = (reason or "").strip()
    if not reason:
        raise QuizError("Give a reason for the extra attempt (the participant does not see it).")
    if len(reason) > GRANT_REASON_MAX:
        raise QuizError(f"Keep the reason under {GRANT_REASON_MAX} characters.")
    if not 1 <= extra_attempts <= 5:
        raise QuizError("Grant between 1 and 5 extra attempts.")
    if enrolment.status != EnrolmentStatus.ACTIVE:
        raise QuizError("Extra attempts can only be granted on an active enrolment.")
    if not module.has_quiz or not module.quiz_max_attempts:
        raise QuizError("This quiz has no attempt limit, so there is nothing to grant.")
    now = now or timezone.now()
    with transaction.atomic():
        progress = ModuleProgress.objects.select_for_update().filter(enrolment=enrolment, module=module).first()
        if progress is None or attempts_left(
            module=module, used=progress.attempts_used, granted=progress.attempts_granted
        ):
            raise QuizError("This participant still has attempts left at this quiz.")
        if progress.quiz_passed_at is not None:
            raise QuizError("This participant has already passed this quiz.")
        ModuleProgress.objects.filter(pk=progress.pk).update(attempts_granted=F("attempts_granted") + extra_attempts)
        refresh_modules(enrolment_id=enrolment.pk, course_id=enrolment.course_id)
        grant = QuizAttemptGrant.objects.create(
            enrolment=enrolment,
            module=module,
            granted_by=granted_by,
            granted_at=now,
            reason=reason,
            extra_attempts=extra_attempts,
        )
        events.send_on_commit(
            events.quiz_attempt_granted,
            QuizAttemptGrant,
            grant_id=grant.pk,
            enrolment_id=enrolment.pk,
            module_id=module.pk,
            user_id=enrolment.user_id,
            granted_by_id=granted_by.pk,
            occurred_at=now,
        )
    return grant
