"""Trainer action: grant a participant one more attempt at a quiz they have used up.

POST only (CSRF), from the participant drill-down. The cohort and the participant are scoped to
the trainer (another trainer's cohort or participant answers 404, as does a module outside the
course); the rules live in ``services.grant_extra_attempt``.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from courses.models import ModulePage

from .. import services
from .trainer import _cohort, _participant, trainer_required


@trainer_required
@require_POST
def grant_attempt(request, cohort_id: int, enrolment_id: int):
    cohort = _cohort(request, cohort_id)
    enrolment = _participant(cohort, enrolment_id)
    module = get_object_or_404(ModulePage.objects.child_of(enrolment.course), pk=request.POST.get("module") or 0)
    back = redirect("microlearn_lms:trainer-participant", cohort_id=cohort.pk, enrolment_id=enrolment.pk)
    try:
        services.grant_extra_attempt(
            granted_by=request.user, enrolment=enrolment, module=module, reason=request.POST.get("reason", "")
        )
    except services.QuizError as exc:
        messages.error(request, f"No attempt granted: {exc}")
        return back
    name = enrolment.user.get_full_name() or enrolment.user.username
    messages.success(request, f"{name} can now take “{module.title}” once more. The grant is logged below.")
    return back
