"""Read side of weekly challenges: a participant's programme, log history, follow-ups and wins.

Every function is scoped to the requester. Week numbers follow ``lms/weeks.py``; where a query
needs the programme week of an entry, SQL computes it (``entry_week``), so the challenge and
wins pages run a constant number of queries however many entries there are, and the wins
aggregates never load entries into Python.

Who may read an entry (``challenge_logs_visible_to``): its author, the trainers of the author's
cohort and staff. See docs/privacy.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Avg, Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Sum, Value, When
from django.shortcuts import get_object_or_404

from courses.models import Challenge, ChallengeKind

from .. import weeks
from ..models import ChallengeLog, Cohort, Enrolment, EnrolmentStatus, FollowUp, Outcome, Setting
from .learning import enrolments_for_user

# A planned follow-up is "due" from the day before its due date, and "overdue" after it.
DUE_SOON_DAYS = 1
WIN = ~Q(outcome=Outcome.NONE_YET)
# A follow-up is done when it is marked done (the funnel's "followed up", the practice badge's rule).
FOLLOW_UP_DONE = Q(follow_up=FollowUp.DONE)


def enrolment_programme_start(enrolment: Enrolment) -> dt.date:
    """The first day of the participant's programme (cohort start, else local enrolment date)."""
    cohort_start = enrolment.cohort.start_date if enrolment.cohort_id else None
    return weeks.programme_start(enrolled_at=enrolment.enrolled_at, cohort_start=cohort_start)


def challenge_enrolment_get(*, user, course_id: int) -> Enrolment:
    """The user's current (active or completed) enrolment in the course, or 404."""
    return get_object_or_404(enrolments_for_user(user=user), course_id=course_id)


def challenge_enrolments(*, user, limit: int = 20) -> list[Enrolment]:
    """The user's current enrolments in courses that have weekly challenges (bounded), each with
    ``has_networking`` (False for a practice-only course, whose pages speak of practice instead)."""
    networking = Challenge.objects.filter(course_id=OuterRef("course_id"), kind=ChallengeKind.NETWORKING)
    return list(
        enrolments_for_user(user=user)
        .filter(course__in=Challenge.objects.values("course_id"))
        .annotate(has_networking=Exists(networking))
        .distinct()[:limit]
    )


