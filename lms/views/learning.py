"""Participant learning flow: enrol, read and confirm modules, take quizzes, see results.

Views only translate HTTP to the services (writes) and selectors (reads). Bad input answers
HTTP 400 with a clear message and records nothing; another participant's attempt answers 404.

Opening a module page as an enrolled participant marks the module started (a GET side
effect, acceptable because ``module_open`` is idempotent); it happens once, on the first
visit, through ``module_context`` below, which the ``microlearn_module_context`` hook runs.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from courses.models import CoursePage, ModulePage

from .. import services
from ..forms import QuizAttemptForm
from ..grading import AnswerError
from ..models import AttemptStatus, EnrolmentSource, EnrolmentStatus
from ..selectors import learning as learning_selectors
from ..selectors.completion import completion_panel
from ..services.quiz import attempt_limit, attempts_left

READ_ONLY = "You have completed this course, so your records are kept as they are (read-only)."


def _bad_request(request, message: str, *, back_url: str | None = None):
    return render(request, "microlearn_lms/learning/error.html", {"message": message, "back_url": back_url}, status=400)


# --- Context for the course pages (run by the courses_* hooks) ----------------------------


def course_context(page, request, context) -> None:
    """Course page panel: log in / enrol / the participant's status and progress."""
    context["course_panel_template"] = "microlearn_lms/learning/_course_panel.html"
    enrolment = learning_selectors.current_enrolment(user=getattr(request, "user", None), course=page)
    summary = completion = None
    if enrolment is not None:
        progress = learning_selectors.progress_by_module(enrolment=enrolment)
        summary = learning_selectors.summarise(enrolment=enrolment, modules=context["modules"], progress=progress)
        completion = completion_panel(enrolment=enrolment, request=request)
    context["learning"] = {"enrolment": enrolment, "summary": summary, "course": page, "completion": completion}
    context["course_hero_template"] = "microlearn_lms/learning/_course_hero.html"
    if completion is not None:
        context["completion"] = completion
        context["course_completion_template"] = "microlearn_lms/learning/_completion_panel.html"


def module_context(page, request, context) -> None:
    """Module page: read confirmation, the quiz section and the progress sidebar."""
    context["module_panel_template"] = "microlearn_lms/learning/_module_panel.html"
    context["progress_nav_template"] = "microlearn_lms/learning/_progress_nav.html"
    course = context["course"]
    enrolment = learning_selectors.current_enrolment(user=getattr(request, "user", None), course=course)
    learning = {"enrolment": enrolment, "course": course, "summary": None, "progress": None, "quiz": None}
    context["learning"] = learning
    if enrolment is None:
        return
    progress = learning_selectors.progress_by_module(enrolment=enrolment)
    if page.pk not in progress and enrolment.is_active:
        progress[page.pk] = services.module_open(enrolment=enrolment, module=page)
    learning["summary"] = learning_selectors.summarise(
        enrolment=enrolment, modules=context["modules"], progress=progress
    )
    current = learning["progress"] = progress.get(page.pk)
    if page.has_quiz:
        attempts = learning_selectors.recent_attempts(enrolment=enrolment, module=page)
        open_attempt = attempts[0] if attempts and attempts[0].status == AttemptStatus.STARTED else None
        granted = current.attempts_granted if current else 0
        left = attempts_left(module=page, used=current.attempts_used if current else 0, granted=granted)
        learning["quiz"] = {
            "granted": granted,
            "open_attempt": open_attempt,
            "history": [a for a in attempts if a.status == AttemptStatus.SUBMITTED],
            "attempts_left": left,
            "passed": bool(current and current.quiz_passed_at),
            "best_score": current.best_score if current else None,
            "can_start": enrolment.is_active and (open_attempt is not None or left is None or left > 0),
        }


# --- Participant actions ------------------------------------------------------------------


def _module_for(request, module_id: int, *, not_enrolled: str):
    """(module, enrolment, module url, error response or None) for a participant action."""
    module = get_object_or_404(ModulePage.objects.live().public(), pk=module_id)
    enrolment = learning_selectors.current_enrolment(user=request.user, course=module.course)
    url = module.get_url(request)
    error = _bad_request(request, not_enrolled, back_url=url) if enrolment is None else None
    return module, enrolment, url, error


@login_required
@require_POST
def enrol(request, course_id: int):
    course = get_object_or_404(CoursePage.objects.live().public(), pk=course_id)
    try:
        enrolment = services.enrolment_create(user=request.user, course=course, source=EnrolmentSource.SELF)
    except services.EnrolmentError as exc:
        return _bad_request(request, str(exc), back_url=course.get_url(request))
    if enrolment.status == EnrolmentStatus.COMPLETED:
        messages.info(request, "You have already completed this course.")
    else:
        messages.success(request, f"You are enrolled in {course.title}.")
    return redirect(course.get_url(request))


