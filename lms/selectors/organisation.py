"""Reads for a client organisation (the HR API). Every queryset is scoped to one organisation.

An organisation sees its members, its cohorts, and the enrolments in its cohorts; the course
catalogue (live courses) is shared by all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import connection
from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from wagtail.models import Page

from courses.models import CoursePage, ModulePage

from .. import weeks
from ..models import (
    Certificate,
    CertificateStatus,
    ChallengeLog,
    Cohort,
    Enrolment,
    FollowUp,
    ModuleProgress,
    Organisation,
    OrganisationMember,
    Outcome,
)
from .practice import cohort_totals, median_days_to_first_win, practice_by_enrolment

MAX_STATS_WEEKS = 52


def memberships_for_user(*, user) -> QuerySet[OrganisationMember]:
    """The person's own records in client organisations (their account page), erased ones left out."""
    return (
        OrganisationMember.objects.filter(user=user, erased_at__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def participants_for_organisation(*, organisation: Organisation) -> QuerySet[OrganisationMember]:
    """The organisation's records of people, erased ones included (the API answers them 410 Gone)."""
    return OrganisationMember.objects.filter(organisation=organisation).select_related(
        "user", "organisation", "manager"
    )


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


def certificates_for_organisation(*, organisation: Organisation) -> QuerySet[Certificate]:
    """Certificates of enrolments in the organisation's cohorts; pending ones (no PDF yet) are left out."""
    member_uuid = OrganisationMember.objects.filter(
        organisation=organisation, user_id=OuterRef("enrolment__user_id")
    ).values("uuid")[:1]
    return (
        Certificate.objects.filter(enrolment__cohort__organisation=organisation)
        .exclude(status=CertificateStatus.PENDING)
        .select_related("enrolment")
        .annotate(participant_uuid=Subquery(member_uuid))
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


def _progress_sql(vendor: str) -> dict[str, str]:
    """Correlated subqueries for the progress columns, as plain SQL.

    Written out rather than built with the ORM: composing three nested subqueries cost more
    Python time per request than the database spends running them (see bench/api.py). Only
    live required modules count towards done / total, as for completion.
    """
    progress, module, page, enrolment = (
        ModuleProgress._meta.db_table,
        ModulePage._meta.db_table,
        Page._meta.db_table,
        Enrolment._meta.db_table,
    )
    aggregate = "STRING_AGG" if vendor == "postgresql" else "GROUP_CONCAT"
    return {
        "modules_done": (
            f"SELECT COUNT(*) FROM {progress} mp JOIN {module} mm ON mm.page_ptr_id = mp.module_id "  # noqa: S608
            f"JOIN {page} mpg ON mpg.id = mp.module_id WHERE mp.enrolment_id = {enrolment}.id "
            "AND mp.completed_at IS NOT NULL AND mm.required = %s AND mpg.live = %s"
        ),
        "modules_total": (
            f"SELECT COUNT(*) FROM {module} mm JOIN {page} mpg ON mpg.id = mm.page_ptr_id "  # noqa: S608
            f"JOIN {page} cpg ON cpg.id = {enrolment}.course_id WHERE mm.required = %s AND mpg.live = %s "
            "AND mpg.depth = cpg.depth + 1 AND mpg.path LIKE cpg.path || '%%'"
        ),
        "quiz_scores": (
            f"SELECT {aggregate}(mpg.path || ':' || CAST(mpg.translation_key AS TEXT) || ':' "  # noqa: S608
            "|| CAST(mp.best_score AS TEXT), ',') "
            f"FROM {progress} mp JOIN {page} mpg ON mpg.id = mp.module_id "
            f"WHERE mp.enrolment_id = {enrolment}.id AND mp.best_score IS NOT NULL AND mpg.live = %s"
        ),
    }


def enrolments_with_progress(*, organisation: Organisation) -> QuerySet[Enrolment]:
    """``enrolments_for_organisation`` plus progress, as per-row subqueries (one query in all):

    * ``modules_done``: live required modules completed;
    * ``modules_total``: live required modules of the course (the completion rule's set);
    * ``quiz_scores``: ``"path:module key:best score"`` joined by commas (see ``parse_quiz_scores``).
    """
    sql = _progress_sql(connection.vendor)  # values go in as parameters; only table names are formatted
    return enrolments_for_organisation(organisation=organisation).annotate(
        modules_done=RawSQL(sql["modules_done"], (True, True), output_field=IntegerField()),  # noqa: S611
        modules_total=RawSQL(sql["modules_total"], (True, True), output_field=IntegerField()),  # noqa: S611
        quiz_scores=RawSQL(sql["quiz_scores"], (True,), output_field=TextField()),  # noqa: S611
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


def cohort_practice_stats(*, cohort: Cohort) -> dict:
    """Practice after the course, for HR: the share of if-then plans kept, the check-in response
    rate, booster retention (overall and per module) and the median days from the cohort's start
    to a participant's first win.

    Aggregates only (five queries): never the text of an entry, a note or a plan.
    """
    per_enrolment, by_module = practice_by_enrolment(cohort=cohort)
    totals = cohort_totals(per_enrolment, per_enrolment)
    keys = dict(ModulePage.objects.filter(pk__in=list(by_module)).values_list("pk", "translation_key"))
    return {
        "plans_made": totals.plans_made,
        "plans_kept": totals.plans_kept,
        "plan_kept_rate": totals.plan_kept_rate,
        "checkins_sent": totals.checkins_sent,
        "checkins_answered": totals.checkins_answered,
        "checkin_response_rate": totals.response_rate,
        "questions_in_boosters": totals.questions_total,
        "questions_retained": totals.questions_retained,
        "retention": totals.retention,
        "retention_by_module": [
            {
                "module": keys[module_id],
                "participants": counts["participants"],
                "questions_in_boosters": counts["total"],
                "questions_retained": counts["retained"],
            }
            for module_id, counts in sorted(by_module.items())
            if module_id in keys
        ],
        "median_days_to_first_win": median_days_to_first_win(cohort=cohort),
    }