def entry_week(start: dt.date, last_week: int) -> Case:
    """SQL expression: the programme week of an entry's ``occurred_on`` (0 before the start).

    One ``WHEN`` per week (newest first), so it is portable across databases; dates after
    ``last_week`` count as ``last_week``.
    """
    whens = [
        When(occurred_on__gte=weeks.week_bounds(start, week)[0], then=Value(week))
        for week in range(max(last_week, 1), 0, -1)
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def _by_week(queryset: QuerySet, start: dt.date, last_week: int, **aggregates) -> dict[int, dict]:
    rows = queryset.annotate(week=entry_week(start, last_week)).values("week").annotate(**aggregates).order_by()
    return {row.pop("week"): row for row in rows}


@dataclass
class ChallengeProgramme:
    """A participant's challenges and weekly counts, as of ``today`` (site time zone)."""

    enrolment: Enrolment
    start: dt.date
    today: dt.date
    current_week: int
    challenges: list[Challenge]
    counts_by_week: dict[int, int] = field(default_factory=dict)

    @cached_property
    def targets_by_week(self) -> dict[int, int]:
        targets: dict[int, int] = {}
        for challenge in self.challenges:  # ordered by week, so the last one of a week wins
            targets[challenge.week] = challenge.target
        return targets

    @property
    def open_challenges(self) -> list[Challenge]:
        return [c for c in self.challenges if c.week <= self.current_week]

    @property
    def coming_up(self) -> list[Challenge]:
        return [c for c in self.challenges if c.week > self.current_week]

    @property
    def current_challenge(self) -> Challenge | None:
        opened = self.open_challenges
        return opened[-1] if opened else None

    @property
    def has_practice(self) -> bool:
        return any(c.kind == ChallengeKind.PRACTICE for c in self.challenges)

    @property
    def has_networking(self) -> bool:
        return any(c.kind == ChallengeKind.NETWORKING for c in self.challenges)

    @property
    def target(self) -> int | None:
        return weeks.target_for_week(self.current_week, self.targets_by_week)

    @property
    def this_week_count(self) -> int:
        return self.counts_by_week.get(self.current_week, 0)

    @property
    def progress_value(self) -> int:
        """This week's count, capped at the target (for the progress bar)."""
        return min(self.this_week_count, self.target or 0)

    @property
    def target_met(self) -> bool:
        return weeks.target_met(self.this_week_count, self.target)

    def weeks_met(self, *, first_week: int = 1) -> list[int]:
        """Weeks from ``first_week`` to the current one that met their target (``lms.weeks``)."""
        return weeks.weeks_met(
            first_week=first_week,
            last_week=self.current_week,
            counts_by_week=self.counts_by_week,
            targets_by_week=self.targets_by_week,
        )

    @property
    def this_week_bounds(self) -> tuple[dt.date, dt.date] | None:
        return weeks.week_bounds(self.start, self.current_week) if self.current_week >= 1 else None

    @property
    def streak(self) -> int:
        return weeks.streak(
            current_week=self.current_week, counts_by_week=self.counts_by_week, targets_by_week=self.targets_by_week
        )

    def opens_on(self, challenge: Challenge) -> dt.date:
        return weeks.week_bounds(self.start, challenge.week)[0]

    def get_open(self, uuid) -> Challenge | None:
        return next((c for c in self.open_challenges if str(c.uuid) == str(uuid)), None)


def challenge_programme(*, enrolment: Enrolment, today: dt.date | None = None, with_counts: bool = True):
    """Two queries: the course's challenges, and the participant's entry counts per week."""
    today = today or weeks.local_today()
    start = enrolment_programme_start(enrolment)
    current_week = weeks.week_of(start, today)
    challenges = list(
        Challenge.objects.filter(course_id=enrolment.course_id).select_related("module").order_by("week", "pk")
    )
    programme = ChallengeProgramme(
        enrolment=enrolment, start=start, today=today, current_week=current_week, challenges=challenges
    )
    for challenge in challenges:
        challenge.opens_on = programme.opens_on(challenge)
    if with_counts and current_week >= 1:
        counts = _by_week(ChallengeLog.objects.filter(enrolment=enrolment), start, current_week, n=Count("pk"))
        programme.counts_by_week = {week: row["n"] for week, row in counts.items() if week >= 1}
    return programme


def challenge_history(*, programme: ChallengeProgramme) -> QuerySet[ChallengeLog]:
    """The participant's entries, newest first, each annotated with its programme ``week``."""
    return (
        ChallengeLog.objects.filter(enrolment=programme.enrolment)
        .select_related("challenge")
        .annotate(week=entry_week(programme.start, programme.current_week))
        .order_by("-occurred_on", "-created_at", "-pk")
    )


def challenge_follow_ups_due(
    *, user, today: dt.date | None = None, course_id: int | None = None, limit: int = 10
) -> list[ChallengeLog]:
    """The user's planned follow-ups that are due or overdue, oldest due first (bounded)."""
    today = today or weeks.local_today()
    queryset = (
        ChallengeLog.objects.filter(
            enrolment__user=user,
            follow_up=FollowUp.PLANNED,
            follow_up_due__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
        )
        .exclude(enrolment__status=EnrolmentStatus.WITHDRAWN)
        .select_related("challenge", "enrolment__course")
        .order_by("follow_up_due", "pk")
    )
    if course_id is not None:
        queryset = queryset.filter(enrolment__course_id=course_id)
    return list(queryset[:limit])


def challenge_logs_visible_to(*, user) -> QuerySet[ChallengeLog]:
    """Entries ``user`` may read: their own, those of cohorts they train, and all for staff."""
    queryset = ChallengeLog.objects.select_related("challenge", "enrolment__user", "enrolment__course")
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_staff:
        return queryset
    return queryset.filter(Q(enrolment__user=user) | Q(enrolment__cohort__in=Cohort.objects.filter(trainers=user)))


def challenge_log_for_author(*, user, uuid) -> ChallengeLog:
    """An entry its author may change (on a current enrolment); 404 for anyone else's."""
    queryset = (
        ChallengeLog.objects.filter(enrolment__user=user)
        .exclude(enrolment__status=EnrolmentStatus.WITHDRAWN)
        .select_related("challenge", "enrolment__course", "enrolment__cohort")
    )
    return get_object_or_404(queryset, uuid=uuid)


# --- Track your wins ------------------------------------------------------------------------


@dataclass
class Wins:
    funnel: dict[str, int]
    by_setting: list[dict]
    by_outcome: list[dict]
    by_opener: list[dict]
    weekly: list[dict]
    practice: PracticeSummary | None = None


def _calm_change(before, after) -> float | None:
    return round(after - before, 1) if before is not None and after is not None else None


@dataclass
class PracticeSummary:
    """Minutes practised and calm before → after, in total and per programme week.

    ``weekly`` has one row per week from the first charted week to this one (weeks without a
    session included, with ``None`` averages), each with ``sessions``, ``minutes``,
    ``calm_before``, ``calm_after`` (averages, one decimal) and ``change`` (after - before).
    """

    sessions: int
    minutes: int
    calm_before: float | None
    calm_after: float | None
    weekly: list[dict] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        return _calm_change(self.calm_before, self.calm_after)

    @property
    def active_weeks(self) -> list[dict]:
        return [row for row in self.weekly if row["sessions"]]


def _one_decimal(value) -> float | None:
    return round(float(value), 1) if value is not None else None


def practice_summary(*, programme: ChallengeProgramme, chart_weeks: int = 52) -> PracticeSummary:
    """The participant's practice entries summed up in SQL: two queries, however many entries."""
    practice = ChallengeLog.objects.filter(enrolment=programme.enrolment, challenge__kind=ChallengeKind.PRACTICE)
    calm = {"calm_before": Avg("calm_before"), "calm_after": Avg("calm_after")}
    totals = practice.aggregate(sessions=Count("pk"), minutes=Sum("minutes"), **calm)
    last_week = max(programme.current_week, 1)
    first_week = max(1, last_week - chart_weeks + 1)
    by_week = _by_week(practice, programme.start, last_week, sessions=Count("pk"), minutes=Sum("minutes"), **calm)
    weekly = []
    for week in range(first_week, last_week + 1):
        row = by_week.get(week, {})
        before, after = _one_decimal(row.get("calm_before")), _one_decimal(row.get("calm_after"))
        weekly.append(
            {
                "week": week,
                "sessions": row.get("sessions") or 0,
                "minutes": row.get("minutes") or 0,
                "calm_before": before,
                "calm_after": after,
                "change": _calm_change(before, after),
            }
        )
    return PracticeSummary(
        sessions=totals["sessions"],
        minutes=totals["minutes"] or 0,
        calm_before=_one_decimal(totals["calm_before"]),
        calm_after=_one_decimal(totals["calm_after"]),
        weekly=weekly,
    )


def _labelled(rows: list[dict], key: str, choices) -> list[dict]:
    """Rows for every choice in the choices' order, with zeros for the missing ones."""
    found = {row[key]: row for row in rows}
    return [{key: value, "label": label, **found.get(value, {})} for value, label in choices]


def challenge_wins(*, programme: ChallengeProgramme, opener_limit: int = 10, chart_weeks: int = 52) -> Wins:
    """Aggregates for "Track your wins", all computed in SQL (a fixed number of queries)."""
    enrolment, start = programme.enrolment, programme.start
    last_week = max(programme.current_week, 1)
    first_week = max(1, last_week - chart_weeks + 1)
    totals = {"total": Count("pk"), "wins": Count("pk", filter=WIN)}
    wins = Wins(funnel={}, by_setting=[], by_outcome=[], by_opener=[], weekly=[])
    if programme.has_networking:
        networking = ChallengeLog.objects.filter(enrolment=enrolment, challenge__kind=ChallengeKind.NETWORKING)
        wins.funnel = networking.aggregate(
            logged=Count("pk"), followed_up=Count("pk", filter=FOLLOW_UP_DONE), wins=Count("pk", filter=WIN)
        )
        by_setting = list(networking.values("setting").annotate(**totals).order_by())
        wins.by_setting = [{"total": 0, "wins": 0, **row} for row in _labelled(by_setting, "setting", Setting.choices)]
        by_outcome = list(networking.values("outcome").annotate(n=Count("pk")).order_by())
        wins.by_outcome = [{"n": 0, **row} for row in _labelled(by_outcome, "outcome", Outcome.choices)]
        wins.by_opener = list(
            networking.exclude(opener="")
            .values("opener")
            .annotate(**totals)
            .order_by("-wins", "-total", "opener")[:opener_limit]
        )
        weekly = _by_week(networking, start, last_week, **totals)
        wins.weekly = [
            {"week": w, "total": 0, "wins": 0, **weekly.get(w, {})} for w in range(first_week, last_week + 1)
        ]
    if programme.has_practice:
        wins.practice = practice_summary(programme=programme, chart_weeks=chart_weeks)
    return wins
