"""Erasure of a person's data from every record that holds it (docs/privacy.md, "Erasure").

``lms.services.participants.participant_erase`` decides *whose* data goes (the whole account,
or only one organisation's enrolments moved to a placeholder account) and calls
``erase_person_data`` inside its transaction. ``account_erase`` is the person's own request
(their account page): every organisation record of theirs, then the account itself. This
module knows *where* personal data lives.

Reach (each step below; the table is in docs/privacy.md):

- challenge log entries: who, opener, learned, notes blanked;
- if-then plans: cue and action replaced (the participant's own words);
- quiz attempts: answers and per-question results cleared (score and pass stay);
- nudges: recipient, subject, body and trainer's note blanked;
- extra quiz attempts granted by trainers: the trainer's reason blanked;
- certificates: holder name replaced, PDF deleted from storage, ``holder_erased_at`` set (the
  verification page then says the holder's data was erased; downloads answer 404/410);
- Open Badges credentials (the certificates', and every one the account holds on a whole-account
  erasure): holder link, name and stored JWT dropped; the status bit is left as it was;
- CSV imports of the organisation's cohorts: rows and errors mentioning the person removed;
- idempotency records of the organisation's API keys whose stored body mentions the person:
  replaced by a 410 problem (a replay neither re-runs the request nor returns the data);
- webhook deliveries of the organisation's endpoints: strings mentioning the person replaced;
- Wagtail audit log entries and Django admin log entries: labels and data scrubbed;
- task results (arguments, return values, tracebacks) mentioning the person scrubbed;
- the account's practice preferences: calendar token revoked;
- practice badge awards: active ones revoked through the credential seam, then all deleted
  (their evidence is counts only, but the award itself says what the person did).

Extension point: a module that stores free text about a person registers an eraser under the
Wagtail hook ``microlearn_erase_person_data`` (``ERASE_HOOK``). It is called, inside the same
transaction, with one keyword argument ``erasure`` (a ``PersonErasure``)::

    from wagtail import hooks

    @hooks.register("microlearn_erase_person_data")
    def erase_journal(*, erasure):
        JournalEntry.objects.filter(enrolment_id__in=erasure.enrolment_ids).update(text="")

The test ``tests/lms/test_erasure_reach.py`` gives one person data in every model, erases them
and scans every text and JSON column of every installed model: a new model holding personal
text fails it until its eraser is registered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from wagtail import hooks
from wagtail.models import ModelLogEntry

from ..credentials.services import erase_credentials
from ..models import (
    Certificate,
    ChallengeLog,
    CohortImport,
    NudgeLog,
    ParticipantPreferences,
    Plan,
    QuizAttempt,
    QuizAttemptGrant,
)
from .badges import practice_badges_erase

ERASE_HOOK = "microlearn_erase_person_data"
ERASED = "[erased]"
ERASED_HOLDER = "Erased participant"
BATCH = 500


@dataclass(frozen=True)
class PersonErasure:
    """What one erasure covers. ``organisation_id`` is None for the account's own erasure (no
    organisation's stores); ``whole_account`` is true when everything tied to ``user_id`` goes."""

    organisation_id: int | None
    user_id: int
    enrolment_ids: tuple[int, ...]
    identifiers: tuple[str, ...]
    whole_account: bool

    def mentions(self, text: str) -> bool:
        lowered = text.lower()
        return any(identifier.lower() in lowered for identifier in self.identifiers)

    def scrub(self, value):
        """``value`` (str, list, dict, bytes) with every string mentioning the person replaced."""
        if isinstance(value, str):
            return ERASED if self.mentions(value) else value
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        if isinstance(value, dict):
            return {(ERASED if self.mentions(k) else k): self.scrub(v) for k, v in value.items()}
        return value

    def text_filter(self, *fields: str) -> Q:
        """Rows where any of ``fields`` contains any identifier (case-insensitive)."""
        q = Q(pk__in=[])
        for field in fields:
            for identifier in self.identifiers:
                q |= Q(**{f"{field}__icontains": identifier})
        return q


