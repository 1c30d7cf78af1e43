"""Write side of the practice log: entries against weekly challenges.

The rules live in ``_clean`` and apply to every caller (pages, admin, API):

* the entry's enrolment is current (active or completed) and follows the challenge's course;
* the challenge has opened (its week <= the participant's current week, ``lms/weeks.py``);
* the date is not in the future, not before the programme started, not before the challenge opened;
* networking entries: a setting from the list; follow-up none, planned (with a due date on or
  after the date) or done (with a date, today by default); an outcome from the list;
* practice entries: minutes (1-600) and calm before/after (1-10) instead of who/opener/outcome;
* text limits: who 200, opener 300, learned 1,000, notes 2,000 characters;
* the plan it kept (optional) is one of the participant's plans for this challenge; saving the
  entry answers that plan's "Did you do it?" reminder with yes (``lms/services/plans.py``).

Breaking a rule raises ``django.core.exceptions.ValidationError`` with a message per field and
saves nothing. Only an entry's author can change it: anyone else gets ``Http404``. Every outcome
change sets ``outcome_changed_at`` and adds a ``ChallengeLogOutcomeChange`` row. Creating or
editing an entry, or marking its follow-up done, evaluates the practice badge in the same
transaction (``lms/services/badges.py``); deleting one does not take a badge back.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from courses.models import Challenge, ChallengeKind

from .. import outbox, weeks
from ..models import (
    ChallengeLog,
    ChallengeLogOutcomeChange,
    Enrolment,
    EnrolmentStatus,
    FollowUp,
    LearningEventType,
    Outcome,
    Setting,
)
from ..selectors.challenges import enrolment_programme_start
from .badges import evaluate_practice_badge
from .plans import plan_kept
from .summaries import refresh_streak

TEXT_LIMITS = {"who": 200, "opener": 300, "learned": 1000, "notes": 2000}
MINUTES = (1, 600)
CALM = (1, 10)
NETWORKING_TEXT = ("who", "opener", "learned")


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


class _Errors(dict):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def _clean_programme(errors, *, enrolment, challenge, occurred_on, today, check_open) -> None:
    start = enrolment_programme_start(enrolment)
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        errors.add(NON_FIELD_ERRORS, "This enrolment was withdrawn, so nothing more can be logged.")
    if challenge.course_id != enrolment.course_id:
        errors.add("challenge", "That challenge is not part of your programme.")
        return
    opens_on = weeks.week_bounds(start, challenge.week)[0]
    if check_open and challenge.week > weeks.week_of(start, today):
        errors.add(
            "challenge",
            f"“{challenge.title}” opens in week {challenge.week}, on {_long_date(opens_on)}. "
            "You can log against it from then.",
        )
    if occurred_on is None:
        errors.add("occurred_on", "Enter the date, for example 2026-03-14.")
    elif occurred_on > today:
        errors.add("occurred_on", "The date cannot be in the future.")
    elif occurred_on < start:
        errors.add("occurred_on", f"The date cannot be before your programme started on {_long_date(start)}.")
    elif occurred_on < opens_on:
        errors.add("occurred_on", f"This challenge opened on {_long_date(opens_on)}; choose a date from then on.")


def _clean_networking(errors, data, values, *, today) -> None:
    values["setting"] = data.get("setting") or ""
    if values["setting"] not in Setting.values:
        errors.add("setting", "Choose where it happened from the list.")
    values["follow_up"] = data.get("follow_up") or FollowUp.NONE
    values["follow_up_due"] = values["follow_up_done_on"] = None
    occurred_on = values["occurred_on"]
    if values["follow_up"] == FollowUp.PLANNED:
        due = values["follow_up_due"] = _date(data.get("follow_up_due"))
        if due is None:
            errors.add("follow_up_due", "Enter the date the follow-up is due.")
        elif occurred_on and due < occurred_on:
            errors.add("follow_up_due", "The follow-up cannot be due before the conversation.")
    elif values["follow_up"] == FollowUp.DONE:
        done = values["follow_up_done_on"] = _date(data.get("follow_up_done_on")) or today
        if done > today:
            errors.add("follow_up_done_on", "The follow-up date cannot be in the future.")
        elif occurred_on and done < occurred_on:
            errors.add("follow_up_done_on", "The follow-up cannot come before the conversation.")
    elif values["follow_up"] != FollowUp.NONE:
        errors.add("follow_up", "Choose a follow-up from the list.")
    values["outcome"] = data.get("outcome") or Outcome.NONE_YET
    if values["outcome"] not in Outcome.values:
        errors.add("outcome", "Choose an outcome from the list.")
    values.update(minutes=None, calm_before=None, calm_after=None)


def _clean_practice(errors, data, values) -> None:
    for name, (low, high), label in (
        ("minutes", MINUTES, "minutes you practised"),
        ("calm_before", CALM, "calm rating before"),
        ("calm_after", CALM, "calm rating after"),
    ):
        number = values[name] = _int(data.get(name))
        if number is None or not low <= number <= high:
            errors.add(name, f"Enter the {label}, a whole number from {low} to {high}.")
    values.update(dict.fromkeys(NETWORKING_TEXT, ""))
    values.update(
        setting="", follow_up=FollowUp.NONE, follow_up_due=None, follow_up_done_on=None, outcome=Outcome.NONE_YET
    )


def _clean(*, enrolment: Enrolment, challenge: Challenge, data: dict, today: dt.date, check_open: bool) -> dict:
    """Validated field values for an entry, or ValidationError (see the module docstring)."""
    errors = _Errors()
    values: dict = {"occurred_on": _date(data.get("occurred_on"))}
    _clean_programme(
        errors,
        enrolment=enrolment,
        challenge=challenge,
        occurred_on=values["occurred_on"],
        today=today,
        check_open=check_open,
    )
    texts = ("notes",) if challenge.kind == ChallengeKind.PRACTICE else ("notes", *NETWORKING_TEXT)
    for name in texts:
        values[name] = str(data.get(name) or "").strip()
        if len(values[name]) > TEXT_LIMITS[name]:
            errors.add(name, f"Keep this to {TEXT_LIMITS[name]:,} characters (it has {len(values[name]):,}).")
    if challenge.kind == ChallengeKind.PRACTICE:
        _clean_practice(errors, data, values)
    else:
        _clean_networking(errors, data, values, today=today)
    if "plan" in data:  # absent: an update keeps the entry's plan
        plan = values["plan"] = data.get("plan") or None
        if plan is not None and (plan.enrolment_id != enrolment.pk or plan.challenge_id != challenge.pk):
            errors.add("plan", "Choose one of your plans for this challenge.")
    if errors:
        raise ValidationError(dict(errors))
    return values


def _check_author(log: ChallengeLog, user) -> None:
    enrolment = log.enrolment
    if enrolment.user_id != getattr(user, "pk", None) or enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise Http404("No such entry.")


def _record_outcome(log: ChallengeLog, *, previous: str, now) -> None:
    log.outcome_changed_at = now
    ChallengeLogOutcomeChange.objects.create(log=log, previous=previous, outcome=log.outcome, changed_at=now)


def _touch(enrolment: Enrolment, now) -> None:
    Enrolment.objects.filter(pk=enrolment.pk).update(last_activity_at=now)


def _log_facts(log: ChallengeLog) -> dict:
    """What an entry's learning record carries: ids, counts and choice codes, never its text
    (who, opener, learned, notes stay here)."""
    facts = {"log": str(log.uuid), "challenge": str(log.challenge.uuid), "kind": log.challenge.kind}
    if log.challenge.kind == ChallengeKind.PRACTICE:
        return facts | {"minutes": log.minutes, "calm_before": log.calm_before, "calm_after": log.calm_after}
    return facts | {"setting": log.setting, "outcome": log.outcome, "follow_up": log.follow_up}


def challenge_log_create(
    *, enrolment: Enrolment, challenge: Challenge, data: dict, today: dt.date | None = None
) -> ChallengeLog:
    """Log an entry against an open challenge of the participant's programme."""
    values = _clean(
        enrolment=enrolment, challenge=challenge, data=data, today=today or weeks.local_today(), check_open=True
    )
    now = timezone.now()
    with transaction.atomic():
        log = ChallengeLog.objects.create(enrolment=enrolment, challenge=challenge, **values)
        if log.plan_id:
            plan_kept(plan=log.plan, now=now)
        if log.outcome != Outcome.NONE_YET:
            _record_outcome(log, previous="", now=now)
            log.save(update_fields=["outcome_changed_at"])
        _touch(enrolment, now)
        refresh_streak(enrolment_id=enrolment.pk)
        outbox.record_learning(
            LearningEventType.CHALLENGE_LOGGED, enrolment_id=enrolment.pk, occurred_at=now, facts=_log_facts(log)
        )
        evaluate_practice_badge(enrolment_id=enrolment.pk)
    return log


