"""Webhooks: the push side of the events feed. Events → deliveries → signed HTTPS POSTs, retried.

Every event recorded in the outbox (``lms.outbox.event_recorded``, inside the writing
transaction) gets one ``WebhookDelivery`` per active endpoint of its organisation subscribed
to its type, in the same transaction; the attempt is queued after the commit. The body is the
event exactly as the events feed shows it (``{id, type, timestamp, data}``).

Signing follows Standard Webhooks (https://www.standardwebhooks.com/): headers ``webhook-id``
(the delivery id, stable across retries and redeliveries), ``webhook-timestamp`` (Unix seconds)
and ``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, keyed with the
base64-decoded part of the ``whsec_…`` secret. After a secret rotation the header carries two
space-separated signatures (new secret, then old) until the overlap ends.

Target URLs must be HTTPS and resolve only to public addresses. The check runs when the URL
is registered and again before every attempt, and the connection goes to the address that
was checked (no second DNS lookup), so DNS rebinding cannot reach an internal host.
``MICROLEARN_WEBHOOK_ALLOW_LOOPBACK`` (tests only) also accepts http:// and loopback.

Each attempt has one deadline, ``MICROLEARN_WEBHOOK_TIMEOUT_SECONDS``, for connecting, sending and
reading the whole response: a receiver trickling bytes cannot hold a worker past it. Retries
follow ``MICROLEARN_WEBHOOK_RETRY_SCHEDULE`` (1m, 5m, 30m, 2h, 5h, 10h, 10h: 27.6 h) up to
``MICROLEARN_WEBHOOK_MAX_ATTEMPTS``; then the delivery is FAILED, and can still be redelivered.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import default_task_backend, task

from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from lms import events
from lms.conf import conf
from lms.models import Event
from lms.worker.enqueue import enqueue_on_commit

from .serializers import ts

logger = logging.getLogger(__name__)


class UnsafeURL(ValueError):
    """A webhook URL the server refuses to call."""


# --- Signing ----------------------------------------------------------------------------------


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signature_header(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,…`` signature per secret, space-separated (Standard Webhooks)."""
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets)


def verify(secret: str, headers: dict, body: bytes, *, tolerance: int = 300) -> bool:
    """Receiver side (as in docs/api.md): check the signature and the timestamp's freshness."""
    msg_id, timestamp = headers["webhook-id"], int(headers["webhook-timestamp"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, msg_id, timestamp, body).split(",", 1)[1]
    return any(
        hmac.compare_digest(expected, candidate.split(",", 1)[1])
        for candidate in headers["webhook-signature"].split()
        if candidate.startswith("v1,")
    )


# --- SSRF guard -------------------------------------------------------------------------------


_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local-use, translates to anything inside
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address an IPv6 address maps or embeds (mapped, compatible, NAT64, 6to4, Teredo)."""
    found = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip in _IPV4_COMPATIBLE or ip in _NAT64_WELL_KNOWN:
        found.append(ipaddress.IPv4Address(ip.packed[-4:]))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)  # (server, client)
    return found


def _ip_allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if ip.is_loopback and conf.WEBHOOK_ALLOW_LOOPBACK:
        return True
    return ip.is_global and not ip.is_multicast


def _address_allowed(address: str) -> bool:
    """A public unicast address, in whatever form: an IPv6 address that maps or embeds an IPv4
    address is allowed only when that IPv4 address is allowed too."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv4Address) or ip.is_loopback:
        return _ip_allowed(ip)
    if ip in _NAT64_LOCAL:
        return False
    embedded = _embedded_ipv4(ip)
    if ip.ipv4_mapped is not None or ip in _IPV4_COMPATIBLE:
        return all(_ip_allowed(v4) for v4 in embedded)  # the IPv6 form itself is not "global"
    return _ip_allowed(ip) and all(_ip_allowed(v4) for v4 in embedded)


def resolve_target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, checked address) of a URL the server may call, else ``UnsafeURL``."""
    parts = urlsplit(url)
    allow_http = conf.WEBHOOK_ALLOW_LOOPBACK
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        raise UnsafeURL("Webhook URLs must use https://.")
    if not parts.hostname:
        raise UnsafeURL("The webhook URL has no host.")
    if parts.username or parts.password:
        raise UnsafeURL("Webhook URLs must not contain credentials.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeURL("The webhook URL has an invalid port.") from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeURL("The webhook host name does not resolve.") from None
    addresses = [info[4][0] for info in infos]
    if not addresses or not all(_address_allowed(address) for address in addresses):
        raise UnsafeURL("The webhook host resolves to a private, loopback or link-local address.")
    return parts.scheme, parts.hostname, port, addresses[0]


class DeadlineExceeded(TimeoutError):
    """The attempt ran past ``MICROLEARN_WEBHOOK_TIMEOUT_SECONDS``."""


class _Deadline:
    """One deadline for a whole attempt. Each socket operation may wait at most the time left
    (``settimeout`` alone restarts with every byte), and a watchdog shuts the socket down at the
    deadline, so a receiver trickling bytes cannot hold the worker past it."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self.sock = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def left(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0 or self.expired:
            raise DeadlineExceeded(f"no complete response within {self.seconds:g} s")
        return left

    def attach(self, sock) -> None:
        with self._lock:
            self.sock = sock
            if self.expired:
                sock.close()
                raise DeadlineExceeded(f"no complete response within {self.seconds:g} s")

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self.sock is not None:
                # Wakes a recv() blocked in the worker thread (the socket's own shutdown, also under TLS).
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(self.sock, socket.SHUT_RDWR)

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, deadline: _Deadline, **kwargs):
        super().__init__(host, port, timeout=deadline.left(), **kwargs)
        self._address = address
        self._deadline = deadline

    def _open(self):
        sock = socket.create_connection((self._address, self.port), self._deadline.left())
        self._deadline.attach(sock)
        return sock

    def connect(self):
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = http.client.HTTPS_PORT

    def connect(self):
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self._open(), server_hostname=self.host, do_handshake_on_connect=False)
        self._deadline.attach(self.sock)  # wrapping took over the socket: watch the new one
        self.sock.settimeout(self._deadline.left())
        self.sock.do_handshake()