def _clean_identifiers(identifiers: Iterable[str]) -> tuple[str, ...]:
    """Distinct, trimmed identifiers of two characters or more (shorter ones match everything)."""
    seen = {}
    for value in identifiers:
        value = (value or "").strip()
        if len(value) > 1:
            seen.setdefault(value.lower(), value)
    return tuple(sorted(seen.values(), key=len, reverse=True))


# --- The steps ------------------------------------------------------------------------------------


def _challenge_logs(erasure: PersonErasure) -> None:
    ChallengeLog.objects.filter(enrolment_id__in=erasure.enrolment_ids).update(
        who="", opener="", learned="", notes="", updated_at=timezone.now()
    )


def _plans(erasure: PersonErasure) -> None:
    """If-then plans are the participant's own words ("When I see Sam at the stand-up…")."""
    Plan.objects.filter(enrolment_id__in=erasure.enrolment_ids).update(cue=ERASED, action=ERASED)


def _quiz_attempts(erasure: PersonErasure) -> None:
    QuizAttempt.objects.filter(enrolment_id__in=erasure.enrolment_ids).update(answers={}, results={})


def _nudges(erasure: PersonErasure) -> None:
    NudgeLog.objects.filter(enrolment_id__in=erasure.enrolment_ids).update(recipient="", subject="", body="", note="")


def _attempt_grants(erasure: PersonErasure) -> None:
    QuizAttemptGrant.objects.filter(enrolment_id__in=erasure.enrolment_ids).update(reason="")


def _certificates(erasure: PersonErasure) -> None:
    """Holder name replaced, PDF deleted from storage (after commit: a rollback keeps it)."""
    certificates = list(Certificate.objects.filter(enrolment_id__in=erasure.enrolment_ids).exclude(pdf=""))
    files = [(c.pdf.storage, c.pdf.name) for c in certificates]
    Certificate.objects.filter(enrolment_id__in=erasure.enrolment_ids).update(
        holder_name=ERASED_HOLDER,
        pdf="",
        revoked_reason="",
        last_error="",
        holder_erased_at=timezone.now(),
        updated_at=timezone.now(),
    )

    erased_uuids = Certificate.objects.filter(enrolment_id__in=erasure.enrolment_ids).values_list("uuid", flat=True)
    erase_credentials(
        kind="certificate",
        object_ids=list(erased_uuids),
        holder_id=erasure.user_id if erasure.whole_account else None,
    )

    def delete_files():
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)


def _imports(erasure: PersonErasure) -> None:
    if erasure.organisation_id is None:
        return
    imports = CohortImport.objects.filter(cohort__organisation_id=erasure.organisation_id).filter(
        erasure.text_filter("rows", "errors", "message", "filename")
    )
    for cohort_import in imports.iterator(chunk_size=BATCH):
        cohort_import.rows = [row for row in cohort_import.rows if not erasure.mentions(json.dumps(row))]
        cohort_import.errors = [error for error in cohort_import.errors if not erasure.mentions(json.dumps(error))]
        cohort_import.message = erasure.scrub(cohort_import.message)
        cohort_import.filename = erasure.scrub(cohort_import.filename)
        cohort_import.save(update_fields=["rows", "errors", "message", "filename"])


def _erased_problem() -> bytes:
    return json.dumps(
        {"type": "about:blank", "title": "Gone", "status": 410, "detail": "This participant was erased."}
    ).encode()


def _idempotency_records(erasure: PersonErasure) -> None:
    """The organisation's stored API responses that mention the person replay a 410 problem.

    Kept rather than deleted: a replay of the key must not run the request again (a provisioning
    POST would create the person anew). The bodies are bytes, so they are read in batches
    (records live 24 hours, so there are few)."""
    from api.models import IdempotencyRecord

    if erasure.organisation_id is None:
        return
    records = IdempotencyRecord.objects.filter(api_key__organisation_id=erasure.organisation_id)
    hits = [
        pk
        for pk, body, headers in records.values_list("pk", "body", "headers").iterator(chunk_size=BATCH)
        if erasure.mentions(bytes(body or b"").decode("utf-8", "replace")) or erasure.mentions(json.dumps(headers))
    ]
    records.filter(pk__in=hits).update(
        status_code=410, content_type="application/problem+json", body=_erased_problem(), headers={}
    )