def challenge_log_update(*, log: ChallengeLog, user, data: dict, today: dt.date | None = None) -> ChallengeLog:
    """Edit the author's own entry (same rules as creating; the challenge stays the same)."""
    _check_author(log, user)
    values = _clean(
        enrolment=log.enrolment,
        challenge=log.challenge,
        data=data,
        today=today or weeks.local_today(),
        check_open=False,
    )
    with transaction.atomic():
        previous = ChallengeLog.objects.select_for_update().values_list("outcome", flat=True).get(pk=log.pk)
        now = timezone.now()  # after the lock, so the history's order is the order of the changes
        kept = values.get("plan") is not None and values["plan"].pk != log.plan_id
        for name, value in values.items():
            setattr(log, name, value)
        if kept:
            plan_kept(plan=log.plan, now=now)
        if log.outcome != previous:
            _record_outcome(log, previous=previous, now=now)
        log.save()
        _touch(log.enrolment, now)
        refresh_streak(enrolment_id=log.enrolment_id)
        evaluate_practice_badge(enrolment_id=log.enrolment_id)
    return log


def challenge_log_set_outcome(*, log: ChallengeLog, user, outcome: str) -> ChallengeLog:
    """Update only the outcome, weeks later if need be; records when it changed."""
    _check_author(log, user)
    if log.challenge.kind == ChallengeKind.PRACTICE:
        raise ValidationError({"outcome": "Practice entries have no outcome."})
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose an outcome from the list."})
    with transaction.atomic():
        previous = ChallengeLog.objects.select_for_update().values_list("outcome", flat=True).get(pk=log.pk)
        now = timezone.now()  # after the lock, so the history's order is the order of the changes
        log.outcome = outcome
        if outcome != previous:
            _record_outcome(log, previous=previous, now=now)
            log.save(update_fields=["outcome", "outcome_changed_at", "updated_at"])
    return log


def challenge_log_follow_up_done(*, log: ChallengeLog, user, today: dt.date | None = None) -> ChallengeLog:
    """Mark the entry's follow-up done today (idempotent)."""
    _check_author(log, user)
    if log.challenge.kind == ChallengeKind.PRACTICE:
        raise ValidationError({"follow_up": "Practice entries have no follow-up."})
    today = today or weeks.local_today()
    with transaction.atomic():
        updated = (
            ChallengeLog.objects.filter(pk=log.pk)
            .exclude(follow_up=FollowUp.DONE)
            .update(follow_up=FollowUp.DONE, follow_up_done_on=max(today, log.occurred_on), updated_at=timezone.now())
        )
        if updated:
            _touch(log.enrolment, timezone.now())
            evaluate_practice_badge(enrolment_id=log.enrolment_id)
    log.refresh_from_db(fields=["follow_up", "follow_up_done_on", "updated_at"])
    return log


def challenge_log_delete(*, log: ChallengeLog, user) -> None:
    """Delete the author's own entry (and its outcome history)."""
    _check_author(log, user)
    with transaction.atomic():
        log.delete()
        refresh_streak(enrolment_id=log.enrolment_id)