MAX_RESPONSE_BYTES = 64 * 1024


def post(url: str, body: bytes, headers: dict) -> int:
    """POST to a checked address; returns the status code. Redirects are not followed. The whole
    exchange must end within ``MICROLEARN_WEBHOOK_TIMEOUT_SECONDS``, else ``DeadlineExceeded``."""
    with _Deadline(conf.WEBHOOK_TIMEOUT_SECONDS) as deadline:
        scheme, host, port, address = resolve_target(url)
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(host, port, address, deadline)
        try:
            connection.request("POST", target, body=body, headers=headers)
            deadline.sock.settimeout(deadline.left())
            response = connection.getresponse()
            received = 0
            while received < MAX_RESPONSE_BYTES:
                deadline.sock.settimeout(deadline.left())
                chunk = response.read1(MAX_RESPONSE_BYTES - received) if not response.isclosed() else b""
                if not chunk:
                    break
                received += len(chunk)
            deadline.left()
            return response.status
        except Exception:
            if deadline.expired:
                raise DeadlineExceeded(f"no complete response within {deadline.seconds:g} s") from None
            raise
        finally:
            connection.close()


# --- Delivery -----------------------------------------------------------------------------------


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def retry_delay(attempt: int) -> int:
    """Seconds before the attempt after ``attempt`` (1-based): the schedule, its last step repeating."""
    schedule = list(conf.WEBHOOK_RETRY_SCHEDULE)
    return int(schedule[min(attempt, len(schedule)) - 1])


