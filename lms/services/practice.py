"""Write side of practice after the course: outcome check-ins and spaced boosters (docs/practice.md).

Check-ins. A networking entry whose outcome is still "none yet" gets one "Did this lead
anywhere?" email at each of ``MICROLEARN_CHECKIN_STAGES_DAYS`` (30, 60, 90 days after the
conversation). ``checkin_send`` claims a unique (entry, stage) row *before* sending, so a
second run, or a second worker at the same time, sends nothing: at most once, never twice
(a send that fails leaves the row claimed, and it is not retried). Each outcome in the email
is a signed link that expires (``lms.links``); answering updates the entry's outcome through
``challenge_log_set_outcome``, so the outcome history records it like any other change.

Boosters. ``booster_cards_seed`` gives every question of a passed quiz a card, due two days
after the pass; ``booster_submit`` records answers with the pure schedule of ``lms.boosters``.

Every email checks, when it is sent: the person has not unsubscribed from practice emails,
the email's own switch is on, and the enrolment is not withdrawn (otherwise it is skipped for
good); and that it is not the person's quiet hours and their weekly cap of practice emails is
not reached (otherwise the claim is released and a later run sends it).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from courses.models import ChallengeKind, ModulePage

from .. import boosters, grading
from ..conf import conf
from ..links import action_url, make_action_token
from ..models import (
    BoosterCard,
    BoosterDigest,
    ChallengeLog,
    CheckIn,
    CheckInStatus,
    EnrolmentStatus,
    ModuleProgress,
    Outcome,
    PlanOccurrence,
    ReminderStatus,
)
from ..selectors.practice import checkins_due, digest_recipients
from ..selectors.preferences import preferences_for
from .challenges import challenge_log_set_outcome
from .quiz import questions_of
from .reminders import unsubscribe_url

CHECKIN_PURPOSE = "checkin"
CHECKIN_URL_NAME = "microlearn_lms:checkin_answer"
BATCH = 500


# --- Shared by every practice email ----------------------------------------------------------


def unsubscribe_headers(user) -> dict[str, str]:
    """``List-Unsubscribe`` (RFC 2369) and one-click (RFC 8058) headers for ``user``: the same
    one-click link as the plan reminders (``lms.services.reminders.unsubscribe_url``)."""
    url = unsubscribe_url(user.pk)
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def email_decision(*, user, switch: str, now: dt.datetime, enrolment=None) -> str:
    """Whether a practice email of kind ``switch`` goes to ``user`` now, read at send time:
    "send"; "skip" (unsubscribed, switched off, inactive, withdrawn: never); or "wait" (quiet
    hours, or the weekly cap reached: a later run sends it)."""
    if not user.is_active or not user.email:
        return "skip"
    if enrolment is not None and enrolment.status == EnrolmentStatus.WITHDRAWN:
        return "skip"
    prefs = preferences_for(user=user)
    if prefs.unsubscribed_at is not None or not getattr(prefs, switch):
        return "skip"
    if in_quiet_hours(prefs, now) or practice_emails_in_week(user, now) >= prefs.weekly_email_cap:
        return "wait"
    return "send"


def in_quiet_hours(prefs, now: dt.datetime) -> bool:
    """Whether ``now`` falls in the person's quiet hours, in their time zone (else the site's)."""
    start, end = prefs.quiet_hours_start, prefs.quiet_hours_end
    if start is None or end is None or start == end:
        return False
    try:
        zone = zoneinfo.ZoneInfo(prefs.timezone) if prefs.timezone else timezone.get_default_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    local = now.astimezone(zone).time()
    return start <= local < end if start < end else (local >= start or local < end)


def practice_emails_in_week(user, now: dt.datetime) -> int:
    """Every practice email sent to ``user`` in the seven days before ``now``: check-ins,
    booster emails and plan reminders (one weekly cap for all of them)."""
    since = now - dt.timedelta(days=7)
    checkins = CheckIn.objects.filter(log__enrolment__user=user, sent_at__gte=since).count()
    reminders = PlanOccurrence.objects.filter(user=user, status=ReminderStatus.SENT, sent_at__gte=since).count()
    return checkins + reminders + BoosterDigest.objects.filter(user=user, sent_at__gte=since).count()


def _send(*, user, subject: str, body: str) -> None:
    EmailMessage(subject, body, None, [user.email], headers=unsubscribe_headers(user)).send()


# --- Check-ins -------------------------------------------------------------------------------


def checkin_link(checkin: CheckIn, outcome: str) -> str:
    return action_url(CHECKIN_URL_NAME, make_action_token(CHECKIN_PURPOSE, {"c": checkin.pk, "o": outcome}))


def checkin_send(*, log_id: int, stage: int, now: dt.datetime | None = None) -> str:
    """Claim (entry, stage) and send its check-in. Returns "sent", "skipped" or "already"."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(log_id=log_id, stage=stage, claimed_at=now)
    except IntegrityError:
        return "already"  # another run or worker claimed it: it is theirs to send
    log = ChallengeLog.objects.select_related("enrolment__user", "challenge").get(pk=log_id)
    user = log.enrolment.user
    decision = email_decision(user=user, switch="checkin_emails", now=now, enrolment=log.enrolment)
    if log.outcome != Outcome.NONE_YET or log.challenge.kind != ChallengeKind.NETWORKING or decision == "skip":
        CheckIn.objects.filter(pk=checkin.pk).update(status=CheckInStatus.SKIPPED)
        return "skipped"
    if decision == "wait":
        CheckIn.objects.filter(pk=checkin.pk, sent_at__isnull=True).delete()  # let a later run claim it
        return "deferred"
    links = [(label, checkin_link(checkin, value)) for value, label in Outcome.choices]
    body = render_to_string(
        "microlearn_lms/practice/checkin_email.txt",
        {
            "user": user,
            "log": log,
            "stage": stage,
            "links": links,
            "site_name": conf.site_name(),
            "max_age_days": conf.CHECKIN_LINK_MAX_AGE_DAYS,
        },
    )
    _send(user=user, subject="Did this lead anywhere?", body=body)
    CheckIn.objects.filter(pk=checkin.pk).update(status=CheckInStatus.SENT, sent_at=timezone.now())
    return "sent"


