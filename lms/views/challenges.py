"""Participant pages of the weekly challenges: the challenge page, entry edits and "Track your wins".

Views only translate between HTTP and the services/selectors in ``lms/services/challenges.py``
and ``lms/selectors/challenges.py``. Another person's entry answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from courses.models import ChallengeKind

from .. import challenge_charts, services, weeks
from ..challenge_forms import OutcomeForm, apply_service_errors, log_form
from ..models import Outcome, Setting
from ..plan_forms import PlanForm, plan_choice_field
from ..selectors import badges as badge_selectors
from ..selectors import challenges as selectors
from ..selectors import plans as plan_selectors
from ..selectors.practice import checkin_wins
from ..services import plans as plan_services

HISTORY_PER_PAGE = 20


def _saved_message(kind) -> str:
    if kind == ChallengeKind.PRACTICE:
        return "Practice session saved to your practice log."
    return "Entry saved to your practice log."


def _page_url(course_id: int) -> str:
    return reverse("microlearn_lms:challenges", args=[course_id])


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _entry_context(log) -> dict:
    return {"log": log, "course": log.enrolment.course, "page_url": _page_url(log.enrolment.course_id)}


def _with_plans(form, plans, initial=None):
    """Offer the challenge's plans on a log form ("Which plan did this keep?")."""
    if form is not None and plans:
        form.fields["plan"] = plan_choice_field(plans)
        if initial is not None:
            form.fields["plan"].initial = initial
        form.order_fields(["challenge", "occurred_on", "plan"])
    return form


