"""Trainer reads: the cohorts a trainer may see, and the cohort report.

Scoping: staff see every cohort; a user with the trainer permission (``lms.roles``) sees the
cohorts they train;
anyone else sees none. Views turn "not in the scoped queryset" into a 404.

The cohort report is computed in a constant number of queries whatever the number of
participants, modules and challenge entries: a few grouped SQL aggregates over the whole
cohort, then per-row rules (streak, at-risk) in Python, then sorting, filtering and paging,
then one query for the module cells of the rows shown.

At-risk rules (only for active enrolments, once the cohort has started):

* **Inactive**: no activity for ``INACTIVE_DAYS`` (7) days or more. Activity is the
  enrolment's ``last_activity_at`` (or its enrolment date): every service that records
  learning or practice (module progress, quiz attempts, challenge entries written, edited or
  deleted) touches it, so it is the one place the report reads it from.
* **Behind**: ``BEHIND_MODULES`` (2) or more required modules behind the expected number for
  the cohort's current week (see ``expected_modules``).
* **Quiz attempts used up**: a module's limited quiz attempts are all used and none passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, FloatField, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from courses.models import Challenge

from .. import weeks
from ..models import ChallengeLog, Cohort, Enrolment, EnrolmentStatus, FollowUp, ModuleProgress, NudgeLog, Outcome
from .practice import PracticeStats, cohort_totals, practice_by_enrolment

INACTIVE_DAYS = 7
BEHIND_MODULES = 2
WIN_OUTCOMES = [value for value in Outcome.values if value != Outcome.NONE_YET]
MAX_WEEKS = 52  # weekly columns computed in SQL; a longer programme shows its last 52 weeks
MAX_PARTICIPANT_COHORTS = 10  # the participant's cohort section on /learn/ shows at most this many

SORTS = {
    "name": "sort_name",
    "progress": "progress",
    "activity": "last_activity",
    "week": "week_count",
    "streak": "streak",
    "risk": "risk_sort",
}


def cohort_enrolments_for_participant(*, user, limit: int = MAX_PARTICIPANT_COHORTS) -> list[Enrolment]:
    """The participant's current (not withdrawn) enrolments in a cohort, newest first, at most
    ``limit``, with each cohort's organisation, course and trainers fetched: two queries (one
    when there is none)."""
    return list(
        Enrolment.objects.filter(user=user, cohort__isnull=False)
        .exclude(status=EnrolmentStatus.WITHDRAWN)
        .select_related("cohort__organisation", "course")
        .prefetch_related("cohort__trainers")
        .order_by("-enrolled_at")[:limit]
    )


def cohorts_for_trainer(*, user) -> QuerySet[Cohort]:
    cohorts = Cohort.objects.select_related("organisation", "course")
    if not user.is_authenticated:
        return cohorts.none()
    if user.is_staff:
        return cohorts
    return cohorts.filter(trainers=user)


def expected_modules(*, week: int, module_count: int, programme_weeks: int) -> int:
    """Required modules a participant should have completed by the cohort's ``week``.

    The required modules are paced evenly over the programme: ``programme_weeks`` is the
    number of weeks from the cohort's start to its end date, or, without an end date, one week
    per module. A module is expected once the week after its slot begins, so in week 1 nothing
    is expected, and in a one-module-per-week programme ``week - 1`` modules are expected.
    Capped at ``module_count``.
    """
    if week <= 1 or module_count == 0:
        return 0
    programme_weeks = max(1, programme_weeks)
    return min(module_count, module_count * (week - 1) // programme_weeks)


def programme_weeks_of(cohort: Cohort, module_count: int) -> int:
    if cohort.end_date:
        return max(1, weeks.week_of(cohort.start_date, cohort.end_date))
    return max(1, module_count)


@dataclass
class ModuleInfo:
    id: int
    title: str
    required: bool
    max_attempts: int


@dataclass
class ModuleCell:
    status: str  # "todo", "progress", "done"
    label: str
    best_score: int | None
    attempts: int
    exhausted: bool


@dataclass
class ParticipantRow:
    enrolment_id: int
    user_id: int
    name: str
    email: str
    status: str
    last_activity: dt.datetime
    done: int = 0
    progress: int = 0
    counts_by_week: dict[int, int] = field(default_factory=dict)
    week_count: int = 0
    streak: int = 0
    overdue: int = 0
    wins: int = 0
    entries: int = 0
    exhausted: int = 0
    behind: int = 0
    inactive_days: int = 0
    reasons: list[str] = field(default_factory=list)
    cells: list[ModuleCell] = field(default_factory=list)
    # Practice (docs/practice.md): plans made and kept, check-ins answered, booster questions retained.
    practice: PracticeStats = field(default_factory=PracticeStats)

    @property
    def at_risk(self) -> bool:
        return bool(self.reasons)

    @property
    def sort_name(self) -> str:
        return self.name.casefold()

    @property
    def risk_sort(self) -> int:
        return len(self.reasons)


@dataclass
class CohortReport:
    cohort: Cohort
    today: dt.date
    current_week: int
    modules: list[ModuleInfo]
    targets_by_week: dict[int, int]
    week_target: int | None
    expected: int
    rows: list[ParticipantRow]
    module_chart: list[dict]
    weekly_chart: list[dict]
    outcome_chart: list[dict]
    practice: PracticeStats = field(default_factory=PracticeStats)
    retention_chart: list[dict] = field(default_factory=list)

    @property
    def required_count(self) -> int:
        return sum(1 for m in self.modules if m.required)

    @property
    def at_risk_count(self) -> int:
        return sum(1 for r in self.rows if r.at_risk)


def module_infos(*, course) -> list[ModuleInfo]:
    """The course's live modules in editor order (one query, no StreamField loaded)."""
    values = course.modules().values("id", "title", "required", "quiz_max_attempts")
    return [ModuleInfo(v["id"], v["title"], v["required"], v["quiz_max_attempts"]) for v in values]


