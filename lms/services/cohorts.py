"""Cohort writes: adding participants, and nudging at-risk participants by email.

**One active cohort per course.** A participant has at most one current (active or completed)
enrolment per course — a database constraint (``ml_enrolment_one_current_per_course``) — and
the cohort hangs off that enrolment, so the database already rules out two cohorts for the same
course at once. ``cohort_add_participant`` adds the readable rule: an enrolment in another cohort
that is still running is refused; one in a cohort that has ended moves to the new cohort.

**Nudges** are rate-limited: a participant gets at most one nudge per ``NUDGE_PARTICIPANT_INTERVAL``
whoever sends it, and a sender at most ``NUDGE_SENDER_HOURLY_LIMIT`` nudges an hour, however many
requests run at once (the enrolments and the sender are row-locked before counting). Each email
is rendered and logged (``NudgeLog``) in the trainer's request, then delivered by the task
worker (``nudge_email_deliver``); only participants the cohort report flags as at risk are nudged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from ..conf import conf
from ..models import Cohort, Enrolment, EnrolmentSource, NudgeLog
from ..worker.enqueue import enqueue_on_commit
from .enrolment import current_enrolment, enrolment_create
from .summaries import schedule_rebuild

NUDGE_PARTICIPANT_INTERVAL = dt.timedelta(hours=24)
NUDGE_SENDER_HOURLY_LIMIT = 30
NUDGE_NOTE_MAX = 1000


class CohortError(Exception):
    """A cohort request that breaks the rules; the message is safe to show."""


def cohort_is_active(cohort: Cohort, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return cohort.end_date is None or cohort.end_date >= today


def cohort_add_participant(
    *, cohort: Cohort, user, source: str = EnrolmentSource.COHORT, allow_inactive: bool = False
) -> Enrolment:
    """Enrol ``user`` in the cohort's course within ``cohort``. Idempotent. ``allow_inactive``:
    see ``enrolment_create``."""
    existing = current_enrolment(user=user, course=cohort.course)
    if existing is not None and existing.cohort_id not in (None, cohort.pk):
        other = Cohort.objects.get(pk=existing.cohort_id)
        if cohort_is_active(other):
            raise CohortError(f"{user.email or user} is already in the running cohort “{other.name}” for this course.")
        existing.cohort = cohort
        existing.save(update_fields=["cohort", "updated_at"])
        schedule_rebuild(enrolment_ids=[existing.pk])  # its weeks now start with this cohort
        return existing
    return enrolment_create(
        user=user, course=cohort.course, cohort=cohort, source=source, allow_inactive=allow_inactive
    )


@dataclass
class NudgeResult:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def nudge_send(*, cohort: Cohort, sender, enrolment_ids: list[int], note: str = "", now=None) -> NudgeResult:
    """Email the selected at-risk participants of ``cohort`` from the nudge template, and log it."""
    from ..selectors.cohorts import cohort_report

    note = (note or "").strip()
    if len(note) > NUDGE_NOTE_MAX:
        raise CohortError(f"The personal note is limited to {NUDGE_NOTE_MAX} characters.")
    if not enrolment_ids:
        raise CohortError("Select at least one participant to nudge.")
    now = now or timezone.now()
    wanted = set(enrolment_ids)
    rows = cohort_report(cohort=cohort, now=now, enrolment_ids=wanted).rows
    if not rows:
        raise CohortError("None of the selected people is a participant of this cohort.")
    site_url = conf.base_url()
    result = NudgeResult()
    with transaction.atomic():
        # The limits hold under concurrent requests: the selected enrolments and the sender are
        # locked (in pk order, no deadlock) before the recent nudges are counted, so a second
        # request for the same participant waits here and then sees the first one's row.
        locked = [r.enrolment_id for r in rows if r.at_risk and r.email]
        list(Enrolment.objects.select_for_update().filter(pk__in=locked).order_by("pk").values_list("pk", flat=True))
        if sender is not None and locked:
            user_model = get_user_model()
            list(user_model.objects.select_for_update().filter(pk=sender.pk).values_list("pk", flat=True))
        recent = set(
            NudgeLog.objects.filter(
                enrolment_id__in=[r.enrolment_id for r in rows], sent_at__gt=now - NUDGE_PARTICIPANT_INTERVAL
            ).values_list("enrolment_id", flat=True)
        )
        quota = (
            NUDGE_SENDER_HOURLY_LIMIT
            - NudgeLog.objects.filter(sent_by=sender, sent_at__gt=now - dt.timedelta(hours=1)).count()
        )
        logs = []
        for row in sorted(rows, key=lambda r: r.sort_name):
            if not row.at_risk:
                result.skipped.append(f"{row.name}: not at risk")
            elif not row.email:
                result.skipped.append(f"{row.name}: no email address")
            elif row.enrolment_id in recent:
                result.skipped.append(f"{row.name}: already nudged in the last 24 hours")
            elif len(logs) >= quota:
                result.skipped.append(f"{row.name}: you have reached {NUDGE_SENDER_HOURLY_LIMIT} nudges this hour")
            else:
                context = {"row": row, "cohort": cohort, "sender": sender, "note": note, "site_url": site_url}
                subject = render_to_string("microlearn_lms/email/nudge_subject.txt", context).strip()
                body = render_to_string("microlearn_lms/email/nudge_body.txt", context)
                logs.append(
                    NudgeLog(
                        cohort=cohort,
                        enrolment_id=row.enrolment_id,
                        sent_by=sender,
                        sent_at=now,
                        recipient=row.email,
                        subject=subject[:200],
                        body=body,
                        note=note,
                        reasons=row.reasons,
                    )
                )
                result.sent.append(row.name)
        if logs:
            created = NudgeLog.objects.bulk_create(logs)
            for nudge_id in (log.pk for log in created):
                enqueue_on_commit(nudge_email_send, nudge_id=nudge_id)
    return result


def nudge_email_deliver(*, nudge_id: int) -> bool:
    """Send a logged nudge that has not been emailed yet; False when there is nothing to send.

    Safe to re-run: a nudge already stamped ``emailed_at`` is not sent again. A worker killed
    between the SMTP hand-over and the stamp sends it twice (at least once, never lost)."""
    nudge = NudgeLog.objects.filter(pk=nudge_id, emailed_at__isnull=True).first()
    if nudge is None:
        return False
    EmailMessage(nudge.subject, nudge.body, settings.DEFAULT_FROM_EMAIL, [nudge.recipient]).send()
    NudgeLog.objects.filter(pk=nudge_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return True


@task()
def nudge_email_send(*, nudge_id: int) -> None:
    """Task: deliver one logged nudge (``nudge_email_deliver``)."""
    nudge_email_deliver(nudge_id=nudge_id)
