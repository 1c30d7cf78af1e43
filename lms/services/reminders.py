"""The "Did you do it?" reminders of if-then plans, sent by a periodic tick (docs/practice.md).

``reminders_tick`` (run every minute by ``manage.py practice_tick`` or ``practice_tick_task``)
works in batches. Each batch is one short transaction that:

1. selects pending reminders whose ``due_at`` has come, through the partial index
   ``ml_occ_pending_due``, with ``SELECT ... FOR UPDATE OF <reminder> SKIP LOCKED``: several
   workers share the work and never claim the same row;
2. decides, with the participant's preferences read *now* (so a task queued before an
   unsubscribe sends nothing), whether each reminder goes: not when unsubscribed, reminders
   switched off, the enrolment withdrawn, the programme over, the user without an email
   address or inactive, or the weekly cap reached (those are marked ``skipped`` with the
   reason); a reminder due in the participant's quiet hours moves to their end;
3. marks the rest ``sent`` and commits.

Only then are the emails rendered and sent, over one connection. A reminder is therefore sent
at most once: a worker that dies between the commit and the send loses that batch's emails
instead of sending them twice; a send that fails puts its reminder back for the next tick.
Each batch runs a fixed number of queries whatever its size and the number of participants.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, Max
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from courses.models import Challenge

from ..conf import conf
from ..links import action_url, make_action_token
from ..models import BoosterDigest, CheckIn, EnrolmentStatus, ParticipantPreferences, PlanOccurrence, ReminderStatus
from ..selectors.plans import programme_bounds, zone_name

logger = logging.getLogger("lms.reminders")

WEEK = dt.timedelta(days=7)
RETRY_AFTER = dt.timedelta(minutes=5)
LATE_AFTER = dt.timedelta(hours=12)  # a reminder this late (workers down) is skipped, not sent
REMINDER_YES, REMINDER_NO, UNSUBSCRIBE = "reminder-yes", "reminder-no", "unsubscribe"


@dataclass
class TickReport:
    selected: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    skipped: Counter = field(default_factory=Counter)

    def __str__(self) -> str:
        skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items())) or "none"
        return (
            f"{self.selected} due, {self.sent} sent, {self.deferred} moved past quiet hours, "
            f"{self.failed} failed (retried later), skipped: {skipped}"
        )


def link_max_age() -> int:
    return conf.PRACTICE_LINK_MAX_AGE_DAYS * 24 * 3600


def unsubscribe_max_age() -> int:
    return conf.UNSUBSCRIBE_LINK_MAX_AGE_DAYS * 24 * 3600


def unsubscribe_url(user_id: int, *, base_url: str | None = None) -> str:
    return action_url("microlearn_lms:unsubscribe", make_action_token(UNSUBSCRIBE, {"u": user_id}), base_url=base_url)


def _in_quiet_hours(local: dt.datetime, start: dt.time | None, end: dt.time | None) -> bool:
    if start is None or end is None or start == end:
        return False
    now = local.time().replace(tzinfo=None)
    return start <= now < end if start < end else (now >= start or now < end)


def _quiet_end(local: dt.datetime, end: dt.time) -> dt.datetime:
    moment = dt.datetime.combine(local.date(), end, tzinfo=local.tzinfo)
    if moment <= local:
        moment = dt.datetime.combine(local.date() + dt.timedelta(days=1), end, tzinfo=local.tzinfo)
    return moment.astimezone(dt.UTC)


def _skip_reason(row: PlanOccurrence, prefs, last_day: dt.date, sent_this_week: int, now: dt.datetime) -> str:
    user, enrolment = row.user, row.plan.enrolment
    if prefs.unsubscribed_at is not None:
        return "unsubscribed"
    if not prefs.reminder_emails:
        return "reminders_off"
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        return "withdrawn"
    if not user.is_active or not user.email:
        return "no_email"
    if timezone.localtime(row.cue_at, zoneinfo.ZoneInfo(row.plan.timezone)).date() > last_day:
        return "programme_over"
    if now - row.due_at > LATE_AFTER:
        return "too_late"
    if sent_this_week >= prefs.weekly_email_cap:
        return "weekly_cap"
    return ""


def _claim(now: dt.datetime, batch_size: int, report: TickReport) -> list[PlanOccurrence]:
    """One transaction: claim due reminders, skip or defer those that must not go now; return the rest."""
    with transaction.atomic():
        rows = list(
            PlanOccurrence.objects.filter(status=ReminderStatus.PENDING, due_at__lte=now)
            .select_related("plan__enrolment__cohort", "user__microlearn_preferences")
            .order_by("due_at")
            .select_for_update(skip_locked=True, of=("self",))[:batch_size]
        )
        if not rows:
            return []
        report.selected += len(rows)
        user_ids = {row.user_id for row in rows}
        # One weekly cap for every practice email: reminders, check-ins and booster emails.
        sent = Counter(
            dict(
                PlanOccurrence.objects.filter(status=ReminderStatus.SENT, user_id__in=user_ids, sent_at__gt=now - WEEK)
                .values_list("user_id")
                .annotate(n=Count("pk"))
                .order_by()
            )
        )
        sent.update(
            dict(
                CheckIn.objects.filter(log__enrolment__user_id__in=user_ids, sent_at__gt=now - WEEK)
                .values_list("log__enrolment__user_id")
                .annotate(n=Count("pk"))
                .order_by()
            )
        )
        sent.update(
            dict(
                BoosterDigest.objects.filter(user_id__in=user_ids, sent_at__gt=now - WEEK)
                .values_list("user_id")
                .annotate(n=Count("pk"))
                .order_by()
            )
        )
        course_ids = {row.plan.enrolment.course_id for row in rows}
        last_weeks = dict(
            Challenge.objects.filter(course_id__in=course_ids)
            .values_list("course_id")
            .annotate(w=Max("week"))
            .order_by()
        )
        to_send, skipped, deferred = [], {}, []
        for row in rows:
            prefs = getattr(row.user, "microlearn_preferences", None) or ParticipantPreferences(user=row.user)
            last_day = programme_bounds(row.plan.enrolment, last_week=last_weeks.get(row.plan.enrolment.course_id, 1))[
                1
            ]
            reason = _skip_reason(row, prefs, last_day, sent.get(row.user_id, 0), now)
            local = timezone.localtime(row.due_at, zoneinfo.ZoneInfo(zone_name(prefs)))
            if not reason and _in_quiet_hours(local, prefs.quiet_hours_start, prefs.quiet_hours_end):
                row.due_at = _quiet_end(local, prefs.quiet_hours_end)
                deferred.append(row)
                continue
            if reason:
                skipped.setdefault(reason, []).append(row.pk)
                report.skipped[reason] += 1
                continue
            sent[row.user_id] = sent.get(row.user_id, 0) + 1
            row.zone = zone_name(prefs)
            to_send.append(row)
        for reason, ids in skipped.items():
            PlanOccurrence.objects.filter(pk__in=ids).update(status=ReminderStatus.SKIPPED, skip_reason=reason)
        if deferred:
            PlanOccurrence.objects.bulk_update(deferred, ["due_at"])
            report.deferred += len(deferred)
        if to_send:
            PlanOccurrence.objects.filter(pk__in=[row.pk for row in to_send]).update(
                status=ReminderStatus.SENT, sent_at=now
            )
    return to_send


class _Templates:
    def __init__(self):
        self.subject = get_template("microlearn_lms/email/reminder_subject.txt")
        self.text = get_template("microlearn_lms/email/reminder_body.txt")
        self.html = get_template("microlearn_lms/email/reminder_body.html")


class _Links:
    """Absolute URLs of the email's links: ``reverse`` once per batch, then only the token changes."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.patterns = {
            name: base_url + reverse(f"microlearn_lms:{name}", kwargs={"token": "TOKEN"})
            for name in ("reminder_yes", "reminder_no", "unsubscribe")
        }

    def url(self, name: str, purpose: str, payload: dict) -> str:
        return self.patterns[name].replace("TOKEN", make_action_token(purpose, payload))


