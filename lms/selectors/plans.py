"""Reads of if-then plans, their reminders and the participant's calendar (docs/practice.md).

Plans are private: every function here is scoped to the plan's author.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import Max, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from courses.models import Challenge

from .. import weeks
from ..models import ChallengeLog, Enrolment, EnrolmentStatus, FollowUp, Plan, PlanOccurrence
from .challenges import enrolment_programme_start

# Shown when a challenge has no cues of its own.
DEFAULT_CUES = (
    "when I join Monday's stand-up",
    "when I queue for coffee",
    "when I sit down for lunch",
    "when I join my first video call of the day",
    "when I arrive at the office",
)
UPCOMING_LIMIT = 10
CALENDAR_LIMIT = 200


def zone_name(prefs) -> str:
    """The participant's IANA time zone: their preference when valid, else the site's."""
    name = getattr(prefs, "timezone", "") or ""
    if name:
        try:
            zoneinfo.ZoneInfo(name)
            return name
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_default_timezone_name()


def programme_last_week(course_id: int) -> int:
    return Challenge.objects.filter(course_id=course_id).aggregate(w=Max("week"))["w"] or 1


def programme_bounds(enrolment: Enrolment, *, last_week: int | None = None) -> tuple[dt.date, dt.date]:
    """First and last local day of the participant's programme.

    The last day is the cohort's end date when it has one, else the last day of the course's
    last challenge week (``lms/weeks.py``)."""
    start = enrolment_programme_start(enrolment)
    if enrolment.cohort_id and enrolment.cohort.end_date:
        return start, enrolment.cohort.end_date
    last_week = last_week if last_week is not None else programme_last_week(enrolment.course_id)
    return start, weeks.week_bounds(start, last_week)[1]


def cue_suggestions(challenge: Challenge) -> list[str]:
    cues = [block.value for block in challenge.cues]
    return cues or list(DEFAULT_CUES)


def action_suggestions(challenge: Challenge) -> list[str]:
    """The challenge's openers as actions ("I will ask: …")."""
    return [f"ask “{block.value}”" for block in challenge.openers]


def plans_for_enrolment(*, enrolment: Enrolment) -> QuerySet[Plan]:
    return Plan.objects.filter(enrolment=enrolment).select_related("challenge").order_by("cue_at", "pk")


def plans_for_challenge(*, enrolment: Enrolment, challenge: Challenge) -> list[Plan]:
    """This challenge's plans (for the log form's "Which plan did this keep?"), bounded."""
    return list(plans_for_enrolment(enrolment=enrolment).filter(challenge=challenge)[: UPCOMING_LIMIT * 2])


def plans_upcoming(*, user, now: dt.datetime | None = None, course_id: int | None = None) -> list[Plan]:
    """The user's plans whose cue is still to come (or within the last day), soonest first (bounded)."""
    now = now or timezone.now()
    queryset = (
        Plan.objects.filter(enrolment__user=user, cue_at__gte=now - dt.timedelta(days=1))
        .exclude(enrolment__status=EnrolmentStatus.WITHDRAWN)
        .select_related("challenge", "enrolment__course")
        .order_by("cue_at", "pk")
    )
    if course_id is not None:
        queryset = queryset.filter(enrolment__course_id=course_id)
    return list(queryset[:UPCOMING_LIMIT])


def plan_for_author(*, user, uuid) -> Plan:
    queryset = Plan.objects.filter(enrolment__user=user).exclude(enrolment__status=EnrolmentStatus.WITHDRAWN)
    return get_object_or_404(queryset.select_related("challenge", "enrolment__course", "enrolment__cohort"), uuid=uuid)


def occurrence_get(*, pk) -> PlanOccurrence | None:
    return PlanOccurrence.objects.select_related("plan__challenge", "plan__enrolment").filter(pk=pk).first()


def calendar_items(*, user, limit: int = CALENDAR_LIMIT) -> dict:
    """What the user's ICS feed holds (bounded): plan cues, due follow-ups and challenge weeks."""
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .exclude(status=EnrolmentStatus.WITHDRAWN)
        .select_related("course", "cohort")
        .order_by("pk")[:20]
    )
    plans = list(
        Plan.objects.filter(enrolment__in=enrolments)
        .select_related("challenge", "enrolment")
        .order_by("-cue_at", "-pk")[:limit]
    )
    follow_ups = list(
        ChallengeLog.objects.filter(enrolment__in=enrolments, follow_up=FollowUp.PLANNED, follow_up_due__isnull=False)
        .select_related("challenge", "enrolment")
        .order_by("-follow_up_due", "-pk")[:limit]
    )
    challenges = list(
        Challenge.objects.filter(course__in=[e.course_id for e in enrolments]).order_by("course_id", "week", "pk")
    )
    windows = []
    for enrolment in enrolments:
        start = enrolment_programme_start(enrolment)
        for challenge in challenges:
            if challenge.course_id == enrolment.course_id:
                windows.append((enrolment, challenge, weeks.week_bounds(start, challenge.week)))
    return {"plans": plans, "follow_ups": follow_ups, "windows": windows[:limit]}