def targets_by_week(*, course_id: int) -> dict[int, int]:
    """{opening week: target}; with several challenges in a week, the first one's target."""
    targets: dict[int, int] = {}
    for week, target in (
        Challenge.objects.filter(course_id=course_id).order_by("week", "pk").values_list("week", "target")
    ):
        targets.setdefault(week, target)
    return targets


def _week_columns(start: dt.date, current_week: int) -> dict[str, tuple[int, Q]]:
    first = max(1, current_week - MAX_WEEKS + 1)
    columns = {}
    for week in range(first, current_week + 1):
        lo, hi = weeks.week_bounds(start, week)
        columns[f"w{week}"] = (week, Q(occurred_on__gte=lo, occurred_on__lte=hi))
    return columns


def _risk(row: ParticipantRow, *, now: dt.datetime, started: bool, expected: int) -> None:
    if row.status != EnrolmentStatus.ACTIVE or not started:
        return
    idle = now - row.last_activity
    row.inactive_days = idle.days
    if idle >= dt.timedelta(days=INACTIVE_DAYS):
        row.reasons.append(f"No activity for {idle.days} days")
    row.behind = max(0, expected - row.done)
    if row.behind >= BEHIND_MODULES:
        row.reasons.append(f"{row.behind} modules behind ({row.done} done, {expected} expected by now)")
    if row.exhausted:
        plural = "s" if row.exhausted > 1 else ""
        row.reasons.append(f"Quiz attempts used up without passing ({row.exhausted} module{plural})")