def reminder_message(row: PlanOccurrence, *, templates: _Templates | None = None, links: _Links | None = None):
    """The "Did you do it?" email of one reminder: plain text and simple HTML, one-click links."""
    templates = templates or _Templates()
    links = links or _Links(conf.base_url())
    plan, user = row.plan, row.user
    unsubscribe = links.url("unsubscribe", UNSUBSCRIBE, {"u": user.pk})
    context = {
        "plan": plan,
        "user": user,
        "cue_local": timezone.localtime(row.cue_at, zoneinfo.ZoneInfo(plan.timezone)).replace(tzinfo=None),
        "site_name": conf.site_name(),
        "yes_url": links.url("reminder_yes", REMINDER_YES, {"o": row.pk}),
        "no_url": links.url("reminder_no", REMINDER_NO, {"o": row.pk}),
        "unsubscribe_url": unsubscribe,
        "account_url": links.base_url + reverse("microlearn_lms:account") + "#practice-emails",
    }
    subject = " ".join(templates.subject.render(context).split())
    message = EmailMultiAlternatives(
        subject,
        templates.text.render(context),
        to=[user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(templates.html.render(context), "text/html")
    return message


def _send(rows: list[PlanOccurrence], report: TickReport, now: dt.datetime) -> None:
    templates, links = _Templates(), _Links(conf.base_url())
    failed = []
    with get_connection() as connection:
        for row in rows:
            try:
                connection.send_messages([reminder_message(row, templates=templates, links=links)])
            except Exception:
                logger.exception("Reminder %s could not be sent; it will be retried", row.pk)
                failed.append(row.pk)
            else:
                report.sent += 1
    if failed:
        report.failed += len(failed)
        PlanOccurrence.objects.filter(pk__in=failed).update(
            status=ReminderStatus.PENDING, sent_at=None, due_at=now + RETRY_AFTER
        )


def reminders_tick(
    *, now: dt.datetime | None = None, batch_size: int | None = None, max_batches: int | None = None
) -> TickReport:
    """Send every reminder that is due (see the module docstring). Idempotent; safe on several workers."""
    now = now or timezone.now()
    batch_size = batch_size or conf.REMINDER_BATCH_SIZE
    report = TickReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        rows = _claim(now, batch_size, report)
        batches += 1
        if rows:
            _send(rows, report, now)
        if report.selected < batches * batch_size:  # a short batch: nothing more is due
            break
    return report


@task()
def practice_tick_task() -> str:
    """The periodic job as a task: queue it every minute (cron, or ``manage.py practice_tick --enqueue``)."""
    return str(reminders_tick())
