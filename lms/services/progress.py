from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Enrolment, EnrolmentStatus, ModuleProgress
from .enrolment import enrolment_complete_if_done


class ProgressError(Exception):
    """The participant may not record progress here; the message is safe to show."""


def _check_module(enrolment: Enrolment, module) -> None:
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise ProgressError("This enrolment was withdrawn, so nothing more can be recorded.")
    if not module.path.startswith(enrolment.course.path) or module.depth != enrolment.course.depth + 1:
        raise ProgressError("That module is not part of your course.")


def _touch(enrolment: Enrolment, now) -> None:
    Enrolment.objects.filter(pk=enrolment.pk).update(last_activity_at=now)


def module_open(*, enrolment: Enrolment, module) -> ModuleProgress:
    """Mark a module started (idempotent). Completed enrolments can revisit without changes."""
    _check_module(enrolment, module)
    now = timezone.now()
    progress = ModuleProgress.objects.filter(enrolment=enrolment, module=module).first()
    if progress is None:
        try:
            with transaction.atomic():
                progress = ModuleProgress.objects.create(enrolment=enrolment, module=module, started_at=now)
        except IntegrityError:
            progress = ModuleProgress.objects.get(enrolment=enrolment, module=module)
    if enrolment.status == EnrolmentStatus.ACTIVE:
        _touch(enrolment, now)
    return progress


def module_confirm_read(*, enrolment: Enrolment, module) -> ModuleProgress:
    """The participant confirms reading the module; completes it if its quiz is passed (or absent)."""
    progress = module_open(enrolment=enrolment, module=module)
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
    progress.completed_at = timezone.now()
    progress.save(update_fields=["completed_at"])
    enrolment = Enrolment.objects.select_related("course").get(pk=progress.enrolment_id)
    if enrolment.status == EnrolmentStatus.ACTIVE:
        enrolment_complete_if_done(enrolment=enrolment)
    return True
