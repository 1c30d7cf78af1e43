"""Write side of if-then plans: "When [cue], I will [action]" at a day and time (docs/practice.md).

Rules (``plan_create``), each breaking one a ``ValidationError`` with a message per field:

* the enrolment is current (not withdrawn) and the challenge is an open one of its course;
* cue (200 characters) and action (300) are required;
* the day and time are the participant's local ones (their time zone preference, else the
  site's); a time that does not exist on that day (the clocks go forward) is refused;
* the moment is not in the past, and the day lies inside the programme (``programme_bounds``);
* at most ``MAX_PLANS_PER_CHALLENGE`` plans per challenge.

Creating a plan creates its one reminder row (``PlanOccurrence``) at the cue time.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from courses.models import Challenge

from .. import weeks
from ..models import Enrolment, EnrolmentStatus, Plan, PlanOccurrence, ReminderAnswer, ReminderStatus
from ..selectors.plans import programme_bounds, zone_name
from ..selectors.preferences import preferences_for

TEXT_LIMITS = {"cue": 200, "action": 300}
MAX_PLANS_PER_CHALLENGE = 10


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def local_moment(day: dt.date, time: dt.time, zone: str) -> dt.datetime | None:
    """The aware moment of a local day and time, or None when it does not exist (a DST gap)."""
    tz = zoneinfo.ZoneInfo(zone)
    naive = dt.datetime.combine(day, time.replace(tzinfo=None))
    moment = naive.replace(tzinfo=tz)
    if moment.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return moment


def plan_create(*, enrolment: Enrolment, challenge: Challenge, data: dict, now: dt.datetime | None = None) -> Plan:
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    values = {}
    for name, label in (("cue", "the cue"), ("action", "what you will do")):
        values[name] = str(data.get(name) or "").strip()
        if not values[name]:
            add(name, f"Enter {label}.")
        elif len(values[name]) > TEXT_LIMITS[name]:
            add(name, f"Keep this to {TEXT_LIMITS[name]} characters (it has {len(values[name])}).")
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        add(NON_FIELD_ERRORS, "This enrolment was withdrawn, so no plans can be made.")
    start, end = programme_bounds(enrolment)
    if challenge.course_id != enrolment.course_id:
        add("challenge", "That challenge is not part of your programme.")
    elif challenge.week > weeks.week_of(start, timezone.localdate(now, timezone.get_default_timezone())):
        add("challenge", f"“{challenge.title}” has not opened yet.")
    elif Plan.objects.filter(enrolment=enrolment, challenge=challenge).count() >= MAX_PLANS_PER_CHALLENGE:
        add(NON_FIELD_ERRORS, f"You already have {MAX_PLANS_PER_CHALLENGE} plans for this challenge.")
    day, time = data.get("day"), data.get("time")
    zone = zone_name(preferences_for(user=enrolment.user))
    if not isinstance(day, dt.date):
        add("day", "Enter the day, for example 2026-03-14.")
    elif not isinstance(time, dt.time):
        add("time", "Enter the time, for example 09:30.")
    elif day < start or day > end:
        add("day", f"Choose a day in your programme, from {_long_date(start)} to {_long_date(end)}.")
    else:
        moment = local_moment(day, time, zone)
        if moment is None:
            add("time", f"{time:%H:%M} does not exist on {_long_date(day)} in {zone} (the clocks go forward).")
        elif moment <= now:
            add("time", "That time has passed. Choose a time still to come.")
    if errors:
        raise ValidationError(errors)
    cue_at = moment.astimezone(dt.UTC)
    with transaction.atomic():
        plan = Plan.objects.create(
            enrolment=enrolment, challenge=challenge, day=day, time=time, timezone=zone, cue_at=cue_at, **values
        )
        PlanOccurrence.objects.create(plan=plan, user_id=enrolment.user_id, cue_at=cue_at, due_at=cue_at)
    return plan


def plan_delete(*, plan: Plan, user) -> None:
    if plan.enrolment.user_id != getattr(user, "pk", None):
        raise Http404("No such plan.")
    plan.delete()


def occurrence_answer(*, occurrence: PlanOccurrence, answer: str, now: dt.datetime | None = None) -> PlanOccurrence:
    """Record the participant's answer to "Did you do it?" (idempotent; a later answer wins)."""
    if answer not in (ReminderAnswer.YES, ReminderAnswer.NO):
        raise ValidationError({"answer": "Answer yes or no."})
    now = now or timezone.now()
    PlanOccurrence.objects.filter(pk=occurrence.pk).update(answer=answer, answered_at=now)
    occurrence.answer, occurrence.answered_at = answer, now
    return occurrence


def plan_kept(*, plan: Plan, now: dt.datetime | None = None) -> None:
    """A log entry kept this plan: its reminders answer "yes", and one still to come is not sent."""
    now = now or timezone.now()
    occurrences = PlanOccurrence.objects.filter(plan=plan)
    occurrences.filter(status=ReminderStatus.PENDING).update(status=ReminderStatus.SKIPPED, skip_reason="kept")
    occurrences.update(answer=ReminderAnswer.YES, answered_at=now)
