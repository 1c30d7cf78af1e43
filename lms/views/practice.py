"""Participant pages of practice after the course: check-in answers (from email links) and boosters.

A check-in link is signed and expires (``lms.links``): a tampered or expired one gets the
friendly error page and changes nothing. Opening the link shows the answer and one button to
record it (email scanners open links by themselves; only the POST changes anything).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ..conf import conf
from ..links import ActionLinkError, action_link_error_response, read_action_token
from ..models import CheckIn, Outcome
from ..selectors import practice as selectors
from ..services import practice as services

DAY = 24 * 3600


def _read_checkin_token(token: str) -> tuple[int, str]:
    payload = read_action_token(services.CHECKIN_PURPOSE, token, max_age=conf.CHECKIN_LINK_MAX_AGE_DAYS * DAY)
    checkin_id, outcome = payload.get("c"), payload.get("o")
    if not isinstance(checkin_id, int) or outcome not in Outcome.values:
        raise ActionLinkError("invalid")
    return checkin_id, outcome


def checkin_answer(request, token: str):
    """GET: confirm the answer chosen in the email; POST: record it (once)."""
    try:
        checkin_id, outcome = _read_checkin_token(token)
    except ActionLinkError as error:
        return action_link_error_response(request, error)
    checkin = CheckIn.objects.select_related("log__challenge", "log__enrolment").filter(pk=checkin_id).first()
    if checkin is None:
        raise Http404("No such check-in.")
    context = {
        "log": checkin.log,
        "answer": outcome,
        "answer_label": Outcome(outcome).label,
        "recorded": False,
        "already": False,
    }
    if request.method == "POST":
        checkin, recorded_now = services.checkin_answer(checkin_id=checkin_id, outcome=outcome)
        context.update(recorded=True, already=not recorded_now, answer=checkin.answer)
        context["answer_label"] = Outcome(checkin.answer).label
    elif checkin.answered_at is not None:
        context.update(recorded=True, already=True, answer=checkin.answer, answer_label=Outcome(checkin.answer).label)
    return render(request, "microlearn_lms/practice/checkin_answer.html", context)


# --- Boosters --------------------------------------------------------------------------------


def question_view(module, question_id: str) -> dict | None:
    """The text, options and explanation of one quiz question (never which option is right)."""
    for block in module.quiz:
        if block.id == question_id:
            value = block.value
            return {
                "text": value["text"],
                "kind": value["kind"],
                "explanation": value.get("explanation") or "",
                "options": [{"id": child.id, "text": child.value["text"]} for child in value["options"].bound_blocks],
            }
    return None


def boosters_section(request):
    """The /learn/ section: the next three due questions and retention per module (two queries)."""
    retention = selectors.retention_by_module(user=request.user)
    if not retention:
        return None
    cards = []
    for card in selectors.boosters_due(user=request.user, now=timezone.now()):
        view = question_view(card.module, card.question_id)
        if view is not None:
            cards.append({"id": card.pk, "version": card.version, "module_title": card.module.title, **view})
    return {"template": "microlearn_lms/practice/_boosters.html", "order": 15, "cards": cards, "retention": retention}


def _posted_answers(post) -> dict[int, tuple[int, list[str]]]:
    answers = {}
    for raw in post.getlist("card")[:10]:
        try:
            card_id, version = int(raw), int(post.get(f"v-{raw}", ""))
        except ValueError:
            raise Http404("No such booster question.") from None
        answers[card_id] = (version, post.getlist(f"q-{raw}"))
    if not answers:
        raise Http404("No booster question was sent.")
    return answers


@login_required
@require_POST
def booster_answer(request):
    answers = _posted_answers(request.POST)
    try:
        results = services.booster_submit(user=request.user, answers=answers)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages) + " Nothing was recorded; try again.")
        return redirect("microlearn_lms:learn")
    counted = [r for r in results if r["correct"] is not None]
    if not counted:
        messages.info(request, "These answers were already recorded.")
        return redirect("microlearn_lms:learn")
    right = sum(1 for r in counted if r["correct"])
    messages.success(request, f"Booster done: {right} of {len(counted)} right.")
    for result in counted:
        card = result["card"]
        view = question_view(card.module, card.question_id) or {"text": "", "explanation": ""}
        verdict = "Right" if result["correct"] else "Not quite; it comes back in a couple of days"
        explanation = f" {view['explanation']}" if view["explanation"] else ""
        messages.info(request, f"{view['text']}: {verdict}.{explanation}")
    return redirect("microlearn_lms:learn")