def cohort_report(
    *, cohort: Cohort, now: dt.datetime | None = None, enrolment_ids: Iterable[int] | None = None
) -> CohortReport:
    """Every participant's aggregates and the cohort's charts: a constant number of queries.

    With ``enrolment_ids`` (the drill-down, the nudge form), only those participants' rows are
    computed, with the same rules, and the cohort-wide charts are left empty."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    start = cohort.start_date
    current_week = weeks.week_of(start, today)
    modules = module_infos(course=cohort.course)
    required_ids = [m.id for m in modules if m.required]
    targets = targets_by_week(course_id=cohort.course_id)
    week_target = weeks.target_for_week(current_week, targets)
    expected = expected_modules(
        week=current_week,
        module_count=len(required_ids),
        programme_weeks=programme_weeks_of(cohort, len(required_ids)),
    )

    in_cohort = Q(enrolment__cohort=cohort) & ~Q(enrolment__status=EnrolmentStatus.WITHDRAWN)
    chosen = Q()
    if enrolment_ids is not None:
        ids = list(enrolment_ids)
        in_cohort &= Q(enrolment_id__in=ids)
        chosen = Q(pk__in=ids)
    columns = _week_columns(start, current_week)
    enrolments = (
        Enrolment.objects.filter(chosen, cohort=cohort)
        .exclude(status=EnrolmentStatus.WITHDRAWN)
        .annotate(activity=Greatest(Coalesce("last_activity_at", "enrolled_at"), "enrolled_at"))
        .values(
            "pk",
            "user_id",
            "status",
            "activity",
            "user__first_name",
            "user__last_name",
            "user__username",
            "user__email",
        )
    )
    rows: dict[int, ParticipantRow] = {}
    for e in enrolments:
        name = f"{e['user__first_name']} {e['user__last_name']}".strip() or e["user__username"]
        rows[e["pk"]] = ParticipantRow(
            enrolment_id=e["pk"],
            user_id=e["user_id"],
            name=name,
            email=e["user__email"],
            status=e["status"],
            last_activity=e["activity"],
        )

    # One scan of the cohort's entries grouped by participant (an integer key, so a cheap hash
    # aggregate): entries, follow-ups overdue, wins and the weekly counts, as plain integers.
    week_numbers = [week for week, _ in columns.values()]
    logs = (
        ChallengeLog.objects.filter(in_cohort)
        .values("enrolment_id")
        .annotate(
            entries=Count("pk"),
            overdue=Count("pk", filter=Q(follow_up=FollowUp.PLANNED, follow_up_due__lt=today)),
            wins=Count("pk", filter=Q(outcome__in=WIN_OUTCOMES)),
            **{name: Count("pk", filter=q) for name, (_, q) in columns.items()},
        )
        .order_by()
        .values_list("enrolment_id", "entries", "overdue", "wins", *columns)
    )
    for enrolment_id, entries, overdue, wins, *counts in logs:
        row = rows.get(enrolment_id)
        if row:
            row.entries, row.overdue, row.wins = entries, overdue, wins
            row.counts_by_week = {week: n for week, n in zip(week_numbers, counts, strict=True) if n}

    exhausted_q = Q(pk__in=[])
    for m in modules:
        if m.max_attempts:
            exhausted_q |= Q(module_id=m.id, attempts_used__gte=m.max_attempts)
    progress = (
        ModuleProgress.objects.filter(in_cohort)
        .values("enrolment_id")
        .annotate(
            done=Count("pk", filter=Q(completed_at__isnull=False, module_id__in=required_ids)),
            exhausted=Count("pk", filter=exhausted_q & Q(quiz_passed_at__isnull=True)),
        )
        .order_by()
    )
    for p in progress:
        row = rows.get(p["enrolment_id"])
        if row:
            row.done, row.exhausted = p["done"], p["exhausted"]

    # Check-ins answered and booster retention: two grouped queries (lms/selectors/practice.py).
    practice, by_module = practice_by_enrolment(
        cohort=cohort, enrolment_ids=None if enrolment_ids is None else list(rows)
    )
    for enrolment_id, stats in practice.items():
        if enrolment_id in rows:
            rows[enrolment_id].practice = stats

    started = current_week >= 1
    resolved = weeks.resolve_targets(current_week, targets)
    for row in rows.values():
        row.progress = round(100 * row.done / len(required_ids)) if required_ids else 0
        if row.status == EnrolmentStatus.COMPLETED:
            row.progress = 100
        row.week_count = row.counts_by_week.get(current_week, 0)
        row.streak = weeks.streak(
            current_week=current_week, counts_by_week=row.counts_by_week, targets_by_week=targets, resolved=resolved
        )
        _risk(row, now=now, started=started, expected=expected)

    return CohortReport(
        cohort=cohort,
        today=today,
        current_week=current_week,
        modules=modules,
        targets_by_week=targets,
        week_target=week_target,
        expected=expected,
        rows=list(rows.values()),
        **(_charts(cohort, modules, rows, in_cohort, columns, targets) if enrolment_ids is None else _NO_CHARTS),
        practice=cohort_totals(practice, rows),
        retention_chart=_retention_chart(modules, by_module),
    )


def _retention_chart(modules: list[ModuleInfo], by_module: dict[int, dict]) -> list[dict]:
    """Per module with boosters: questions retained of those in boosters, across the cohort."""
    chart = []
    for m in modules:
        counts = by_module.get(m.id)
        if counts:
            percent = round(100 * counts["retained"] / counts["total"]) if counts["total"] else 0
            chart.append({"label": m.title, **counts, "percent": percent})
    return chart


_NO_CHARTS = {"module_chart": [], "weekly_chart": [], "outcome_chart": []}


def _charts(cohort, modules, rows: dict, in_cohort: Q, columns, targets) -> dict:
    """The cohort-wide charts (only for a report over every participant)."""
    return {
        "module_chart": _module_chart(cohort, modules, len(rows), in_cohort),
        "weekly_chart": _weekly_chart(list(rows.values()), columns, targets),
        "outcome_chart": _outcome_chart(in_cohort, columns),
    }


def _module_chart(cohort, modules, participants: int, in_cohort: Q) -> list[dict]:
    counts = {
        c["module_id"]: c
        for c in ModuleProgress.objects.filter(in_cohort)
        .values("module_id")
        .annotate(started=Count("pk"), done=Count("pk", filter=Q(completed_at__isnull=False)))
        .order_by()
    }
    chart = []
    for m in modules:
        c = counts.get(m.id, {"started": 0, "done": 0})
        chart.append(
            {
                "label": m.title,
                "done": c["done"],
                "in_progress": c["started"] - c["done"],
                "percent": round(100 * c["done"] / participants) if participants else 0,
            }
        )
    return chart


def _weekly_chart(rows: list[ParticipantRow], columns, targets) -> list[dict]:
    total = len(rows)
    week_targets = {week: weeks.target_for_week(week, targets) for _, (week, _q) in columns.items()}
    active = dict.fromkeys(week_targets, 0)
    met = dict.fromkeys(week_targets, 0)
    for row in rows:
        for week, count in row.counts_by_week.items():
            if week in active:
                active[week] += 1
                if week_targets[week] and count >= week_targets[week]:
                    met[week] += 1
    return [
        {
            "week": week,
            "active": active[week],
            "met": met[week],
            "target": target,
            "percent": round(100 * active[week] / total) if total else 0,
        }
        for week, target in week_targets.items()
    ]


def _outcome_chart(in_cohort: Q, columns) -> list[dict]:
    """Wins (outcomes beyond "none yet") per week and outcome: one small grouped query."""
    wins_by_outcome = {
        w["outcome"]: w
        # exclude() states the partial index's own condition, and the counts read only indexed
        # columns, so PostgreSQL answers from ml_log_wins alone (an index-only scan)
        for w in ChallengeLog.objects.filter(in_cohort)
        .exclude(outcome=Outcome.NONE_YET)
        .values("outcome")
        .annotate(**{name: Count("outcome", filter=q) for name, (_, q) in columns.items()})
        .order_by()
    }
    chart = []
    for name, (week, _q) in columns.items():
        by_outcome = [
            {"outcome": label, "count": wins_by_outcome[value][name]}
            for value, label in Outcome.choices
            if value in wins_by_outcome and wins_by_outcome[value][name]
        ]
        chart.append({"week": week, "outcomes": by_outcome, "total": sum(o["count"] for o in by_outcome)})
    return chart


def filter_and_sort(rows: list[ParticipantRow], *, at_risk: bool = False, q: str = "", sort: str = "name"):
    """Filter (at-risk only, name or email contains ``q``) and sort; ``-key`` sorts descending."""
    needle = q.strip().casefold()
    if at_risk:
        rows = [r for r in rows if r.at_risk]
    if needle:
        rows = [r for r in rows if needle in r.name.casefold() or needle in r.email.casefold()]
    descending = sort.startswith("-")
    attr = SORTS.get(sort.lstrip("-"), "sort_name")
    return sorted(rows, key=lambda r: (getattr(r, attr), r.sort_name, r.enrolment_id), reverse=descending)


def fill_module_cells(rows: list[ParticipantRow], modules: list[ModuleInfo]) -> None:
    """Give the rows shown their per-module status cells: one query for any number of rows."""
    by_enrolment: dict[int, dict[int, dict]] = {r.enrolment_id: {} for r in rows}
    records = (
        ModuleProgress.objects.filter(enrolment_id__in=list(by_enrolment))
        .annotate(
            done=ExpressionWrapper(Q(completed_at__isnull=False), output_field=BooleanField()),
            passed=ExpressionWrapper(Q(quiz_passed_at__isnull=False), output_field=BooleanField()),
        )
        .values("enrolment_id", "module_id", "done", "best_score", "attempts_used", "passed")
    )
    for p in records:
        by_enrolment[p["enrolment_id"]][p["module_id"]] = p
    for row in rows:
        row.cells = [module_cell(by_enrolment[row.enrolment_id].get(m.id), m) for m in modules]


def module_cell(record: dict | None, module: ModuleInfo) -> ModuleCell:
    if record is None:
        return ModuleCell("todo", "Not started", None, 0, False)
    exhausted = bool(module.max_attempts and record["attempts_used"] >= module.max_attempts and not record["passed"])
    status, label = ("done", "Done") if record["done"] else ("progress", "In progress")
    return ModuleCell(status, label, record["best_score"], record["attempts_used"], exhausted)


def participant_for_trainer(*, cohort: Cohort, enrolment_id: int) -> Enrolment:
    """One participant of ``cohort`` (raises Enrolment.DoesNotExist otherwise)."""
    return Enrolment.objects.select_related("user", "course").get(cohort=cohort, pk=enrolment_id)


def participant_detail(*, enrolment: Enrolment) -> dict:
    """The drill-down: module records, quiz attempts, challenge entries and nudges, bounded."""
    progress = {p.module_id: p for p in ModuleProgress.objects.filter(enrolment=enrolment)}
    modules = module_infos(course=enrolment.course)
    attempts = list(
        enrolment.quiz_attempts.filter(status="submitted")
        .select_related(None)
        .order_by("module_id", "number")
        .values("module_id", "number", "score", "passed", "submitted_at")[:500]
    )
    titles = {m.id: m.title for m in modules}
    for a in attempts:
        a["module_title"] = titles.get(a["module_id"], "(removed module)")
    entries = list(enrolment.challenge_logs.select_related("challenge").order_by("-occurred_on", "-created_at")[:200])
    nudges = list(NudgeLog.objects.filter(enrolment=enrolment).select_related("sent_by")[:50])
    return {
        "modules": [(m, progress.get(m.id)) for m in modules],
        "attempts": attempts,
        "entries": entries,
        "nudges": nudges,
    }


def cohort_list_stats(*, cohorts: list[Cohort], now: dt.datetime | None = None) -> None:
    """Annotate each cohort in place with participants, completion, average best score and
    this week's challenge participation. Three grouped queries for any number of cohorts."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    ids = [c.pk for c in cohorts]
    current = ~Q(status=EnrolmentStatus.WITHDRAWN)
    counts = {
        c["cohort_id"]: c
        for c in Enrolment.objects.filter(current, cohort_id__in=ids)
        .values("cohort_id")
        .annotate(total=Count("pk"), completed=Count("pk", filter=Q(status=EnrolmentStatus.COMPLETED)))
        .order_by()
    }
    scores = dict(
        ModuleProgress.objects.filter(enrolment__cohort_id__in=ids, best_score__isnull=False)
        .exclude(enrolment__status=EnrolmentStatus.WITHDRAWN)
        .values("enrolment__cohort_id")
        .annotate(avg=Avg("best_score", output_field=FloatField()))
        .order_by()
        .values_list("enrolment__cohort_id", "avg")
    )
    this_week = Q(pk__in=[])
    for c in cohorts:
        week = weeks.week_of(c.start_date, today)
        c.current_week = week
        if week >= 1:
            lo, hi = weeks.week_bounds(c.start_date, week)
            this_week |= Q(enrolment__cohort_id=c.pk, occurred_on__gte=lo, occurred_on__lte=hi)
    active = dict(
        ChallengeLog.objects.filter(this_week)
        .exclude(enrolment__status=EnrolmentStatus.WITHDRAWN)
        .values("enrolment__cohort_id")
        .annotate(n=Count("enrolment_id", distinct=True))
        .order_by()
        .values_list("enrolment__cohort_id", "n")
    )
    for c in cohorts:
        stats = counts.get(c.pk, {"total": 0, "completed": 0})
        c.participant_count = stats["total"]
        c.completed_percent = round(100 * stats["completed"] / stats["total"]) if stats["total"] else 0
        c.average_best_score = round(scores[c.pk]) if scores.get(c.pk) is not None else None
        c.practising = active.get(c.pk, 0)
        c.practising_percent = round(100 * c.practising / stats["total"]) if stats["total"] else 0
