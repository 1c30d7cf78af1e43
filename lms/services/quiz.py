"""Quiz attempts: started on the server, submitted once, graded on the server."""

import random

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import grading, outbox
from ..models import AttemptStatus, Enrolment, EnrolmentStatus, LearningEventType, ModuleProgress, QuizAttempt
from .progress import ProgressError, _check_module, evaluate_module, module_open


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


def attempts_left(*, module, used: int) -> int | None:
    """None means unlimited."""
    if not module.quiz_max_attempts:
        return None
    return max(0, module.quiz_max_attempts - used)


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
    if attempts_left(module=module, used=used) == 0:
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
        if module.quiz_max_attempts and locked.number > module.quiz_max_attempts:
            raise QuizError("You have used all your attempts at this quiz.")
        score, passed, results = grading.grade(locked.served, questions_of(module), answers, locked.pass_mark)
        now = timezone.now()
        locked.answers = answers
        locked.results = {"questions": results}
        locked.score, locked.passed = score, passed
        locked.status, locked.submitted_at = AttemptStatus.SUBMITTED, now
        locked.save(update_fields=["answers", "results", "score", "passed", "status", "submitted_at"])

        progress = ModuleProgress.objects.select_for_update().get(enrolment=enrolment, module=module)
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
        evaluate_module(progress=progress, module=module)
    return locked, True