def attempt_delivery(delivery_id: int) -> None:
    """One attempt; schedules the next one by the retry schedule until the limit."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").filter(pk=delivery_id).first()
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return
        delivery.attempts += 1
        attempt = delivery.attempts
        delivery.save(update_fields=["attempts"])
    endpoint = delivery.endpoint
    body = body_of(delivery)
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "user-agent": "microlearn-webhooks/1",
        "webhook-id": str(delivery.uuid),
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(endpoint.signing_secrets(), str(delivery.uuid), timestamp, body),
    }
    status_code, error = None, ""
    try:
        status_code = post(endpoint.url, body, headers)
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except UnsafeURL as exc:
        error = str(exc)
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    now = timezone.now()
    delivery.last_status_code, delivery.last_error = status_code, error
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, now, None
    elif attempt >= conf.WEBHOOK_MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.next_attempt_at = now + timedelta(seconds=retry_delay(attempt))
    delivery.save(update_fields=["last_status_code", "last_error", "status", "delivered_at", "next_attempt_at"])
    if delivery.status == DeliveryStatus.PENDING:
        schedule(delivery.pk, run_after=delivery.next_attempt_at)


@task()
def deliver_webhook(*, delivery_id: int) -> None:
    attempt_delivery(delivery_id)


def schedule(delivery_id: int, *, run_after=None) -> None:
    """Enqueue an attempt after commit; backends that cannot defer (tests) retry at once."""
    runner = deliver_webhook
    if run_after is not None and default_task_backend.supports_defer:
        runner = deliver_webhook.using(run_after=run_after)
    enqueue_on_commit(runner, delivery_id=delivery_id)


def deliveries_requeue_stalled(*, now=None, grace: timedelta = timedelta(minutes=10), limit: int = 500) -> int:
    """Queue again the PENDING deliveries whose attempt should have run ``grace`` ago but did not.

    The delivery row is written in the transaction that records the event; its attempt is queued
    after the commit. A process killed in between leaves the row PENDING with no task: this finds
    it (and a retry whose task was lost) and queues it again. Run by the task worker's housekeeping
    (``microlearn_worker_housekeeping``). A stalled row is stamped ``next_attempt_at = now`` so the
    next sweep leaves it alone for another ``grace``; at worst a receiver gets an attempt twice,
    with the same ``webhook-id``. Returns how many were queued.
    """
    now = now or timezone.now()
    cutoff = now - grace
    stalled = (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, endpoint__is_active=True)
        .filter(Q(next_attempt_at__isnull=True, created_at__lte=cutoff) | Q(next_attempt_at__lte=cutoff))
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    with transaction.atomic():
        ids = list(stalled)
        WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now)
        for delivery_id in ids:
            schedule(delivery_id)
    if ids:
        logger.warning("Queued %d stalled webhook deliveries again.", len(ids))
    return len(ids)


def event_body(event: Event) -> dict:
    """An event as the feed and the webhooks show it."""
    return {"id": str(event.uuid), "type": event.type, "timestamp": ts(event.occurred_at), "data": event.data}


def dispatch(
    *, organisation_id: int, event: str, data: dict, occurred_at, feed_event: Event | None = None
) -> list[WebhookDelivery]:
    """Record one delivery per active endpoint of the organisation subscribed to ``event``
    (in the caller's transaction) and queue its first attempt after the commit."""
    if feed_event is not None:
        payload = event_body(feed_event)
    else:
        payload = {"type": event, "timestamp": ts(occurred_at), "data": data}
    deliveries = []
    for endpoint in WebhookEndpoint.objects.filter(organisation_id=organisation_id, is_active=True):
        if event not in endpoint.events:
            continue
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, payload=payload, feed_event=feed_event
        )
        schedule(delivery.pk)
        deliveries.append(delivery)
    return deliveries


# --- The outbox receiver (connected in ApiConfig.ready) ------------------------------------------


def _on_event_recorded(sender, *, event: Event, **kwargs) -> None:
    dispatch(
        organisation_id=event.organisation_id,
        event=event.type,
        data=event.data,
        occurred_at=event.occurred_at,
        feed_event=event,
    )


def _on_events_recorded(sender, *, events: list[Event], **kwargs) -> None:
    """A batch of events: one endpoint query per organisation and one insert of all deliveries."""
    by_organisation: dict[int, list[Event]] = {}
    for event in events:
        by_organisation.setdefault(event.organisation_id, []).append(event)
    deliveries = []
    for organisation_id, batch in by_organisation.items():
        endpoints = list(WebhookEndpoint.objects.filter(organisation_id=organisation_id, is_active=True))
        deliveries += [
            WebhookDelivery(endpoint=endpoint, event=event.type, payload=event_body(event), feed_event=event)
            for event in batch
            for endpoint in endpoints
            if event.type in endpoint.events
        ]
    if deliveries:
        WebhookDelivery.objects.bulk_create(deliveries)
        for delivery in deliveries:
            schedule(delivery.pk)


def connect_receivers() -> None:
    events.event_recorded.connect(_on_event_recorded, dispatch_uid="api.webhooks.on_event_recorded")
    events.events_recorded.connect(_on_events_recorded, dispatch_uid="api.webhooks.on_events_recorded")