def _plan_post(request, enrolment, programme):
    """The plan form's POST: a redirect once saved, else the bound form with its errors."""
    challenge = programme.get_open(request.POST.get("challenge", ""))
    form = PlanForm(request.POST, prefix="plan", kind=challenge.kind if challenge else None)
    if challenge is None:
        form.add_error(None, "Choose one of your open challenges.")
    elif form.is_valid():
        try:
            plan_services.plan_create(enrolment=enrolment, challenge=challenge, data=form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Plan saved. We will remind you at that time.")
            return (
                challenge,
                form,
                redirect(f"{_page_url(enrolment.course_id)}?challenge={challenge.uuid}#plans-heading"),
            )
    return challenge, form, None


@login_required
def challenge_page(request, course_id: int):
    enrolment = selectors.challenge_enrolment_get(user=request.user, course_id=course_id)
    programme = selectors.challenge_programme(enrolment=enrolment)
    challenge = programme.get_open(request.GET.get("challenge", "")) or programme.current_challenge
    form = plan_form = None
    posted_form = request.POST.get("form") if request.method == "POST" else None
    if posted_form == "plan":
        posted, plan_form, response = _plan_post(request, enrolment, programme)
        if response is not None:
            return response
        challenge = posted or challenge
    elif request.method == "POST":
        posted = next((c for c in programme.challenges if str(c.uuid) == request.POST.get("challenge")), challenge)
        kind = posted.kind if posted else ChallengeKind.NETWORKING
        form = log_form(kind, request.POST, prefix="log")
        if posted is not None:
            _with_plans(form, plan_selectors.plans_for_challenge(enrolment=enrolment, challenge=posted))
        if form.is_valid():
            try:
                services.challenge_log_create(
                    enrolment=enrolment, challenge=form.cleaned_data["challenge"], data=form.cleaned_data
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _saved_message(posted.kind if posted else None))
                return redirect(_page_url(course_id) + "#main")
        challenge = posted
    if form is None and challenge is not None:
        form = log_form(
            challenge.kind, prefix="log", initial={"challenge": challenge.uuid, "occurred_on": programme.today}
        )
        plans = plan_selectors.plans_for_challenge(enrolment=enrolment, challenge=challenge)
        chosen = next((p.uuid for p in plans if str(p.uuid) == request.GET.get("plan")), None)
        _with_plans(form, plans, initial=chosen)
    if form is not None and challenge is not None and len(challenge.openers) and "opener" in form.fields:
        form.fields["opener"].widget.attrs["list"] = "opener-suggestions"
    if plan_form is None and challenge is not None:
        plan_form = PlanForm(prefix="plan", initial={"day": programme.today}, kind=challenge.kind)
    history = Paginator(selectors.challenge_history(programme=programme), HISTORY_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "course": enrolment.course,
        "programme": programme,
        "challenge": challenge,
        "form": form,
        "plan_form": plan_form,
        "plans": plan_selectors.plans_upcoming(user=request.user, course_id=course_id),
        "cue_suggestions": plan_selectors.cue_suggestions(challenge) if challenge else [],
        "action_suggestions": plan_selectors.action_suggestions(challenge) if challenge else [],
        "history": history,
        "follow_ups": (
            selectors.challenge_follow_ups_due(user=request.user, today=programme.today, course_id=course_id)
            if programme.has_networking
            else []
        ),
        "outcome_choices": Outcome.choices,
        "today": programme.today,
        "badge": badge_selectors.badge_card(programme=programme) if enrolment.course.badge_enabled else None,
    }
    has_errors = (form is not None and form.errors) or (plan_form is not None and plan_form.errors)
    return render(request, "microlearn_lms/challenges/challenge_page.html", context, status=400 if has_errors else 200)


@login_required
def entry_edit(request, entry):
    log = selectors.challenge_log_for_author(user=request.user, uuid=entry)
    kind = log.challenge.kind
    plans = plan_selectors.plans_for_challenge(enrolment=log.enrolment, challenge=log.challenge)
    if request.method == "POST":
        form = _with_plans(log_form(kind, request.POST, with_challenge=False), plans)
        if form.is_valid():
            try:
                services.challenge_log_update(log=log, user=request.user, data=form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                updated = "Practice session updated." if kind == ChallengeKind.PRACTICE else "Entry updated."
                messages.success(request, updated)
                return redirect(_page_url(log.enrolment.course_id))
    else:
        initial = {name: getattr(log, name) for name in log_form(kind).fields if name != "challenge"}
        form = _with_plans(log_form(kind, initial=initial, with_challenge=False), plans)
        if "plan" in form.fields and log.plan_id:
            form.initial["plan"] = log.plan.uuid
    context = {**_entry_context(log), "form": form}
    return render(request, "microlearn_lms/challenges/entry_edit.html", context, status=400 if form.errors else 200)


@login_required
def entry_delete(request, entry):
    log = selectors.challenge_log_for_author(user=request.user, uuid=entry)
    if request.method == "POST":
        services.challenge_log_delete(log=log, user=request.user)
        messages.success(request, "Entry deleted.")
        return redirect(_page_url(log.enrolment.course_id))
    return render(request, "microlearn_lms/challenges/entry_confirm_delete.html", _entry_context(log))


@login_required
@require_POST
def entry_follow_up_done(request, entry):
    log = selectors.challenge_log_for_author(user=request.user, uuid=entry)
    try:
        services.challenge_log_follow_up_done(log=log, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Follow-up marked as done.")
    return redirect(_next_url(request, _page_url(log.enrolment.course_id)))


@login_required
@require_POST
def entry_outcome(request, entry):
    log = selectors.challenge_log_for_author(user=request.user, uuid=entry)
    form = OutcomeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["outcome"])
        services.challenge_log_set_outcome(log=log, user=request.user, outcome=form.cleaned_data["outcome"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Outcome updated: {log.get_outcome_display()}.")
    return redirect(_next_url(request, _page_url(log.enrolment.course_id)))


LOGGED_AND_WINS = ["Logged", "Led somewhere"]


def _pairs(rows: list[dict], key: str) -> list[tuple]:
    return [(row[key], [row["total"], row["wins"]]) for row in rows]


def _pairs_desc(rows: list[dict], key: str, prefix: str = "") -> str:
    return "; ".join(f"{prefix}{row[key]}: {row['total']} logged, {row['wins']} led somewhere" for row in rows) + "."


def _wins_charts(wins) -> dict:
    charts = {}
    if wins.funnel:
        funnel = wins.funnel
        charts["funnel"] = challenge_charts.horizontal_bars(
            id="chart-funnel",
            title="From conversation to win",
            desc=(
                f"{funnel['logged']} conversations logged, {funnel['followed_up']} followed up, "
                f"{funnel['wins']} led to an outcome beyond “none yet”."
            ),
            rows=[
                ("Logged", [funnel["logged"]]),
                ("Followed up", [funnel["followed_up"]]),
                ("Led somewhere", [funnel["wins"]]),
            ],
            series=["Entries"],
        )
        charts["settings"] = challenge_charts.horizontal_bars(
            id="chart-settings",
            title="Conversations and wins by setting",
            desc=_pairs_desc(wins.by_setting, "label"),
            rows=_pairs(wins.by_setting, "label"),
            series=LOGGED_AND_WINS,
        )
        charts["weekly"] = challenge_charts.weekly_columns(
            id="chart-weekly",
            title="Conversations and wins per programme week",
            desc=_pairs_desc(wins.weekly, "week", prefix="week "),
            weeks=_pairs(wins.weekly, "week"),
            series=LOGGED_AND_WINS,
        )
    if wins.practice is not None:
        charts.update(_practice_charts(wins.practice))
    return charts


def _calm(value) -> str:
    return "no rating" if value is None else f"{value:g}"


def _practice_charts(practice) -> dict:
    weeks_shown = practice.active_weeks
    return {
        "practice": challenge_charts.weekly_columns(
            id="chart-practice",
            title="Minutes practised per programme week",
            desc="; ".join(f"week {row['week']}: {row['minutes']} minutes" for row in practice.weekly) + ".",
            weeks=[(row["week"], [row["minutes"]]) for row in practice.weekly],
            series=["Minutes"],
        ),
        "calm": challenge_charts.weekly_columns(
            id="chart-calm",
            title="Average calm before and after practising, per programme week (1 tense, 10 calm)",
            desc=(
                "; ".join(
                    f"week {row['week']}: {_calm(row['calm_before'])} before, {_calm(row['calm_after'])} after"
                    for row in weeks_shown
                )
                or "No practice sessions yet"
            )
            + ".",
            weeks=[(row["week"], [row["calm_before"] or 0, row["calm_after"] or 0]) for row in practice.weekly],
            series=["Calm before", "Calm after"],
        ),
    }


@login_required
def wins_page(request, course_id: int):
    enrolment = selectors.challenge_enrolment_get(user=request.user, course_id=course_id)
    programme = selectors.challenge_programme(enrolment=enrolment, with_counts=False)
    wins = selectors.challenge_wins(programme=programme)
    context = {
        "checkins": checkin_wins(enrolment=enrolment, start=programme.start) if programme.has_networking else None,
        "course": enrolment.course,
        "programme": programme,
        "wins": wins,
        "charts": _wins_charts(wins),
        "settings": Setting,
    }
    return render(request, "microlearn_lms/challenges/wins.html", context)


def dashboard_section(request):
    """The /learn/ section: due and overdue follow-ups (one click to mark done) and links per course."""
    enrolments = selectors.challenge_enrolments(user=request.user)
    if not enrolments:
        return None
    today = weeks.local_today()
    has_networking = any(enrolment.has_networking for enrolment in enrolments)
    return {
        "template": "microlearn_lms/challenges/_dashboard.html",
        "order": 20,
        "enrolments": enrolments,
        "follow_ups": selectors.challenge_follow_ups_due(user=request.user, today=today) if has_networking else [],
        "has_networking": has_networking,
        "today": today,
    }
