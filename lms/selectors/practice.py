"""Read side of practice after the course: check-ins due, boosters due, retention, check-in wins.

Participant reads are scoped to the requester; the cohort and organisation aggregates are
counts only (never the text of an entry, a note or a plan). See docs/practice.md.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q
from django.utils import timezone

from courses.models import ChallengeKind

from .. import boosters
from ..conf import conf
from ..models import (
    BoosterCard,
    BoosterDigest,
    ChallengeLog,
    ChallengeLogOutcomeChange,
    CheckIn,
    CheckInStatus,
    Enrolment,
    EnrolmentStatus,
    Outcome,
    Plan,
    ReminderAnswer,
)

MAX_MODULES = 50  # retention lists are bounded


def stage_windows(stages) -> list[tuple[int, int]]:
    """[(stage, next stage)]: a stage is sent while the entry is that old but not yet the next
    (the last stage gets as long as the gap before it), so a late run never sends two at once."""
    stages = sorted(stages)
    windows = []
    for index, stage in enumerate(stages):
        gap = stage - stages[index - 1] if index else stage
        end = stages[index + 1] if index + 1 < len(stages) else stage + gap
        windows.append((stage, end))
    return windows


def checkins_due(*, now: dt.datetime, limit: int = 500) -> list[tuple[int, int]]:
    """(entry id, stage) pairs whose check-in is due and not yet claimed: one query per stage."""
    today = timezone.localtime(now).date()
    due: list[tuple[int, int]] = []
    for stage, end in stage_windows(conf.CHECKIN_STAGES_DAYS):
        if len(due) >= limit:
            break
        ids = (
            ChallengeLog.objects.filter(
                outcome=Outcome.NONE_YET,
                challenge__kind=ChallengeKind.NETWORKING,
                occurred_on__lte=today - dt.timedelta(days=stage),
                occurred_on__gt=today - dt.timedelta(days=end),
            )
            .exclude(enrolment__status=EnrolmentStatus.WITHDRAWN)
            .exclude(check_ins__stage=stage)
            .order_by("occurred_on", "pk")
            .values_list("pk", flat=True)[: limit - len(due)]
        )
        due += [(log_id, stage) for log_id in ids]
    return due


def digest_recipients(*, now: dt.datetime, week: str, limit: int = 500) -> list[tuple[int, int]]:
    """(user id, questions due) of people with boosters due and no booster email this week.

    Opt-in and unsubscribe are checked again when each email is sent."""
    return list(
        BoosterCard.objects.filter(due_at__lte=now, enrolment__user__microlearn_preferences__booster_emails=True)
        .exclude(enrolment__status=EnrolmentStatus.WITHDRAWN)
        .exclude(enrolment__user__in=BoosterDigest.objects.filter(week=week).values("user_id"))
        .values("enrolment__user_id")
        .annotate(due=Count("pk"))
        .order_by("enrolment__user_id")
        .values_list("enrolment__user_id", "due")[:limit]
    )


# --- A participant's boosters (/learn/) --------------------------------------------------------


def _current_cards(user):
    return BoosterCard.objects.filter(enrolment__user=user).exclude(enrolment__status=EnrolmentStatus.WITHDRAWN)


def boosters_due(*, user, now: dt.datetime | None = None, size: int = boosters.BOOSTER_SIZE) -> list[BoosterCard]:
    """The next booster: the ``size`` most overdue cards, each with its module (one query)."""
    now = now or timezone.now()
    return list(_current_cards(user).filter(due_at__lte=now).select_related("module").order_by("due_at", "pk")[:size])


def retention_by_module(*, user) -> list[dict]:
    """Per module with boosters: questions retained (two right in a row) and still learning."""
    retained = Q(streak__gte=boosters.RETIRE_AFTER)
    return list(
        _current_cards(user)
        .values("module_id", "module__title")
        .annotate(retained=Count("pk", filter=retained), learning=Count("pk", filter=~retained))
        .order_by("module__title", "module_id")[:MAX_MODULES]
    )


# --- Check-in wins (the wins page) ------------------------------------------------------------


@dataclass
class CheckInWins:
    days_to_first_win: int | None
    first_win_on: dt.date | None
    via_checkins: int
    checkins_answered: int
    recent: list[CheckIn] = field(default_factory=list)


def checkin_wins(*, enrolment: Enrolment, start: dt.date, limit: int = 10) -> CheckInWins:
    """Time from the programme's start to the first win, and the wins that came through
    check-ins (three queries)."""
    first = (
        ChallengeLogOutcomeChange.objects.filter(log__enrolment=enrolment)
        .exclude(outcome=Outcome.NONE_YET)
        .aggregate(first=Min("changed_at"))["first"]
    )
    first_on = timezone.localtime(first).date() if first else None
    checkins = CheckIn.objects.filter(log__enrolment=enrolment, answered_at__isnull=False)
    win = Q(answer__in=[value for value in Outcome.values if value != Outcome.NONE_YET])
    counts = checkins.aggregate(answered=Count("pk"), wins=Count("pk", filter=win))
    recent = list(checkins.filter(win).select_related("log__challenge").order_by("-answered_at", "-pk")[:limit])
    return CheckInWins(
        days_to_first_win=max(0, (first_on - start).days) if first_on else None,
        first_win_on=first_on,
        via_checkins=counts["wins"],
        checkins_answered=counts["answered"],
        recent=recent,
    )


# --- Cohort and organisation aggregates (trainers, HR) ----------------------------------------


@dataclass
class PracticeStats:
    """Counts for trainers and HR: never any text."""

    checkins_sent: int = 0
    checkins_answered: int = 0
    questions_total: int = 0
    questions_retained: int = 0
    plans_made: int = 0
    plans_kept: int = 0  # kept: a log entry says it kept the plan, or its reminder was answered "yes"

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.checkins_answered / self.checkins_sent) if self.checkins_sent else None

    @property
    def plan_kept_rate(self) -> int | None:
        return round(100 * self.plans_kept / self.plans_made) if self.plans_made else None

    @property
    def retention(self) -> int | None:
        return round(100 * self.questions_retained / self.questions_total) if self.questions_total else None


def _in_cohort(prefix: str, cohort, enrolment_ids) -> Q:
    q = Q(**{f"{prefix}__cohort": cohort}) & ~Q(**{f"{prefix}__status": EnrolmentStatus.WITHDRAWN})
    if enrolment_ids is not None:
        q &= Q(**{f"{prefix}_id__in": list(enrolment_ids)})
    return q


def practice_by_enrolment(*, cohort, enrolment_ids=None) -> tuple[dict[int, PracticeStats], dict[int, dict]]:
    """Plan, check-in and booster counts per (not withdrawn) enrolment of ``cohort``, and booster
    retention per module: three queries."""
    stats: dict[int, PracticeStats] = {}
    kept = Q(logs__isnull=False) | Q(occurrences__answer=ReminderAnswer.YES)
    plans = (
        Plan.objects.filter(_in_cohort("enrolment", cohort, enrolment_ids))
        .values("enrolment_id")
        .annotate(made=Count("pk", distinct=True), kept=Count("pk", distinct=True, filter=kept))
        .order_by()
        .values_list("enrolment_id", "made", "kept")
    )
    for enrolment_id, made, kept_count in plans:
        stats[enrolment_id] = PracticeStats(plans_made=made, plans_kept=kept_count)
    checkins = (
        CheckIn.objects.filter(_in_cohort("log__enrolment", cohort, enrolment_ids), status=CheckInStatus.SENT)
        .values("log__enrolment_id")
        .annotate(sent=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)))
        .order_by()
        .values_list("log__enrolment_id", "sent", "answered")
    )
    for enrolment_id, sent, answered in checkins:
        row = stats.setdefault(enrolment_id, PracticeStats())
        row.checkins_sent, row.checkins_answered = sent, answered
    by_module: dict[int, dict] = {}
    cards = (
        BoosterCard.objects.filter(_in_cohort("enrolment", cohort, enrolment_ids))
        .values("enrolment_id", "module_id")
        .annotate(total=Count("pk"), retained=Count("pk", filter=Q(streak__gte=boosters.RETIRE_AFTER)))
        .order_by()
        .values_list("enrolment_id", "module_id", "total", "retained")
    )
    for enrolment_id, module_id, total, retained in cards:
        row = stats.setdefault(enrolment_id, PracticeStats())
        row.questions_total += total
        row.questions_retained += retained
        module = by_module.setdefault(module_id, {"total": 0, "retained": 0, "participants": 0})
        module["total"] += total
        module["retained"] += retained
        module["participants"] += 1
    return stats, by_module


def cohort_totals(stats: dict[int, PracticeStats], ids) -> PracticeStats:
    total = PracticeStats()
    for enrolment_id in ids:
        row = stats.get(enrolment_id)
        if row:
            total.checkins_sent += row.checkins_sent
            total.checkins_answered += row.checkins_answered
            total.questions_total += row.questions_total
            total.questions_retained += row.questions_retained
            total.plans_made += row.plans_made
            total.plans_kept += row.plans_kept
    return total


def median_days_to_first_win(*, cohort) -> float | None:
    """Median days from the cohort's start to each participant's first win (one query);
    participants without a win are left out."""
    firsts = (
        ChallengeLogOutcomeChange.objects.filter(_in_cohort("log__enrolment", cohort, None))
        .exclude(outcome=Outcome.NONE_YET)
        .values("log__enrolment_id")
        .annotate(first=Min("changed_at"))
        .order_by()
        .values_list("log__enrolment_id", "first")
    )
    days = [max(0, (timezone.localtime(first).date() - cohort.start_date).days) for _enrolment_id, first in firsts]
    return float(statistics.median(days)) if days else None
