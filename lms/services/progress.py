from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import outbox
from ..models import Enrolment, EnrolmentStatus, LearningEventType, ModuleProgress
from .enrolment import enrolment_complete_if_done
from .summaries import refresh_modules


class ProgressError(Exception):
    """The participant may not record progress here; the message is safe to show."""


def _check_module(enrolment: Enrolment, module) -> None:
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise ProgressError("This enrolment was withdrawn, so nothing more can be recorded.")
    if not module.path.startswith(enrolment.course.path) or module.depth != enrolment.course.depth + 1:
        raise ProgressError("That module is not part of your course.")


def _touch(enrolment: Enrolment, now) -> None:
    Enrolment.objects.filter(pk=enrolment.pk).update(last_activity_at=now)


def module_open(*, enrolment: Enrolment, module) -> ModuleProgress | None:
    """Mark a module started (idempotent).

    Completed enrolments are read-only: they revisit without changes, so this returns their
    existing record, or None for a module they never opened (e.g. one added after completion).
    """
    _check_module(enrolment, module)
    now = timezone.now()
    progress = ModuleProgress.objects.filter(enrolment=enrolment, module=module).first()
    if enrolment.status == EnrolmentStatus.COMPLETED:
        return progress
    if progress is None:
        try:
            with transaction.atomic():
                progress = ModuleProgress.objects.create(enrolment=enrolment, module=module, started_at=now)
        except IntegrityError:
            progress = ModuleProgress.objects.get(enrolment=enrolment, module=module)
    _touch(enrolment, now)
    return progress


def module_confirm_read(*, enrolment: Enrolment, module) -> ModuleProgress | None:
    """The participant confirms reading the module; completes it if its quiz is passed (or absent).

    On a completed (read-only) enrolment this records nothing and returns the existing record.
    """
    progress = module_open(enrolment=enrolment, module=module)
    if enrolment.status != EnrolmentStatus.ACTIVE:
        return progress
    with transaction.atomic():
        progress = ModuleProgress.objects.select_for_update().get(pk=progress.pk)
        if progress.read_confirmed_at is None:
            progress.read_confirmed_at = timezone.now()
            progress.save(update_fields=["read_confirmed_at"])
        evaluate_module(progress=progress, module=module)
    return progress


def evaluate_module(*, progress: ModuleProgress, module) -> bool:
    """Apply the completion rule: read confirmed, and quiz passed where the module has one."""
    if progress.completed_at is not None:
        return False
    quiz_ok = not module.has_quiz or progress.quiz_passed_at is not None
    if progress.read_confirmed_at is None or not quiz_ok:
        return False
    # Lock the enrolment first: two modules completed at the same moment (two tabs) would
    # otherwise each miss the other's completion and the course would never complete.
    enrolment = Enrolment.objects.select_for_update(of=("self",)).select_related("course").get(pk=progress.enrolment_id)
    progress.completed_at = timezone.now()
    progress.save(update_fields=["completed_at"])
    refresh_modules(enrolment_id=enrolment.pk, course_id=enrolment.course_id)
    outbox.record_learning(
        LearningEventType.MODULE_COMPLETED,
        enrolment_id=enrolment.pk,
        occurred_at=progress.completed_at,
        facts={"module": str(module.translation_key)},
    )
    if enrolment.status == EnrolmentStatus.ACTIVE:
        enrolment_complete_if_done(enrolment=enrolment)
    return True