def checkins_run(*, now: dt.datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    """Send every check-in due at ``now`` (idempotent; safe with several workers)."""
    now = now or timezone.now()
    counts = {"sent": 0, "skipped": 0, "already": 0, "deferred": 0}
    for log_id, stage in checkins_due(now=now, limit=limit):
        counts[checkin_send(log_id=log_id, stage=stage, now=now)] += 1
    return counts


def checkin_answer(*, checkin_id: int, outcome: str, now: dt.datetime | None = None) -> tuple[CheckIn, bool]:
    """Record the answer of a check-in link once. Returns (check-in, recorded_now).

    A win updates the entry's outcome (and its history) through ``challenge_log_set_outcome``;
    "none yet" is recorded as an answer and changes nothing else. A second answer changes
    nothing. A withdrawn enrolment, or an entry that is gone, answers 404.
    """
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose an outcome from the list."})
    now = now or timezone.now()
    with transaction.atomic():
        checkin = (
            CheckIn.objects.select_for_update(of=("self",))
            .select_related("log__enrolment__user", "log__challenge")
            .filter(pk=checkin_id)
            .first()
        )
        if checkin is None:
            raise Http404("No such check-in.")
        if checkin.answered_at is not None:
            return checkin, False
        log = checkin.log
        if outcome != Outcome.NONE_YET:
            challenge_log_set_outcome(log=log, user=log.enrolment.user, outcome=outcome)
        elif log.enrolment.status == EnrolmentStatus.WITHDRAWN:
            raise Http404("No such entry.")
        checkin.answered_at, checkin.answer = now, outcome
        checkin.save(update_fields=["answered_at", "answer"])
    return checkin, True


@task()
def send_checkins_task() -> dict:
    """The periodic job (hourly or daily): ``manage.py practice_emails`` runs the same."""
    return checkins_run()


# --- Boosters --------------------------------------------------------------------------------


def intervals() -> tuple[int, ...]:
    return boosters.check_intervals(conf.BOOSTER_INTERVALS_DAYS)


def booster_cards_seed(*, now: dt.datetime | None = None, limit: int = BATCH) -> int:
    """Give each question of every recently passed quiz a booster card. Idempotent.

    "Recently": passed within the schedule's span (90 days by default), so enabling boosters
    does not send a year-old module's questions. Returns the number of cards created.
    """
    now = now or timezone.now()
    steps = intervals()
    has_cards = BoosterCard.objects.filter(enrolment_id=OuterRef("enrolment_id"), module_id=OuterRef("module_id"))
    passed = list(
        ModuleProgress.objects.filter(
            quiz_passed_at__isnull=False, quiz_passed_at__gte=now - dt.timedelta(days=boosters.span_days(steps))
        )
        .exclude(enrolment__status=EnrolmentStatus.WITHDRAWN)
        .exclude(Exists(has_cards))
        .values_list("enrolment_id", "module_id", "quiz_passed_at")[:limit]
    )
    modules = {m.pk: m for m in ModulePage.objects.filter(pk__in={module_id for _, module_id, _ in passed})}
    cards = []
    for enrolment_id, module_id, passed_at in passed:
        module = modules.get(module_id)
        if module is None:
            continue
        due = boosters.first_due(passed_at, steps).due_at
        cards += [
            BoosterCard(enrolment_id=enrolment_id, module_id=module_id, question_id=qid, due_at=due, created_at=now)
            for qid in questions_of(module)
        ]
    BoosterCard.objects.bulk_create(cards, ignore_conflicts=True, batch_size=BATCH)
    return len(cards)


def _selected_ok(question: grading.Question, selected: list[str]) -> frozenset[str]:
    chosen = frozenset(selected)
    if not chosen:
        raise ValidationError("Answer every question of the booster.")
    if len(chosen) != len(selected) or not chosen <= {o.id for o in question.options}:
        raise ValidationError("An answer names an option that does not belong to its question.")
    if question.kind in (grading.SINGLE, grading.TRUE_FALSE) and len(chosen) != 1:
        raise ValidationError("Choose exactly one option for single-choice and true/false questions.")
    return chosen


def booster_submit(*, user, answers: dict[int, tuple[int, list[str]]], now: dt.datetime | None = None) -> list[dict]:
    """Record a booster: ``answers`` maps card id → (version shown, selected option ids).

    All or nothing. A card of another person, or not due, is 404. A card whose version has
    moved on was already answered (a double submission): it is reported, not counted again.
    Returns one result per card: {"card", "correct" (None when already answered), "question"}.
    """
    now = now or timezone.now()
    steps = intervals()
    results = []
    with transaction.atomic():
        cards = {
            card.pk: card
            for card in BoosterCard.objects.select_for_update(of=("self",))
            .select_related("module")
            .filter(pk__in=list(answers), enrolment__user=user)
            .exclude(enrolment__status=EnrolmentStatus.WITHDRAWN)
        }
        if set(cards) != set(answers):
            raise Http404("No such booster question.")
        for card_id, (version, selected) in answers.items():
            card = cards[card_id]
            question = questions_of(card.module).get(card.question_id)
            if question is None:
                raise Http404("This question is no longer part of the module's quiz.")
            if card.version != version:
                results.append({"card": card, "correct": None, "question": question})
                continue
            if card.due_at is None or card.due_at > now:
                raise Http404("This booster question is not due.")
            correct = grading.question_score(question, _selected_ok(question, selected)) == 1
            state = boosters.next_due(boosters.CardState(card.streak, card.due_at), correct, now, steps)
            card.streak, card.due_at = state.streak, state.due_at
            card.reviews += 1
            card.correct += correct
            card.version += 1
            card.last_answered_at = now
            card.save(update_fields=["streak", "due_at", "reviews", "correct", "version", "last_answered_at"])
            results.append({"card": card, "correct": correct, "question": question})
    return results


def iso_week(now: dt.datetime) -> str:
    year, week, _ = timezone.localtime(now).isocalendar()
    return f"{year}-W{week:02d}"


def booster_digest_send(*, user_id: int, due: int, now: dt.datetime | None = None) -> str:
    """The weekly booster email to one person: claimed per ISO week, so at most one a week."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            digest = BoosterDigest.objects.create(user_id=user_id, week=iso_week(now), questions=due)
    except IntegrityError:
        return "already"
    user = get_user_model().objects.get(pk=user_id)
    decision = email_decision(user=user, switch="booster_emails", now=now)
    if decision == "skip":
        return "skipped"
    if decision == "wait":
        BoosterDigest.objects.filter(pk=digest.pk, sent_at__isnull=True).delete()  # a later run sends it
        return "deferred"
    body = render_to_string(
        "microlearn_lms/practice/booster_email.txt",
        {"user": user, "due": due, "url": conf.base_url() + reverse("microlearn_lms:learn"), "site": conf.site_name()},
    )
    _send(user=user, subject=f"{min(due, boosters.BOOSTER_SIZE)} questions to keep what you learned", body=body)
    BoosterDigest.objects.filter(pk=digest.pk).update(sent_at=timezone.now())
    return "sent"


def booster_digests_run(*, now: dt.datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    """Seed new cards, then email everyone who opted in and has boosters due (once a week)."""
    now = now or timezone.now()
    seeded = booster_cards_seed(now=now, limit=limit)
    counts = {"seeded": seeded, "sent": 0, "skipped": 0, "already": 0, "deferred": 0}
    for user_id, due in digest_recipients(now=now, week=iso_week(now), limit=limit):
        counts[booster_digest_send(user_id=user_id, due=due, now=now)] += 1
    return counts


@task()
def send_booster_digests_task() -> dict:
    return booster_digests_run()
