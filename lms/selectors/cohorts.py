"""Trainer reads: the cohorts a trainer may see, and the cohort report.

Scoping: staff see every cohort; a user with the trainer permission (``lms.roles``) sees the
cohorts they train;
anyone else sees none. Views turn "not in the scoped queryset" into a 404.

The cohort page (``cohort_page``) runs a constant number of queries whatever the number of
participants, modules and challenge entries: the at-risk rules and the sort keys are SQL
expressions (``_annotated``), so the whole cohort is counted, filtered, sorted and paged in the
database, and only the page of rows shown is built in Python (their challenge figures, streaks,
module cells and reasons). ``cohort_report`` builds every row (or the chosen ones) the same way
for the progress export, the drill-down and the nudge form.

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

from django.core.paginator import Page, Paginator
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Greatest, Least, Lower, NullIf, Trim
from django.template.defaultfilters import pluralize
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

PER_PAGE = 50  # rows of the cohort table per page

# The sort keys of the cohort table: SQL expressions of ``_annotated``.
SORTS = {"name", "progress", "activity", "week", "streak", "risk"}
SQL_SORTS = {
    "name": "name_key",
    "progress": "progress_key",
    "activity": "activity",
    "week": "week_count",
    "streak": "streak_key",
    "risk": "risk",
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
    """The at-risk reasons of one row, as text. The same rules are the SQL expression of
    ``_annotated`` (``risk``), which filters, counts and sorts the whole cohort; a test checks
    that both agree."""
    if row.status != EnrolmentStatus.ACTIVE or not started:
        return
    idle = now - row.last_activity
    row.inactive_days = idle.days
    if idle >= dt.timedelta(days=INACTIVE_DAYS):
        row.reasons.append(f"No activity for {idle.days} day{pluralize(idle.days)}")
    row.behind = max(0, expected - row.done)
    if row.behind >= BEHIND_MODULES:
        row.reasons.append(
            f"{row.behind} module{pluralize(row.behind)} behind ({row.done} done, {expected} expected by now)"
        )
    if row.exhausted:
        row.reasons.append(f"Quiz attempts used up without passing ({row.exhausted} module{pluralize(row.exhausted)})")


@dataclass
class _Context:
    """What every row's rules need, resolved once per request (two queries: modules, challenges)."""

    now: dt.datetime
    today: dt.date
    current_week: int
    modules: list[ModuleInfo]
    required_ids: list[int]
    targets: dict[int, int]
    week_target: int | None
    expected: int
    columns: dict[str, tuple[int, Q]]

    @property
    def started(self) -> bool:
        return self.current_week >= 1


