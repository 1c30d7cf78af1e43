"""Domain events: the documented plugin API that certificates and HR webhooks subscribe to.

Every event is a Django signal sent **after the transaction commits** (``transaction.on_commit``),
so receivers never see a rolled-back change. Receivers get keyword arguments only, all plain
values (ids, not objects), so they can hand them straight to a task:

``enrolment_created``    enrolment_id, user_id, course_id, cohort_id, source, occurred_at
``enrolment_completed``  enrolment_id, user_id, course_id, cohort_id, occurred_at
``enrolment_withdrawn``  enrolment_id, user_id, course_id, cohort_id, occurred_at

``sender`` is the ``Enrolment`` class. ``occurred_at`` is an aware UTC datetime.

``send_on_commit`` also writes the event's outbox row (``lms.models.Event``, the HR API's events
feed and the source of its webhooks) **at once, inside the caller's transaction** (see
``lms.outbox``): call it inside the ``transaction.atomic()`` block that makes the change.
"""

import functools

from django.db import transaction
from django.dispatch import Signal

from . import outbox
from .models.events import EventType
from .outbox import event_recorded, events_recorded

enrolment_created = Signal()
enrolment_completed = Signal()
enrolment_withdrawn = Signal()


# Certificates (issue/revoke), and participant lifecycle (HR API). Same conventions as above.
# ``certificate_issued``   certificate_id, enrolment_id, user_id, course_id, occurred_at
# ``certificate_revoked``  certificate_id, enrolment_id, user_id, course_id, reason, occurred_at
# ``participant_deactivated``  user_id, organisation_id, member_id, occurred_at
# ``participant_reactivated``  user_id, organisation_id, member_id, occurred_at
# ``participant_erased``       user_id, organisation_id, member_id, occurred_at
certificate_issued = Signal()
certificate_revoked = Signal()
participant_deactivated = Signal()
participant_reactivated = Signal()
participant_erased = Signal()
# ``quiz_attempt_granted``  grant_id, enrolment_id, module_id, user_id, granted_by_id, occurred_at
quiz_attempt_granted = Signal()

# Practice badges (lms/services/badges.py, docs/badges.md). Same conventions as above.
# ``practice_badge_awarded`` / ``_renewed`` / ``_expired`` / ``_revoked``
#                              award_id, enrolment_id, user_id, course_id, occurred_at
practice_badge_awarded = Signal()
practice_badge_renewed = Signal()
practice_badge_expired = Signal()
practice_badge_revoked = Signal()

EVENT_TYPES: dict[Signal, str] = {
    enrolment_created: EventType.ENROLMENT_CREATED,
    enrolment_completed: EventType.ENROLMENT_COMPLETED,
    enrolment_withdrawn: EventType.ENROLMENT_WITHDRAWN,
    certificate_issued: EventType.CERTIFICATE_ISSUED,
    certificate_revoked: EventType.CERTIFICATE_REVOKED,
    participant_deactivated: EventType.PARTICIPANT_DEACTIVATED,
    participant_reactivated: EventType.PARTICIPANT_REACTIVATED,
    participant_erased: EventType.PARTICIPANT_ERASED,
    practice_badge_awarded: EventType.PRACTICE_BADGE_AWARDED,
    practice_badge_renewed: EventType.PRACTICE_BADGE_RENEWED,
    practice_badge_expired: EventType.PRACTICE_BADGE_EXPIRED,
    practice_badge_revoked: EventType.PRACTICE_BADGE_REVOKED,
    quiz_attempt_granted: EventType.QUIZ_ATTEMPT_GRANTED,
}

__all__ = ["EVENT_TYPES", "event_recorded", "events_recorded", "send_many_on_commit", "send_on_commit"]


def send_on_commit(signal: Signal, sender, **payload) -> None:
    """Record the outbox event now (same transaction), send ``signal`` after the commit."""
    event_type = EVENT_TYPES.get(signal)
    if event_type is not None:
        outbox.record(event_type, payload)
    transaction.on_commit(lambda: signal.send(sender=sender, **payload))


def send_many_on_commit(signal: Signal, sender, payloads: list[dict]) -> None:
    """``send_on_commit`` for a batch (a bulk enrolment): the outbox rows are written together, in
    a constant number of queries; the signal is still sent once per payload after the commit."""
    event_type = EVENT_TYPES.get(signal)
    if event_type is not None and payloads:
        outbox.record_many(event_type, payloads)
    for payload in payloads:
        transaction.on_commit(functools.partial(signal.send, sender=sender, **payload))