def _webhook_deliveries(erasure: PersonErasure) -> None:
    from api.models import WebhookDelivery

    if erasure.organisation_id is None:
        return
    deliveries = WebhookDelivery.objects.filter(endpoint__organisation_id=erasure.organisation_id).filter(
        erasure.text_filter("payload", "last_error")
    )
    for delivery in deliveries.iterator(chunk_size=BATCH):
        delivery.payload = erasure.scrub(delivery.payload)
        delivery.last_error = erasure.scrub(delivery.last_error)
        delivery.save(update_fields=["payload", "last_error"])


def _audit_logs(erasure: PersonErasure) -> None:
    """Wagtail's audit log (e.g. a certificate revoked: its label names the holder) and Django
    admin's log (``object_repr``, ``change_message``)."""
    for entry in ModelLogEntry.objects.filter(erasure.text_filter("label", "data")).iterator(chunk_size=BATCH):
        entry.label = erasure.scrub(entry.label)
        entry.data = erasure.scrub(entry.data)
        entry.save(update_fields=["label", "data"])
    user_type = ContentType.objects.get_for_model(_user_model())
    LogEntry.objects.filter(content_type=user_type, object_id=str(erasure.user_id)).update(object_repr=ERASED)
    for entry in LogEntry.objects.filter(erasure.text_filter("object_repr", "change_message")).iterator(
        chunk_size=BATCH
    ):
        entry.object_repr = erasure.scrub(entry.object_repr)
        entry.change_message = ERASED if erasure.mentions(entry.change_message) else entry.change_message
        entry.save(update_fields=["object_repr", "change_message"])


def _task_results(erasure: PersonErasure) -> None:
    """Background task results whose arguments, return value or traceback name the person."""
    from django_tasks_db.models import DBTaskResult

    fields = ("args_kwargs", "return_value", "traceback", "exception_class_path")
    for result in DBTaskResult.objects.filter(erasure.text_filter(*fields)).iterator(chunk_size=BATCH):
        for field in fields:
            setattr(result, field, erasure.scrub(getattr(result, field)))
        result.save(update_fields=list(fields))


def _preferences(erasure: PersonErasure) -> None:
    if erasure.whole_account:
        ParticipantPreferences.objects.filter(user_id=erasure.user_id).update(calendar_token=None)


def _practice_badges(erasure: PersonErasure) -> None:
    practice_badges_erase(enrolment_ids=erasure.enrolment_ids)


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


STEPS = (
    _challenge_logs,
    _plans,
    _quiz_attempts,
    _nudges,
    _attempt_grants,
    _certificates,
    _imports,
    _idempotency_records,
    _webhook_deliveries,
    _audit_logs,
    _task_results,
    _preferences,
    _practice_badges,
)


def erase_person_data(
    *,
    organisation_id: int | None,
    user_id: int,
    enrolment_ids: list[int],
    identifiers: list[str],
    whole_account: bool,
) -> PersonErasure:
    """Anonymise what the erased person left behind. Call inside a transaction.

    ``enrolment_ids``: the enrolments whose records are erased (all of the account's when
    ``whole_account``, else the organisation's). ``identifiers``: the email, names, user name and
    external ids the person was known by, to scrub from stores that keep copies of requests or
    messages (idempotency bodies, webhook payloads, import rows, audit logs). Runs every step of
    this module, then every eraser registered under ``ERASE_HOOK``.
    """
    erasure = PersonErasure(
        organisation_id=organisation_id,
        user_id=user_id,
        enrolment_ids=tuple(enrolment_ids),
        identifiers=_clean_identifiers(identifiers),
        whole_account=whole_account,
    )
    for step in STEPS:
        step(erasure)
    for eraser in hooks.get_hooks(ERASE_HOOK):
        eraser(erasure=erasure)
    return erasure
