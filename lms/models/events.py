"""The events outbox: one row per domain event, written in the transaction that made the change.

Rows are read back in **commit order** (``lms.selectors.feeds``): ``txid`` is the id of the
writing transaction on PostgreSQL (``pg_current_xact_id()``, a column default) and 0 on SQLite,
whose single writer makes the ``id`` order the commit order. Payloads carry ids only, never
names, emails or free text, so erasing a person never has to rewrite events.
"""

import uuid

from django.db import models
from django.utils import timezone


class CurrentTransactionId(models.Func):
    """The writing transaction's id on PostgreSQL; 0 elsewhere (SQLite: one writer at a time)."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return "0", []

    def as_postgresql(self, compiler, connection, **extra_context):
        return "(pg_current_xact_id()::text::bigint)", []


class EventType(models.TextChoices):
    ENROLMENT_CREATED = "enrolment.created", "Enrolment created"
    ENROLMENT_COMPLETED = "enrolment.completed", "Enrolment completed"
    ENROLMENT_WITHDRAWN = "enrolment.withdrawn", "Enrolment withdrawn"
    CERTIFICATE_ISSUED = "certificate.issued", "Certificate issued"
    CERTIFICATE_REVOKED = "certificate.revoked", "Certificate revoked"
    PARTICIPANT_DEACTIVATED = "participant.deactivated", "Participant deactivated"
    PARTICIPANT_REACTIVATED = "participant.reactivated", "Participant reactivated"
    PARTICIPANT_ERASED = "participant.erased", "Participant erased"
    PRACTICE_BADGE_AWARDED = "practice_badge.awarded", "Practice badge awarded"
    PRACTICE_BADGE_RENEWED = "practice_badge.renewed", "Practice badge renewed"
    PRACTICE_BADGE_EXPIRED = "practice_badge.expired", "Practice badge expired"
    PRACTICE_BADGE_REVOKED = "practice_badge.revoked", "Practice badge revoked"
    QUIZ_ATTEMPT_GRANTED = "quiz.attempt_granted", "Quiz attempt granted"


class LearningEventType(models.TextChoices):
    """Learning records: in the outbox for xAPI (``lms/xapi/``, docs/xapi.md), not in the HR
    events feed or its webhooks (``EventType`` lists what those publish). Their data are ids,
    scores, counts and choice codes: never free text."""

    MODULE_COMPLETED = "module.completed", "Module completed"
    QUIZ_SUBMITTED = "quiz.submitted", "Quiz attempt submitted"
    CHALLENGE_LOGGED = "challenge.logged", "Challenge entry logged"


class Event(models.Model):
    """A domain event of one organisation, as the events feed and webhooks publish it."""

    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("microlearn_lms.Organisation", on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=40, choices=EventType.choices + LearningEventType.choices)
    data = models.JSONField(default=dict, help_text="Ids only: never names, emails or free text.")
    occurred_at = models.DateTimeField()
    txid = models.BigIntegerField(db_default=CurrentTransactionId(), editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["txid", "id"]
        indexes = [
            models.Index(fields=["organisation", "txid", "id"], name="ml_event_feed"),
            # The site LRS's cursor reads every organisation's events in commit order (lms/xapi/delivery.py).
            models.Index(fields=["txid", "id"], name="ml_event_outbox_order"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.uuid}"