def _context(cohort: Cohort, now: dt.datetime | None) -> _Context:
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    current_week = weeks.week_of(cohort.start_date, today)
    modules = module_infos(course=cohort.course)
    required_ids = [m.id for m in modules if m.required]
    targets = targets_by_week(course_id=cohort.course_id)
    return _Context(
        now=now,
        today=today,
        current_week=current_week,
        modules=modules,
        required_ids=required_ids,
        targets=targets,
        week_target=weeks.target_for_week(current_week, targets),
        expected=expected_modules(
            week=current_week,
            module_count=len(required_ids),
            programme_weeks=programme_weeks_of(cohort, len(required_ids)),
        ),
        columns=_week_columns(cohort.start_date, current_week),
    )


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated ``COUNT(*)`` of ``queryset`` (already filtered on ``OuterRef("pk")``), 0 when empty."""
    counted = queryset.order_by().values("enrolment_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _annotated(cohort: Cohort, ctx: _Context) -> QuerySet[Enrolment]:
    """The cohort's current enrolments with each participant's figures and the at-risk rules as
    SQL expressions, so the whole cohort is filtered, counted, sorted and paged in the database.

    ``done`` (required modules completed) and ``exhausted`` (modules with attempts used up, not
    passed) are the enrolment's maintained summary columns (``lms.services.summaries``), so the
    at-risk rule reads one row per participant; ``streak_key`` is the streak at the current week
    from the summary's ``streak_week`` and ``streak_run``; ``week_count`` (entries this week) is
    a correlated count over the covering index ``ml_log_enrol_date``, evaluated for the rows
    shown unless the table is sorted by it; ``risk`` is the number of at-risk reasons (the
    rules of ``_risk``)."""
    if ctx.started:
        lo, hi = weeks.week_bounds(cohort.start_date, ctx.current_week)
        week_count = _count(
            ChallengeLog.objects.filter(enrolment=OuterRef("pk"), occurred_on__gte=lo, occurred_on__lte=hi)
        )
    else:
        week_count = Value(0)
    full_name = Trim(Concat("user__first_name", Value(" "), "user__last_name"))
    enrolments = (
        Enrolment.objects.filter(cohort=cohort)
        .exclude(status=EnrolmentStatus.WITHDRAWN)
        .annotate(
            activity=Greatest(Coalesce("last_activity_at", "enrolled_at"), "enrolled_at"),
            display_name=Coalesce(NullIf(full_name, Value("")), "user__username"),
            name_key=Lower("display_name"),
            done=F("done_count"),
            exhausted=F("exhausted_count"),
            week_count=week_count,
            streak_key=_streak_key(ctx),
        )
    )
    if not ctx.started:
        return enrolments.annotate(risk=Value(0), progress_key=_progress_key(ctx))

    def flag(**condition) -> Case:
        return Case(When(**condition, then=Value(1)), default=Value(0), output_field=IntegerField())

    inactive = flag(activity__lte=ctx.now - dt.timedelta(days=INACTIVE_DAYS))
    behind = flag(done__lte=ctx.expected - BEHIND_MODULES) if ctx.expected >= BEHIND_MODULES else Value(0)
    used_up = flag(exhausted__gt=0)
    return enrolments.annotate(
        risk=Case(
            When(status=EnrolmentStatus.ACTIVE, then=inactive + behind + used_up),
            default=Value(0),
            output_field=IntegerField(),
        ),
        progress_key=_progress_key(ctx),
    )


def _streak_key(ctx: _Context) -> Case | Value:
    """``weeks.streak`` at the current week ``W`` from the summary (``lms.services.summaries``):
    the run of met weeks ending at the latest met week when that week is ``W`` (met already) or
    ``W - 1`` (the unfinished current week skipped), else 0. Capped like the figure shown, which
    counts the weekly columns (the last ``MAX_WEEKS`` weeks)."""
    if not ctx.started:
        return Value(0)
    week = ctx.current_week
    shown = len(ctx.columns)  # weeks first..W
    return Case(
        When(streak_week=week, then=Least("streak_run", Value(shown))),
        When(streak_week=week - 1, then=Least("streak_run", Value(shown - 1))),
        default=Value(0),
        output_field=IntegerField(),
    )


def _progress_key(ctx: _Context) -> Case:
    """Orders like ``progress``: required modules done, a completed enrolment counting as all."""
    return Case(
        When(status=EnrolmentStatus.COMPLETED, then=Value(max(1, len(ctx.required_ids)))),
        default=F("done"),
        output_field=IntegerField(),
    )


_ROW_FIELDS = ("pk", "user_id", "status", "activity", "display_name", "user__email", "done", "exhausted", "week_count")


def _rows_from(values: Iterable[dict], ctx: _Context) -> list[ParticipantRow]:
    rows = []
    required = len(ctx.required_ids)
    for e in values:
        row = ParticipantRow(
            enrolment_id=e["pk"],
            user_id=e["user_id"],
            name=e["display_name"],
            email=e["user__email"],
            status=e["status"],
            last_activity=e["activity"],
            done=e["done"],
            exhausted=e["exhausted"],
            week_count=e["week_count"],
        )
        row.progress = (
            100 if row.status == EnrolmentStatus.COMPLETED else (round(100 * row.done / required) if required else 0)
        )
        _risk(row, now=ctx.now, started=ctx.started, expected=ctx.expected)
        rows.append(row)
    return rows


def _fill_challenge_figures(rows: list[ParticipantRow], ctx: _Context, in_cohort: Q) -> None:
    """Entries, overdue follow-ups, wins, weekly counts and streaks of ``rows``: one grouped query."""
    if not rows:
        return
    by_id = {r.enrolment_id: r for r in rows}
    week_numbers = [week for week, _ in ctx.columns.values()]
    logs = (
        ChallengeLog.objects.filter(in_cohort)
        .values("enrolment_id")
        .annotate(
            entries=Count("pk"),
            overdue=Count("pk", filter=Q(follow_up=FollowUp.PLANNED, follow_up_due__lt=ctx.today)),
            wins=Count("pk", filter=Q(outcome__in=WIN_OUTCOMES)),
            **{name: Count("pk", filter=q) for name, (_, q) in ctx.columns.items()},
        )
        .order_by()
        .values_list("enrolment_id", "entries", "overdue", "wins", *ctx.columns)
    )
    for enrolment_id, entries, overdue, wins, *counts in logs:
        row = by_id.get(enrolment_id)
        if row:
            row.entries, row.overdue, row.wins = entries, overdue, wins
            row.counts_by_week = {week: n for week, n in zip(week_numbers, counts, strict=True) if n}
    resolved = weeks.resolve_targets(ctx.current_week, ctx.targets)
    for row in rows:
        row.streak = weeks.streak(
            current_week=ctx.current_week,
            counts_by_week=row.counts_by_week,
            targets_by_week=ctx.targets,
            resolved=resolved,
        )


def _fill_practice(rows: list[ParticipantRow], practice: dict[int, PracticeStats]) -> None:
    for row in rows:
        if row.enrolment_id in practice:
            row.practice = practice[row.enrolment_id]


def _in_cohort(cohort: Cohort, enrolment_ids: list[int] | None = None) -> Q:
    q = Q(enrolment__cohort=cohort) & ~Q(enrolment__status=EnrolmentStatus.WITHDRAWN)
    if enrolment_ids is not None:
        q &= Q(enrolment_id__in=enrolment_ids)
    return q


def cohort_report(
    *,
    cohort: Cohort,
    now: dt.datetime | None = None,
    enrolment_ids: Iterable[int] | None = None,
    charts: bool = True,
) -> CohortReport:
    """Every participant's row (or only ``enrolment_ids``'s: the drill-down, the nudge form) and,
    over the whole cohort, the charts: a constant number of queries.

    The cohort page itself does not build every row: it reads one page of them with
    ``cohort_page``. This serves the progress export, the drill-down and the nudge form."""
    ctx = _context(cohort, now)
    enrolments = _annotated(cohort, ctx)
    ids = None
    if enrolment_ids is not None:
        ids = list(enrolment_ids)
        enrolments = enrolments.filter(pk__in=ids)
    rows = _rows_from(enrolments.order_by("pk").values(*_ROW_FIELDS), ctx)
    _fill_challenge_figures(rows, ctx, _in_cohort(cohort, ids))
    practice, by_module = practice_by_enrolment(cohort=cohort, enrolment_ids=ids)
    _fill_practice(rows, practice)
    whole = enrolment_ids is None and charts
    return CohortReport(
        cohort=cohort,
        today=ctx.today,
        current_week=ctx.current_week,
        modules=ctx.modules,
        targets_by_week=ctx.targets,
        week_target=ctx.week_target,
        expected=ctx.expected,
        rows=rows,
        **(_charts(cohort, ctx, len(rows)) if whole else _NO_CHARTS),
        practice=cohort_totals(practice, [r.enrolment_id for r in rows]),
        retention_chart=_retention_chart(ctx.modules, by_module),
    )


@dataclass
class CohortPage:
    """One page of the cohort table, with the counts and charts of the whole cohort."""

    cohort: Cohort
    current_week: int
    modules: list[ModuleInfo]
    week_target: int | None
    expected: int
    total: int
    at_risk_count: int
    filtered_count: int
    page: Page
    rows: list[ParticipantRow]
    module_chart: list[dict]
    weekly_chart: list[dict]
    outcome_chart: list[dict]
    practice: PracticeStats
    retention_chart: list[dict]

    @property
    def required_count(self) -> int:
        return sum(1 for m in self.modules if m.required)


def _search(q: str) -> Q:
    needle = q.strip()
    if not needle:
        return Q()
    return Q(display_name__icontains=needle) | Q(user__email__icontains=needle)


def cohort_page(
    *,
    cohort: Cohort,
    at_risk: bool = False,
    q: str = "",
    sort: str = "name",
    page_number=1,
    per_page: int = PER_PAGE,
    now: dt.datetime | None = None,
) -> CohortPage:
    """The cohort page: the whole cohort filtered (``at_risk``, name or email contains ``q``),
    counted and sorted in SQL (``-key`` sorts descending), and only the page of rows shown built
    in Python. A constant number of queries: modules, challenges, the counts, the page's rows,
    their challenge figures, their module cells, practice (three), and the three charts."""
    ctx = _context(cohort, now)
    enrolments = _annotated(cohort, ctx)
    wanted = _search(q)
    if at_risk:
        wanted &= Q(risk__gt=0)
    # One pass over the cohort; the rule's correlated counts are evaluated once more only for a
    # name or email search (the filtered count is otherwise the total or the at-risk count).
    aggregates = {"total": Count("pk"), "at_risk": Count("pk", filter=Q(risk__gt=0))}
    if q.strip():
        aggregates["shown"] = Count("pk", filter=wanted)
    counts = enrolments.aggregate(**aggregates)
    if "shown" not in counts:
        counts["shown"] = counts["at_risk"] if at_risk else counts["total"]
    page = Paginator(range(counts["shown"]), per_page).get_page(page_number)
    offset = page.start_index() - 1 if counts["shown"] else 0
    chosen = enrolments.filter(wanted)
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    order = [SQL_SORTS.get(key, "name_key"), "name_key", "pk"]
    order_by = [F(o).desc() if descending else F(o).asc() for o in order]
    rows = _rows_from(chosen.order_by(*order_by)[offset : offset + per_page].values(*_ROW_FIELDS), ctx)
    _fill_challenge_figures(rows, ctx, _in_cohort(cohort, [r.enrolment_id for r in rows]))
    fill_module_cells(rows, ctx.modules)
    practice, by_module = practice_by_enrolment(cohort=cohort)
    _fill_practice(rows, practice)
    return CohortPage(
        cohort=cohort,
        current_week=ctx.current_week,
        modules=ctx.modules,
        week_target=ctx.week_target,
        expected=ctx.expected,
        total=counts["total"],
        at_risk_count=counts["at_risk"],
        filtered_count=counts["shown"],
        page=page,
        rows=rows,
        **_charts(cohort, ctx, counts["total"]),
        practice=cohort_totals(practice, practice.keys()),
        retention_chart=_retention_chart(ctx.modules, by_module),
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


def _charts(cohort: Cohort, ctx: _Context, participants: int) -> dict:
    """The cohort-wide charts: three grouped queries whose results do not grow with the cohort."""
    in_cohort = _in_cohort(cohort)
    return {
        "module_chart": _module_chart(ctx.modules, participants, in_cohort),
        "weekly_chart": _weekly_chart(ctx, participants, in_cohort),
        "outcome_chart": _outcome_chart(in_cohort, ctx.columns),
    }


def _module_chart(modules, participants: int, in_cohort: Q) -> list[dict]:
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


def _weekly_chart(ctx: _Context, total: int, in_cohort: Q) -> list[dict]:
    """Per week: participants with an entry, and those meeting the week's target. One query that
    counts entries per participant and week, then participants per week, and returns one row."""
    if not ctx.columns:
        return []
    week_targets = {week: weeks.target_for_week(week, ctx.targets) for week, _q in ctx.columns.values()}
    per_participant = (
        ChallengeLog.objects.filter(in_cohort)
        .values("enrolment_id")
        .annotate(**{name: Count("pk", filter=q) for name, (_, q) in ctx.columns.items()})
        .order_by()
    )
    figures = {}
    for name, (week, _q) in ctx.columns.items():
        figures[f"active_{name}"] = Count("enrolment_id", filter=Q(**{f"{name}__gt": 0}))
        if week_targets[week]:
            figures[f"met_{name}"] = Count("enrolment_id", filter=Q(**{f"{name}__gte": week_targets[week]}))
    counts = per_participant.aggregate(**figures)
    chart = []
    for name, (week, _q) in ctx.columns.items():
        active = counts[f"active_{name}"] or 0
        chart.append(
            {
                "week": week,
                "active": active,
                "met": counts.get(f"met_{name}") or 0,
                "target": week_targets[week],
                "percent": round(100 * active / total) if total else 0,
            }
        )
    return chart


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


def fill_module_cells(rows: list[ParticipantRow], modules: list[ModuleInfo]) -> None:
    """Give the rows shown their per-module status cells: one query for any number of rows."""
    by_enrolment: dict[int, dict[int, dict]] = {r.enrolment_id: {} for r in rows}
    records = (
        ModuleProgress.objects.filter(enrolment_id__in=list(by_enrolment))
        .annotate(
            done=ExpressionWrapper(Q(completed_at__isnull=False), output_field=BooleanField()),
            passed=ExpressionWrapper(Q(quiz_passed_at__isnull=False), output_field=BooleanField()),
        )
        .values("enrolment_id", "module_id", "done", "best_score", "attempts_used", "attempts_granted", "passed")
    )
    for p in records:
        by_enrolment[p["enrolment_id"]][p["module_id"]] = p
    for row in rows:
        row.cells = [module_cell(by_enrolment[row.enrolment_id].get(m.id), m) for m in modules]


def module_cell(record: dict | None, module: ModuleInfo) -> ModuleCell:
    if record is None:
        return ModuleCell("todo", "Not started", None, 0, False)
    limit = module.max_attempts + record.get("attempts_granted", 0)
    exhausted = bool(module.max_attempts and record["attempts_used"] >= limit and not record["passed"])
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
