"""Pushing statements to Learning Record Stores: one cursor per store over the events outbox.

A *target* is a store and the events it gets: the site's store (``MICROLEARN_XAPI``) gets the
events of every organisation without an enabled store of its own; an organisation's store
(``OrganisationLrs``) gets that organisation's events. Each target has an ``LrsCursor``, the
position ``(txid, id)`` of the last event it has dealt with, read in commit order through the
same horizon as the HR events feed (``lms.selectors.feeds.committed``), so an event committed late
by a long transaction is never skipped.

``push(key)`` claims the target (a conditional UPDATE of ``leased_until``: one pusher per store,
on any number of workers), then sends batches of ``MICROLEARN_XAPI_BATCH_SIZE`` statements, one
POST each to ``<endpoint>/statements`` with ``X-Experience-API-Version: 1.0.3`` and Basic auth,
advancing the cursor after each batch the store has answered:

- 2xx: delivered.
- 409 Conflict: a statement id the store already has. Statement ids are deterministic
  (``lms.xapi.statements.statement_id``), so a batch resent after a lost response is already there:
  delivered. A batch of several is split in halves until the 409 names one statement, so a batch
  mixing stored and new statements still stores the new ones.
- another 4xx except 401, 403, 404, 408 and 429: the store refuses a statement. The batch is split
  in halves until the refused statements are alone; those are counted (``rejected``) and logged,
  and the cursor moves on: one bad statement never blocks the others.
- 5xx, 401, 403, 404, 408, 429, no connection, a timeout: the store (or its configuration) is the
  problem, not the statements. The cursor stays; ``attempts`` grows and the next push waits
  ``MICROLEARN_XAPI_RETRY_SCHEDULE`` (10 s, 1 min, 5 min, 30 min, then hourly), queued as a
  deferred task.

Nothing here runs in a participant's request: services only write outbox rows; pushes run in
the worker (``lms.xapi.tasks``) or in ``manage.py xapi_push``.

Erasure: statements of a person whose membership is erased (``OrganisationMember.erased_at``)
are withheld, never sent; see docs/xapi.md for statements sent before the erasure.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db.models import Q
from django.utils import timezone

from ..conf import conf
from ..models import Event, LrsCursor, OrganisationLrs, OrganisationMember
from ..models.xapi import SITE_CURSOR
from ..selectors.feeds import committed
from . import statements

logger = logging.getLogger(__name__)

RETRY_STATUSES = {401, 403, 404, 408, 429}


@dataclass(frozen=True)
class Target:
    key: str
    endpoint: str
    username: str
    password: str
    organisation_id: int | None = None  # None: the site's store

    @property
    def statements_url(self) -> str:
        base = self.endpoint.rstrip("/")
        return base if base.endswith("/statements") else base + "/statements"


def site_target() -> Target | None:
    settings = conf.XAPI or {}
    if not settings.get("ENDPOINT"):
        return None
    return Target(SITE_CURSOR, settings["ENDPOINT"], settings.get("USERNAME", ""), settings.get("PASSWORD", ""))


def targets() -> list[Target]:
    """Every store that gets statements: the site's (if configured) and each enabled organisation store."""
    found = [site_target()] if site_target() else []
    for lrs in OrganisationLrs.objects.filter(enabled=True).order_by("organisation_id"):
        found.append(_org_target(lrs))
    return found


def target_for(key: str) -> Target | None:
    if key == SITE_CURSOR:
        return site_target()
    lrs = OrganisationLrs.objects.filter(enabled=True, organisation_id=int(key.removeprefix("org:"))).first()
    return None if lrs is None else _org_target(lrs)


def _org_target(lrs: OrganisationLrs) -> Target:
    return Target(lrs.cursor_key, lrs.endpoint, lrs.username, lrs.password, lrs.organisation_id)


def pending_events(target: Target, cursor: LrsCursor, limit: int):
    """The next events of the target after its cursor, in commit order."""
    events = Event.objects.filter(type__in=statements.STATEMENT_TYPES)
    if target.organisation_id is None:
        events = events.exclude(organisation__lrs__enabled=True)
    else:
        events = events.filter(organisation_id=target.organisation_id)
    events = committed(events, "txid").filter(
        Q(txid__gt=cursor.after_txid) | Q(txid=cursor.after_txid, id__gt=cursor.after_id)
    )
    return list(events.only("id", "uuid", "type", "data", "occurred_at", "txid").order_by("txid", "id")[:limit])


# --- HTTP ------------------------------------------------------------------------------------------


class Unavailable(Exception):
    """The store cannot take statements now (5xx, auth, throttling, no connection): retry later."""


class Client:
    """A keep-alive connection to one store."""

    def __init__(self, target: Target):
        self.target = target
        parts = urlsplit(target.statements_url)
        self.path = parts.path or "/"
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port or (443 if self.https else 80)
        token = base64.b64encode(f"{target.username}:{target.password}".encode()).decode()
        self.headers = {
            "Content-Type": "application/json",
            "X-Experience-API-Version": statements.XAPI_VERSION,
            "Authorization": f"Basic {token}",
            "User-Agent": "microlearn-xapi/1",
        }
        self.connection = None

    def _connect(self):
        cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        return cls(self.host, self.port, timeout=conf.XAPI_TIMEOUT_SECONDS)

    def post(self, batch: list[dict]) -> tuple[int, bytes]:
        body = json.dumps(batch, separators=(",", ":")).encode()
        for reuse in (True, False):
            if self.connection is None:
                self.connection = self._connect()
            try:
                self.connection.request("POST", self.path, body=body, headers=self.headers)
                response = self.connection.getresponse()
                return response.status, response.read(64 * 1024)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.close()  # a kept-alive connection the server closed: one fresh try
                if not reuse:
                    raise Unavailable(f"{type(exc).__name__}: {exc}"[:500]) from None
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise Unavailable(f"{type(exc).__name__}: {exc}"[:500]) from None
        raise Unavailable("no response")  # pragma: no cover (the loop returns or raises)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Outcome:
    sent: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)


