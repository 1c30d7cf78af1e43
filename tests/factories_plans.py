"""Helpers for if-then plans and their reminders (tests/lms/test_plans*.py, bench/reminders.py)."""

import datetime as dt
import zoneinfo

from courses.models import Challenge
from lms.models import Enrolment, ParticipantPreferences, Plan, PlanOccurrence
from tests.factories import UserFactory

UTC = dt.UTC


def make_plan(enrolment: Enrolment, challenge: Challenge, day: dt.date, time: dt.time, zone: str = "Europe/London"):
    """A plan and its pending reminder, written directly (the service refuses past times)."""
    cue_at = dt.datetime.combine(day, time, tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(UTC)
    plan = Plan.objects.create(
        enrolment=enrolment,
        challenge=challenge,
        cue="I queue for coffee",
        action="ask how their week is going",
        day=day,
        time=time,
        timezone=zone,
        cue_at=cue_at,
    )
    PlanOccurrence.objects.create(plan=plan, user_id=enrolment.user_id, cue_at=cue_at, due_at=cue_at)
    return plan


def set_prefs(user, **fields) -> ParticipantPreferences:
    prefs, _ = ParticipantPreferences.objects.update_or_create(user=user, defaults=fields)
    return prefs


__all__ = ["UserFactory", "make_plan", "set_prefs"]
