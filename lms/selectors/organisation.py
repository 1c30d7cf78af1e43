"""Reads for a client organisation (the HR API). Every queryset is scoped to one organisation.

An organisation sees its members, its cohorts, and the enrolments in its cohorts; the course
catalogue (live courses) is shared by all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.utils import timezone
from wagtail.models import Page

from courses.models import CoursePage, ModulePage

from .. import weeks
from ..models import ChallengeLog, Cohort, Enrolment, FollowUp, Organisation, OrganisationMember, Outcome

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


def progress_for_enrolments(rows: list[dict]) -> dict[int, dict]:
    """Progress of enrolment rows (dicts with ``id`` and ``course_id``) in two queries, whatever
    the number of rows or courses.

    Returns {enrolment id: {"modules_done", "modules_total", "best_quiz_scores": [{module, best_score}]}}.
    Only live required modules count towards done/total, as for completion.
    """
    from ..models import ModuleProgress

    required: dict[int, set[int]] = defaultdict(set)
    module_keys: dict[int, str] = {}
    module_order: dict[int, str] = {}
    course_ids = {row["course_id"] for row in rows}
    if course_ids:
        # One query: live modules whose parent (path minus one step) is one of the courses.
        parent_path = Substr("path", 1, Length("path") - CoursePage.steplen)
        modules = (
            ModulePage.objects.live()
            .annotate(parent_path=parent_path)
            .filter(parent_path__in=Page.objects.filter(pk__in=course_ids).values("path"))
            .annotate(course_id=Subquery(Page.objects.filter(path=OuterRef("parent_path")).values("pk")[:1]))
            .values_list("id", "path", "required", "translation_key", "course_id")
        )
        for module_id, path, is_required, key, course_id in modules:
            module_keys[module_id], module_order[module_id] = str(key), path
            if is_required:
                required[course_id].add(module_id)
    done: dict[int, int] = defaultdict(int)
    scores: dict[int, list] = defaultdict(list)
    course_of = {row["id"]: row["course_id"] for row in rows}
    for enrolment_id, module_id, completed_at, best_score in (
        ModuleProgress.objects.filter(enrolment_id__in=course_of)
        .order_by()
        .values_list("enrolment_id", "module_id", "completed_at", "best_score")
    ):
        if completed_at is not None and module_id in required[course_of[enrolment_id]]:
            done[enrolment_id] += 1
        if best_score is not None and module_id in module_keys:
            scores[enrolment_id].append((module_order[module_id], module_keys[module_id], best_score))
    return {
        enrolment_id: {
            "modules_done": done[enrolment_id],
            "modules_total": len(required[course_id]),
            "best_quiz_scores": [
                {"module": key, "best_score": score} for _, key, score in sorted(scores[enrolment_id])
            ],
        }
        for enrolment_id, course_id in course_of.items()
    }


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
