"""The participant's calendar (RFC 5545), built with ``icalendar`` (docs/practice.md).

Plan cues are timed events in the plan's time zone (a ``TZID`` with its ``VTIMEZONE``);
follow-ups and challenge weeks are all-day events (``VALUE=DATE``, no time zone). UIDs are
stable, so a calendar that subscribes to the feed updates events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from .conf import conf

PLAN_MINUTES = 15
CONTENT_TYPE = "text/calendar; charset=utf-8"


def _host() -> str:
    return urlsplit(conf.base_url()).hostname or "microlearn.invalid"


def _challenge_url(course_id: int, challenge=None) -> str:
    url = conf.base_url() + reverse("microlearn_lms:challenges", args=[course_id])
    return f"{url}?challenge={challenge.uuid}" if challenge is not None else url


def plan_event(plan, *, stamp: dt.datetime) -> Event:
    start = dt.datetime.combine(plan.day, plan.time, tzinfo=zoneinfo.ZoneInfo(plan.timezone))
    event = Event()
    event.add("uid", f"plan-{plan.uuid}@{_host()}")
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(minutes=PLAN_MINUTES))
    event.add("summary", f"When {plan.cue}, I will {plan.action}")
    event.add("description", f"Your if-then plan for the weekly challenge “{plan.challenge.title}”.")
    event.add("url", _challenge_url(plan.enrolment.course_id, plan.challenge))
    event.add("categories", ["Practice plan"])
    return event


def follow_up_event(log, *, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"follow-up-{log.uuid}@{_host()}")
    event.add("dtstamp", stamp)
    event.add("dtstart", log.follow_up_due)
    event.add("dtend", log.follow_up_due + dt.timedelta(days=1))
    who = log.who or log.get_setting_display() or "your conversation"
    event.add("summary", f"Follow up: {who}")
    event.add("description", f"From your practice log: met on {log.occurred_on:%d %B %Y}.")
    event.add("url", _challenge_url(log.enrolment.course_id))
    event.add("transp", "TRANSPARENT")
    return event


def challenge_window_event(enrolment, challenge, bounds: tuple[dt.date, dt.date], *, stamp: dt.datetime) -> Event:
    first, last = bounds
    event = Event()
    event.add("uid", f"challenge-{challenge.uuid}-{enrolment.pk}@{_host()}")
    event.add("dtstamp", stamp)
    event.add("dtstart", first)
    event.add("dtend", last + dt.timedelta(days=1))
    event.add("summary", f"Week {challenge.week} challenge: {challenge.title}")
    event.add("description", challenge.brief)
    event.add("url", _challenge_url(enrolment.course_id, challenge))
    event.add("transp", "TRANSPARENT")
    return event


def calendar_bytes(events: list[Event], *, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//microlearn//practice calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    days = []
    for event in events:
        calendar.add_component(event)
        start = event.decoded("dtstart")
        days.append(start.date() if isinstance(start, dt.datetime) else start)
    if days:
        # VTIMEZONEs cover the events' years (one year either side), not 1970-2038: a compact
        # definition every client (and vobject) reads the same way.
        first, last = min(days), max(days)
        calendar.add_missing_timezones(
            first_date=dt.date(max(first.year - 1, 1971), 1, 1), last_date=dt.date(min(last.year + 2, 9998), 1, 1)
        )
    return calendar.to_ical()


def feed_bytes(items: dict) -> bytes:
    """The whole feed from ``lms.selectors.plans.calendar_items``."""
    stamp = timezone.now()
    events = [plan_event(plan, stamp=stamp) for plan in items["plans"]]
    events += [follow_up_event(log, stamp=stamp) for log in items["follow_ups"]]
    events += [challenge_window_event(e, c, b, stamp=stamp) for e, c, b in items["windows"]]
    return calendar_bytes(events, name=f"{conf.site_name()}: practice")