def send(client: Client, batch: list[dict], outcome: Outcome) -> None:
    """POST a batch; split it on 409 and refusals until single statements (see the module doc)."""
    status, body = client.post(batch)
    if 200 <= status < 300:
        outcome.sent += len(batch)
        return
    if status >= 500 or status in RETRY_STATUSES:
        raise Unavailable(f"HTTP {status}: {body[:300].decode(errors='replace')}")
    if len(batch) > 1:
        half = len(batch) // 2
        send(client, batch[:half], outcome)
        send(client, batch[half:], outcome)
        return
    if status == 409:
        outcome.sent += 1  # the store already has this id: delivered before (a lost response)
        return
    outcome.rejected += 1
    message = f"HTTP {status} for statement {batch[0]['id']}: {body[:300].decode(errors='replace')}"
    outcome.errors.append(message)
    logger.warning("xAPI store %s refused a statement: %s", client.target.key, message)


# --- Pushing ----------------------------------------------------------------------------------------


@dataclass
class PushResult:
    key: str
    state: str  # done | busy | waiting | retry | unconfigured
    sent: int = 0
    rejected: int = 0
    withheld: int = 0
    next_attempt_at: dt.datetime | None = None


def retry_delay(attempts: int) -> int:
    schedule = list(conf.XAPI_RETRY_SCHEDULE)
    return int(schedule[min(attempts, len(schedule)) - 1])


def _claim(cursor: LrsCursor, now: dt.datetime) -> bool:
    lease = now + dt.timedelta(seconds=conf.XAPI_LEASE_SECONDS)
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    return bool(LrsCursor.objects.filter(free, pk=cursor.pk).update(leased_until=lease))


def _erased(batch: list[Event]) -> set[str]:
    people = {event.data.get("participant") for event in batch} - {None}
    if not people:
        return set()
    erased = OrganisationMember.objects.filter(uuid__in=people, erased_at__isnull=False).values_list("uuid", flat=True)
    return {str(value) for value in erased}


def push(key: str, *, force: bool = False, max_batches: int | None = None) -> PushResult:
    """Send a target's pending statements, batch by batch (see the module doc). ``force`` ignores
    the retry wait. Returns what happened (``xapi_push_task`` queues the retry of a ``retry``)."""
    target = target_for(key)
    if target is None:
        return PushResult(key, "unconfigured")
    cursor, _ = LrsCursor.objects.get_or_create(key=key)
    now = timezone.now()
    if not force and cursor.next_attempt_at is not None and cursor.next_attempt_at > now:
        return PushResult(key, "waiting", next_attempt_at=cursor.next_attempt_at)
    if not _claim(cursor, now):
        return PushResult(key, "busy")
    result = PushResult(key, "done")
    client = Client(target)
    base_url = conf.base_url()
    batches = 0
    try:
        while max_batches is None or batches < max_batches:
            events = pending_events(target, cursor, conf.XAPI_BATCH_SIZE)
            if not events:
                break
            erased = _erased(events)
            batch, withheld = [], 0
            for event in events:
                if event.data.get("participant") in erased:
                    withheld += 1
                    continue
                try:
                    batch.append(statements.from_event(event, base_url=base_url))
                except statements.NotAStatement:
                    continue
            outcome = Outcome()
            if batch:
                try:
                    send(client, batch, outcome)
                except Unavailable as exc:
                    _failed(cursor, str(exc), result)
                    return result
            last = events[-1]
            cursor.after_txid, cursor.after_id = last.txid, last.id
            cursor.sent += outcome.sent
            cursor.rejected += outcome.rejected
            cursor.withheld += withheld
            cursor.attempts, cursor.next_attempt_at = 0, None
            if outcome.errors:
                cursor.last_error, cursor.last_error_at = outcome.errors[-1][:500], timezone.now()
            cursor.updated_at = timezone.now()
            cursor.leased_until = cursor.updated_at + dt.timedelta(seconds=conf.XAPI_LEASE_SECONDS)
            cursor.save()
            result.sent += outcome.sent
            result.rejected += outcome.rejected
            result.withheld += withheld
            batches += 1
            if len(events) < conf.XAPI_BATCH_SIZE:
                break
    finally:
        client.close()
        LrsCursor.objects.filter(pk=cursor.pk).update(leased_until=None)
    return result


def _failed(cursor: LrsCursor, error: str, result: PushResult) -> None:
    now = timezone.now()
    cursor.attempts += 1
    cursor.next_attempt_at = now + dt.timedelta(seconds=retry_delay(cursor.attempts))
    cursor.last_error, cursor.last_error_at, cursor.updated_at = error[:500], now, now
    cursor.save(update_fields=["attempts", "next_attempt_at", "last_error", "last_error_at", "updated_at"])
    logger.warning("xAPI store %s unavailable (attempt %s): %s", cursor.key, cursor.attempts, error)
    result.state, result.next_attempt_at = "retry", cursor.next_attempt_at


def push_all(*, force: bool = False) -> list[PushResult]:
    """One push per target, here and now (``manage.py xapi_push``)."""
    return [push(target.key, force=force) for target in targets()]
