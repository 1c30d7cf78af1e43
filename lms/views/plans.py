"""Pages of if-then plans, the calendar and the reminder emails' one-click links (docs/practice.md).

Views only translate HTTP: the rules live in ``lms/services/plans.py``, ``reminders.py`` and
``preferences.py``. A plan, entry or week of someone else answers 404; a tampered or expired
signed link answers the friendly page of ``lms.links`` and changes nothing.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import ics
from ..conf import conf
from ..links import ActionLinkError, action_link_error_response, read_action_token
from ..models import ParticipantPreferences, ReminderAnswer
from ..plan_forms import PracticeEmailsForm
from ..selectors import challenges as challenge_selectors
from ..selectors import plans as selectors
from ..selectors.preferences import preferences_for
from ..services import plans as services
from ..services import preferences as preference_services
from ..services.reminders import REMINDER_NO, REMINDER_YES, UNSUBSCRIBE, link_max_age, unsubscribe_max_age
from .account import account_page


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=ics.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _challenge_page(course_id: int) -> str:
    return reverse("microlearn_lms:challenges", args=[course_id])


# --- Plans ----------------------------------------------------------------------------------------


@login_required
@require_POST
def plan_delete(request, plan):
    plan = selectors.plan_for_author(user=request.user, uuid=plan)
    services.plan_delete(plan=plan, user=request.user)
    messages.success(request, "Plan deleted.")
    return redirect(f"{_challenge_page(plan.enrolment.course_id)}#plans-heading")


@login_required
def plan_ics(request, plan):
    plan = selectors.plan_for_author(user=request.user, uuid=plan)
    body = ics.calendar_bytes([ics.plan_event(plan, stamp=timezone.now())], name="Practice plan")
    return _ics_response(body, f"plan-{plan.day:%Y-%m-%d}.ics")


@login_required
def follow_up_ics(request, entry):
    log = challenge_selectors.challenge_log_for_author(user=request.user, uuid=entry)
    if log.follow_up_due is None or log.follow_up != "planned":
        raise Http404("No follow-up planned.")
    body = ics.calendar_bytes([ics.follow_up_event(log, stamp=timezone.now())], name="Follow-up")
    return _ics_response(body, f"follow-up-{log.follow_up_due:%Y-%m-%d}.ics")


@login_required
def challenge_ics(request, course_id: int, challenge):
    enrolment = challenge_selectors.challenge_enrolment_get(user=request.user, course_id=course_id)
    programme = challenge_selectors.challenge_programme(enrolment=enrolment, with_counts=False)
    found = next((c for c in programme.challenges if str(c.uuid) == str(challenge)), None)
    if found is None:
        raise Http404("No such challenge.")
    bounds = (found.opens_on, found.opens_on + dt.timedelta(days=6))
    body = ics.calendar_bytes(
        [ics.challenge_window_event(enrolment, found, bounds, stamp=timezone.now())], name="Weekly challenge"
    )
    return _ics_response(body, f"challenge-week-{found.week}.ics")


def calendar_feed(request, token: str):
    """The private feed: no login (calendar apps cannot log in), the token is the key."""
    prefs = ParticipantPreferences.objects.filter(calendar_token=token).select_related("user").first()
    if not token or prefs is None or not prefs.user.is_active:
        raise Http404("No such calendar.")
    body = ics.feed_bytes(selectors.calendar_items(user=prefs.user))
    response = HttpResponse(body, content_type=ics.CONTENT_TYPE)
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- Reminder links -------------------------------------------------------------------------------


def _occurrence(purpose: str, token: str):
    payload = read_action_token(purpose, token, max_age=link_max_age())
    occurrence = selectors.occurrence_get(pk=payload.get("o"))
    if occurrence is None:
        raise ActionLinkError("invalid")
    return occurrence


def reminder_yes(request, token: str):
    """ "Yes, log it": open the log form with the plan chosen (saving the entry answers yes)."""
    try:
        occurrence = _occurrence(REMINDER_YES, token)
    except ActionLinkError as error:
        return action_link_error_response(request, error)
    plan = occurrence.plan
    url = f"{_challenge_page(plan.enrolment.course_id)}?challenge={plan.challenge.uuid}&plan={plan.uuid}#log-heading"
    return redirect(url)


def reminder_no(request, token: str):
    """ "Not this time": recorded at once (one click; idempotent, and "Yes" later still wins)."""
    try:
        occurrence = _occurrence(REMINDER_NO, token)
    except ActionLinkError as error:
        return action_link_error_response(request, error)
    if occurrence.answer != ReminderAnswer.YES:
        services.occurrence_answer(occurrence=occurrence, answer=ReminderAnswer.NO)
    plan = occurrence.plan
    return render(
        request,
        "microlearn_lms/plans/not_this_time.html",
        {"plan": plan, "occurrence": occurrence, "page_url": _challenge_page(plan.enrolment.course_id)},
    )


@csrf_exempt
def unsubscribe(request, token: str):
    """GET: a confirmation page. POST (RFC 8058 one-click, or the page's button): unsubscribe.

    No login and no CSRF token: the signed link is the proof, and mail providers POST
    ``List-Unsubscribe=One-Click`` without cookies."""
    try:
        payload = read_action_token(UNSUBSCRIBE, token, max_age=unsubscribe_max_age())
    except ActionLinkError as error:
        return action_link_error_response(request, error)
    user = get_user_model().objects.filter(pk=payload.get("u")).first()
    if user is None:
        return action_link_error_response(request, ActionLinkError("invalid"))
    done = False
    if request.method == "POST":
        preference_services.participant_unsubscribe(user=user)
        done = True
    elif request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    return render(request, "microlearn_lms/plans/unsubscribe.html", {"done": done, "token": token})


# --- Account sections -----------------------------------------------------------------------------


def practice_emails_section(request):
    prefs = preferences_for(user=request.user)
    form = getattr(request, "_practice_emails_form", None) or PracticeEmailsForm(instance=prefs)
    return {"template": "microlearn_lms/account/_practice_emails.html", "order": 30, "form": form, "prefs": prefs}


def calendar_section(request):
    prefs = preferences_for(user=request.user)
    feed_url = None
    if prefs.calendar_token:
        feed_url = conf.base_url() + reverse("microlearn_lms:calendar_feed", args=[prefs.calendar_token])
    return {"template": "microlearn_lms/account/_calendar.html", "order": 40, "feed_url": feed_url}


@login_required
@require_POST
def practice_emails_save(request):
    form = PracticeEmailsForm(request.POST, instance=preferences_for(user=request.user))
    if form.is_valid():
        try:
            preference_services.preferences_update(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, "Your practice email choices are saved.")
            return redirect(reverse("microlearn_lms:account") + "#practice-emails")
    request._practice_emails_form = form
    response = account_page(request)
    response.status_code = 400
    return response


@login_required
@require_POST
def calendar_token(request):
    if request.POST.get("action") == "revoke":
        preference_services.calendar_token_revoke(user=request.user)
        messages.success(request, "Your calendar feed is switched off. The old address no longer works.")
    else:
        preference_services.calendar_token_rotate(user=request.user)
        messages.success(request, "Your calendar feed has a new address. The old one no longer works.")
    return redirect(reverse("microlearn_lms:account") + "#calendar")


def dashboard_section(request):
    """The /learn/ section: the participant's coming plans (bounded), each with "Add to calendar"."""
    plans = selectors.plans_upcoming(user=request.user)
    if not plans:
        return None
    return {"template": "microlearn_lms/plans/_dashboard.html", "order": 22, "plans": plans}