@login_required
@require_POST
def module_confirm(request, module_id: int):
    module, enrolment, url, error = _module_for(
        request, module_id, not_enrolled="You are not enrolled in this course. Enrol first."
    )
    if error:
        return error
    if enrolment.status == EnrolmentStatus.COMPLETED:
        messages.info(request, READ_ONLY)
        return redirect(url)
    try:
        progress = services.module_confirm_read(enrolment=enrolment, module=module)
    except services.ProgressError as exc:
        return _bad_request(request, str(exc), back_url=url)
    if progress.completed_at:
        messages.success(request, "Module completed.")
    else:
        messages.success(request, "Thanks: you have confirmed reading this module. Pass its quiz to complete it.")
    return redirect(url)


@login_required
@require_POST
def quiz_start(request, module_id: int):
    module, enrolment, url, error = _module_for(
        request, module_id, not_enrolled="You are not enrolled in this course, so you cannot take its quiz."
    )
    if error:
        return error
    try:
        attempt = services.quiz_attempt_start(enrolment=enrolment, module=module)
    except services.QuizError as exc:
        message = READ_ONLY if enrolment.status == EnrolmentStatus.COMPLETED else str(exc)
        return _bad_request(request, message, back_url=url)
    return redirect("microlearn_lms:attempt", uuid=attempt.uuid)


def _own_attempt(request, uuid):
    return get_object_or_404(learning_selectors.attempts_for_user(user=request.user), uuid=uuid)


@login_required
@require_http_methods(["GET", "POST"])
def attempt_detail(request, uuid):
    """GET: the served questions (no correctness data). POST: submit once, then PRG to the result."""
    attempt = _own_attempt(request, uuid)
    if attempt.status == AttemptStatus.SUBMITTED:
        if request.method == "POST":
            messages.info(request, "This attempt was already submitted; here is its result.")
        return redirect("microlearn_lms:attempt_result", uuid=attempt.uuid)
    module = attempt.module
    questions = learning_selectors.served_questions(attempt=attempt, module=module)
    progress = learning_selectors.progress_for(enrolment=attempt.enrolment, module=module)
    left = attempts_left(module=module, used=attempt.number, granted=progress.attempts_granted if progress else 0)
    context = {
        "attempt": attempt,
        "module": module,
        "form": None,
        "problem": None,
        "question_total": len(questions or ()),
        "attempt_limit": attempt_limit(module=module, granted=progress.attempts_granted if progress else 0),
        "attempts_left_after": left,
    }
    status = 200
    if not attempt.enrolment.is_active:
        context["problem"] = "This enrolment is no longer active, so this attempt cannot be submitted."
    elif questions is None:
        context["problem"] = "This quiz was changed since the attempt started. Start the quiz again."
    else:
        context["form"] = form = QuizAttemptForm(
            request.POST if request.method == "POST" else None, questions=questions
        )
    if request.method == "POST":
        if context["form"] is None:
            return render(request, "microlearn_lms/learning/attempt.html", context, status=400)
        if form.is_valid():
            try:
                attempt, recorded = services.quiz_attempt_submit(attempt=attempt, answers=form.answers(), module=module)
            except (services.QuizError, AnswerError) as exc:
                form.add_error(None, str(exc))
            else:
                if not recorded:
                    messages.info(request, "This attempt was already submitted; here is its first result.")
                return redirect("microlearn_lms:attempt_result", uuid=attempt.uuid)
        status = 400
    return render(request, "microlearn_lms/learning/attempt.html", context, status=status)


@login_required
def attempt_result(request, uuid):
    attempt = _own_attempt(request, uuid)
    if attempt.status != AttemptStatus.SUBMITTED:
        return redirect("microlearn_lms:attempt", uuid=attempt.uuid)
    module, enrolment = attempt.module, attempt.enrolment
    progress = learning_selectors.progress_for(enrolment=enrolment, module=module)
    revealed = learning_selectors.answers_revealed(module=module, progress=progress)
    history = [
        a
        for a in learning_selectors.recent_attempts(enrolment=enrolment, module=module)
        if a.status == AttemptStatus.SUBMITTED
    ]
    used = progress.attempts_used if progress else 0
    granted = progress.attempts_granted if progress else 0
    left = attempts_left(module=module, used=used, granted=granted)
    context = {
        "attempts_granted": granted,
        "attempt": attempt,
        "module": module,
        "enrolment": enrolment,
        "progress": progress,
        "revealed": revealed,
        "feedback": learning_selectors.attempt_feedback(attempt=attempt, module=module, revealed=revealed),
        "history": history,
        "attempts_left": left,
        "can_retry": enrolment.is_active and (left is None or left > 0),
        "next_module": module.get_next_siblings().live().public().first(),
        "completion": completion_panel(enrolment=enrolment, request=request),
    }
    return render(request, "microlearn_lms/learning/result.html", context)
