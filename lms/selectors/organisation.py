"""Reads for a client organisation (the HR API). Every queryset is scoped to one organisation.

An organisation sees its members, its cohorts, and the enrolments in its cohorts; the course
catalogue (live courses) is shared by all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Aggregate, Count, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce, Concat, Length, Substr
from django.utils import timezone
from wagtail.models import Page

from courses.models import CoursePage, ModulePage

from .. import weeks
from ..models import (
    ChallengeLog,
    Cohort,
    Enrolment,
    FollowUp,
    ModuleProgress,
    Organisation,
    OrganisationMember,
    Outcome,
)

MAX_STATS_WEEKS = 52


def participants_for_organisation(*, organisation: Organisation) -> QuerySet[OrganisationMember]:
    return OrganisationMember.objects.filter(organisation=organisation).select_related("user", "organisation")


def cohorts_for_organisation(*, organisation: Organisation) -> QuerySet[Cohort]:
    return Cohort.objects.filter(organisation=organisation).select_related("course")


def enrolments_for_organisation(*, organisation: Organisation) -> QuerySet[Enrolment]:
    """Enrolments in the organisation's cohorts, annotated with the participant's member uuid
    (``participant_uuid``) and the course's stable id (``course_key``, its translation key).

    Both are correlated subqueries rather than joins, so the database evaluates them only for
    the rows of the page, after sorting and the limit.
    """
    member_uuid = OrganisationMember.objects.filter(organisation=organisation, user_id=OuterRef("user_id")).values(
        "uuid"
    )[:1]
    course_key = Page.objects.filter(pk=OuterRef("course_id")).values("translation_key")[:1]
    return Enrolment.objects.filter(cohort__organisation=organisation).annotate(
        participant_uuid=Subquery(member_uuid), course_key=Subquery(course_key)
    )


def live_courses() -> QuerySet[CoursePage]:
    return CoursePage.objects.live().order_by("path")


def _child_modules(courses: list[CoursePage]) -> QuerySet[ModulePage]:
    """Live modules that are children of ``courses`` (one query, tree order)."""
    condition = Q()
    for course in courses:
        condition |= Q(path__startswith=course.path, depth=course.depth + 1)
    return ModulePage.objects.live().filter(condition).order_by("path")


def modules_by_course(courses: Iterable[CoursePage]) -> dict[int, list[ModulePage]]:
    """Live modules of each course in tree order, in one query."""
    courses = list(courses)
    out: dict[int, list[ModulePage]] = {course.pk: [] for course in courses}
    if not courses:
        return out
    by_path = {course.path: course.pk for course in courses}
    modules = _child_modules(courses).only(
        "id", "title", "path", "depth", "estimated_minutes", "required", "translation_key", "quiz"
    )
    for module in modules:
        out[by_path[module.path[: -CoursePage.steplen]]].append(module)
    return out


class _JoinedText(Aggregate):
    """``STRING_AGG(expr, ',')`` on PostgreSQL, ``GROUP_CONCAT(expr, ',')`` elsewhere."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


def _as_text(expression):
    return Cast(expression, output_field=TextField())


def enrolments_with_progress(*, organisation: Organisation) -> QuerySet[Enrolment]:
    """``enrolments_for_organisation`` plus progress, as per-row subqueries (one query in all):

    * ``modules_done``: live required modules completed;
    * ``modules_total``: live required modules of the course (the completion rule's set);
    * ``quiz_scores``: ``"path:module key:best score"`` joined by commas (see ``parse_quiz_scores``).
    """
    progress = ModuleProgress.objects.filter(enrolment_id=OuterRef("id"), module__live=True).order_by()
    done = (
        progress.filter(completed_at__isnull=False, module__required=True)
        .values("enrolment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    scores = (
        progress.filter(best_score__isnull=False)
        .values("enrolment_id")
        .annotate(
            joined=_JoinedText(
                Concat(
                    "module__path",
                    Value(":"),
                    _as_text("module__translation_key"),
                    Value(":"),
                    _as_text("best_score"),
                    output_field=TextField(),
                )
            )
        )
        .values("joined")
    )
    course_path = Page.objects.filter(pk=OuterRef(OuterRef("course_id"))).values("path")[:1]
    total = (
        ModulePage.objects.live()
        .filter(required=True)
        .annotate(parent_path=Substr("path", 1, Length("path") - CoursePage.steplen))
        .filter(parent_path=Subquery(course_path))
        .order_by()
        .values("required")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return enrolments_for_organisation(organisation=organisation).annotate(
        modules_done=Coalesce(Subquery(done), 0),
        modules_total=Coalesce(Subquery(total), 0),
        quiz_scores=Subquery(scores),
    )


def parse_quiz_scores(joined: str | None) -> list[dict]:
    """``quiz_scores`` → [{"module": key, "best_score": n}] in the course's module order."""
    if not joined:
        return []
    entries = sorted(part.split(":") for part in joined.split(","))
    return [{"module": str(uuid.UUID(key)), "best_score": int(score)} for _, key, score in entries]


def cohort_challenge_stats(*, cohort: Cohort) -> list[dict]:
    """Per programme week of ``cohort``: active participants, entries, follow-ups done, outcomes.

    Aggregates only: never the notes, nor who was met. Weeks run from the cohort's start date
    (lms/weeks.py), from week 1 to the current week or the last week with an entry, at most 52.
    """
    rows = ChallengeLog.objects.filter(enrolment__cohort=cohort).values_list(
        "enrolment_id", "occurred_on", "follow_up", "outcome"
    )
    start = cohort.start_date
    stats: dict[int, dict] = {}

    def week_stats(week: int) -> dict:
        if week not in stats:
            first, last = weeks.week_bounds(start, week)
            stats[week] = {
                "week": week,
                "starts_on": first,
                "ends_on": last,
                "participants": set(),
                "entries": 0,
                "follow_ups_done": 0,
                "outcomes": dict.fromkeys(Outcome.values, 0),
            }
        return stats[week]

    for enrolment_id, occurred_on, follow_up, outcome in rows:
        week = weeks.week_of(start, occurred_on)
        if not 1 <= week <= MAX_STATS_WEEKS:
            continue
        entry = week_stats(week)
        entry["participants"].add(enrolment_id)
        entry["entries"] += 1
        entry["follow_ups_done"] += follow_up == FollowUp.DONE
        entry["outcomes"][outcome] = entry["outcomes"].get(outcome, 0) + 1
    current = min(weeks.week_of(start, timezone.localdate()), MAX_STATS_WEEKS)
    last = max([current, *stats.keys()]) if stats or current >= 1 else 0
    out = []
    for week in range(1, last + 1):
        entry = week_stats(week)
        entry["active_participants"] = len(entry.pop("participants"))
        out.append(entry)
    return out
