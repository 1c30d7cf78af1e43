"""Writing domain events to the outbox (``lms.models.Event``) inside the caller's transaction.

``lms.events.send_on_commit`` calls ``record`` at once, so the event commits or rolls back with
the change it describes, then sends the Django signal on commit. ``event_recorded`` is sent
synchronously, inside the transaction, with the new ``Event``: the HR API's webhooks create
their deliveries there, so a crash after the commit loses neither the event nor its pushes.

Each event belongs to one organisation (an enrolment's: its cohort's); an event without one
is not recorded. Data are ids only (see docs/api.md, "Events").
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import OuterRef, Subquery
from django.dispatch import Signal

from .models import (
    Certificate,
    Enrolment,
    Event,
    EventType,
    LearningEventType,
    OrganisationMember,
    PracticeBadgeAward,
    QuizAttemptGrant,
)

event_recorded = Signal()  # kwargs: event (an unsaved-to-feed Event row, inside the writing transaction)
events_recorded = Signal()  # kwargs: events (a list of Event rows of one batch, inside the writing transaction)


def _member_uuid(organisation_ref: str, user_ref: str) -> Subquery:
    return Subquery(
        OrganisationMember.objects.filter(
            organisation_id=OuterRef(organisation_ref), user_id=OuterRef(user_ref)
        ).values("uuid")[:1]
    )


def _str(value) -> str | None:
    return None if value is None else str(value)


def _enrolment_rows(ids: list[int]) -> dict[int, dict]:
    return {
        row["pk"]: row
        for row in Enrolment.objects.filter(pk__in=ids, cohort__isnull=False)
        .values("pk", "uuid", "status", "cohort__uuid", "cohort__organisation_id", "course__translation_key")
        .annotate(participant=_member_uuid("cohort__organisation_id", "user_id"))
    }


def _enrolment(payload: dict, row: dict | None = None) -> tuple[int, dict] | None:
    if row is None:
        row = _enrolment_rows([payload["enrolment_id"]]).get(payload["enrolment_id"])
    if row is None:
        return None
    return row["cohort__organisation_id"], {
        "id": str(row["uuid"]),
        "participant": _str(row["participant"]),
        "cohort": str(row["cohort__uuid"]),
        "course": str(row["course__translation_key"]),
        "status": row["status"],
    }


def _of_enrolment(model, pk, fields: dict[str, str], course: str = "enrolment__course__translation_key"):
    """An event about a row that belongs to an enrolment (certificate, badge award, attempt grant):
    the organisation (through the cohort), then the data every such event carries (``id``,
    ``enrolment``, ``participant``, ``course``) plus ``fields`` (data key: column). One query."""
    row = (
        model.objects.filter(pk=pk, enrolment__cohort__isnull=False)
        .values("uuid", "enrolment__uuid", "enrolment__cohort__organisation_id", course, *fields.values())
        .annotate(participant=_member_uuid("enrolment__cohort__organisation_id", "enrolment__user_id"))
        .first()
    )
    if row is None:
        return None
    data = {
        "id": str(row["uuid"]),
        "enrolment": str(row["enrolment__uuid"]),
        "participant": _str(row["participant"]),
        "course": str(row[course]),
    }
    return row["enrolment__cohort__organisation_id"], data | {key: row[column] for key, column in fields.items()}


def _certificate(payload: dict) -> tuple[int, dict] | None:
    return _of_enrolment(Certificate, payload["certificate_id"], {"serial": "serial"})


def _practice_badge(payload: dict) -> tuple[int, dict] | None:
    found = _of_enrolment(
        PracticeBadgeAward,
        payload["award_id"],
        {"status": "status", "expires_at": "expires_at"},
        course="course__translation_key",
    )
    if found is not None:
        found[1]["expires_at"] = found[1]["expires_at"].isoformat()
    return found


def _participant(payload: dict) -> tuple[int, dict] | None:
    members = OrganisationMember.objects.filter(organisation_id=payload["organisation_id"])
    if payload.get("member_id") is not None:
        members = members.filter(pk=payload["member_id"])
    else:
        members = members.filter(user_id=payload["user_id"])
    member_uuid = members.values_list("uuid", flat=True).first()
    return None if member_uuid is None else (payload["organisation_id"], {"id": str(member_uuid)})


def _learning(payload: dict) -> tuple[int, dict] | None:
    """A learning record (``LearningEventType``): the enrolment's ids plus the payload's ``facts``
    (ids, scores, counts, choice codes; never free text)."""
    found = _enrolment(payload)
    if found is None:
        return None
    organisation_id, enrolment = found
    data = {"enrolment": enrolment["id"], "participant": enrolment["participant"], "course": enrolment["course"]}
    return organisation_id, data | payload["facts"]


def _attempt_grant(payload: dict) -> tuple[int, dict] | None:
    found = _of_enrolment(
        QuizAttemptGrant,
        payload["grant_id"],
        {"module": "module__translation_key", "extra_attempts": "extra_attempts"},
    )
    if found is not None:
        found[1]["module"] = str(found[1]["module"])
    return found


BUILDERS: dict[str, Callable[[dict], tuple[int, dict] | None]] = {
    EventType.ENROLMENT_CREATED: _enrolment,
    EventType.ENROLMENT_COMPLETED: _enrolment,
    EventType.ENROLMENT_WITHDRAWN: _enrolment,
    EventType.CERTIFICATE_ISSUED: _certificate,
    EventType.CERTIFICATE_REVOKED: _certificate,
    EventType.PARTICIPANT_DEACTIVATED: _participant,
    EventType.PARTICIPANT_REACTIVATED: _participant,
    EventType.PARTICIPANT_ERASED: _participant,
    EventType.PRACTICE_BADGE_AWARDED: _practice_badge,
    EventType.PRACTICE_BADGE_RENEWED: _practice_badge,
    EventType.PRACTICE_BADGE_EXPIRED: _practice_badge,
    EventType.PRACTICE_BADGE_REVOKED: _practice_badge,
    LearningEventType.MODULE_COMPLETED: _learning,
    LearningEventType.QUIZ_SUBMITTED: _learning,
    LearningEventType.CHALLENGE_LOGGED: _learning,
    EventType.QUIZ_ATTEMPT_GRANTED: _attempt_grant,
}


ENROLMENT_TYPES = {EventType.ENROLMENT_CREATED, EventType.ENROLMENT_COMPLETED, EventType.ENROLMENT_WITHDRAWN}


def record_many(event_type: str, payloads: list[dict]) -> list[Event]:
    """Write the outbox rows of many events of one type in a constant number of queries (a bulk
    enrolment): one read of what they carry (enrolment events) and one insert; then
    ``events_recorded`` once, with them all."""
    if event_type in ENROLMENT_TYPES:
        rows = _enrolment_rows([payload["enrolment_id"] for payload in payloads])
        found = [_enrolment(payload, rows.get(payload["enrolment_id"])) for payload in payloads]
    else:
        found = [BUILDERS[event_type](payload) for payload in payloads]
    new = [
        Event(organisation_id=item[0], type=event_type, data=item[1], occurred_at=payload["occurred_at"])
        for item, payload in zip(found, payloads, strict=True)
        if item is not None
    ]
    if new:
        Event.objects.bulk_create(new)
        events_recorded.send(sender=Event, events=new)
    return new


def record(event_type: str, payload: dict) -> Event | None:
    """Write the outbox row of one domain event (2 queries), or nothing without an organisation."""
    found = BUILDERS[event_type](payload)
    if found is None:
        return None
    organisation_id, data = found
    event = Event.objects.create(
        organisation_id=organisation_id, type=event_type, data=data, occurred_at=payload["occurred_at"]
    )
    if event_type in EventType.values:  # learning records are for xAPI only: no webhooks
        event_recorded.send(sender=Event, event=event)
    return event


def record_learning(event_type: str, *, enrolment_id: int, occurred_at, facts: dict) -> Event | None:
    """Write a learning record (``LearningEventType``) in the caller's transaction: 2 queries.
    The xAPI pushers (``lms.xapi.delivery``) read it from the outbox; the HR feed does not show it."""
    return record(event_type, {"enrolment_id": enrolment_id, "occurred_at": occurred_at, "facts": facts})
