"""Webhooks: events → deliveries → signed HTTPS POSTs, retried with exponential backoff.

Signing follows Standard Webhooks (https://www.standardwebhooks.com/): headers ``webhook-id``
(the delivery id, stable across retries), ``webhook-timestamp`` (Unix seconds) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, keyed with the
base64-decoded part of the ``whsec_…`` secret.

Target URLs must be HTTPS and resolve only to public addresses. The check runs when the URL
is registered and again before every attempt, and the connection goes to the address that
was checked (no second DNS lookup), so DNS rebinding cannot reach an internal host.
``MICROLEARN_WEBHOOK_ALLOW_LOOPBACK`` (tests only) also accepts http:// and loopback.

Settings: ``MICROLEARN_WEBHOOK_MAX_ATTEMPTS`` (default 8), ``MICROLEARN_WEBHOOK_BACKOFF_SECONDS`` (first
retry delay, doubled each time; default 30), ``MICROLEARN_WEBHOOK_TIMEOUT_SECONDS`` (default 10).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from urllib.parse import urlsplit

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend, task

from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from lms import events
from lms.conf import conf
from lms.models import Enrolment, OrganisationMember
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


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict) -> int:
    """POST to a checked address; returns the status code. Redirects are not followed."""
    scheme, host, port, address = resolve_target(url)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address, timeout=conf.WEBHOOK_TIMEOUT_SECONDS)
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()


# --- Delivery -----------------------------------------------------------------------------------


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def attempt_delivery(delivery_id: int) -> None:
    """One attempt; schedules the next one with exponential backoff until the limit."""
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
        "webhook-signature": sign(endpoint.secret, str(delivery.uuid), timestamp, body),
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
        delay = conf.WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt - 1)
        delivery.next_attempt_at = now + timedelta(seconds=delay)
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


def dispatch(*, organisation_id: int, event: str, data: dict, occurred_at) -> list[WebhookDelivery]:
    """Record one delivery per active endpoint of the organisation subscribed to ``event``."""
    deliveries = []
    for endpoint in WebhookEndpoint.objects.filter(organisation_id=organisation_id, is_active=True):
        if event not in endpoint.events:
            continue
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=event,
            payload={"type": event, "timestamp": ts(occurred_at), "data": data},
        )
        schedule(delivery.pk)
        deliveries.append(delivery)
    return deliveries


# --- Event receivers (connected in ApiConfig.ready) ----------------------------------------------


def _enrolment_data(enrolment_id: int) -> tuple[int, dict] | None:
    enrolment = Enrolment.objects.select_related("cohort__organisation", "course").filter(pk=enrolment_id).first()
    if enrolment is None or enrolment.cohort is None:
        return None  # only enrolments in an organisation's cohort belong to an organisation
    organisation_id = enrolment.cohort.organisation_id
    member = OrganisationMember.objects.filter(organisation_id=organisation_id, user_id=enrolment.user_id).first()
    return organisation_id, {
        "id": str(enrolment.uuid),
        "participant": str(member.uuid) if member else None,
        "cohort": str(enrolment.cohort.uuid),
        "course": str(enrolment.course.translation_key),
        "status": enrolment.status,
        "completed_at": ts(enrolment.completed_at),
    }


_listening: ContextVar[dict | None] = ContextVar("webhook_listening", default=None)


@contextmanager
def listeners_memo():
    """Within this block (one API request), whether a cohort's organisation has an active endpoint
    is read once per cohort, not once per event: a bulk enrolment sends an event per enrolment."""
    token = _listening.set({})
    try:
        yield
    finally:
        _listening.reset(token)


def _has_active_endpoint(cohort_id: int) -> bool:
    memo = _listening.get()
    if memo is not None and cohort_id in memo:
        return memo[cohort_id]
    found = WebhookEndpoint.objects.filter(organisation__cohorts=cohort_id, is_active=True).exists()
    if memo is not None:
        memo[cohort_id] = found
    return found


def _on_enrolment(event: str):
    def receiver(sender, *, enrolment_id, occurred_at, cohort_id=None, **kwargs):
        # One query when nobody listens (the usual case, and a bulk enrolment sends one event per
        # enrolment): only an enrolment in a cohort whose organisation has an active endpoint goes on.
        if cohort_id is None or not _has_active_endpoint(cohort_id):
            return
        found = _enrolment_data(enrolment_id)
        if found is not None:
            dispatch(organisation_id=found[0], event=event, data=found[1], occurred_at=occurred_at)

    return receiver


def _on_certificate(event: str):
    def receiver(sender, *, certificate_id, enrolment_id, occurred_at, **kwargs):
        found = _enrolment_data(enrolment_id)
        if found is None:
            return
        data = {"enrolment": found[1]["id"], "participant": found[1]["participant"]}
        data.update(certificate_data(certificate_id))
        if "reason" in kwargs:
            data["reason"] = kwargs["reason"]
        dispatch(organisation_id=found[0], event=event, data=data, occurred_at=occurred_at)

    return receiver


def certificate_data(certificate_id: int) -> dict:
    """Seam for the certificates feature: its model, when installed, supplies the public fields."""
    try:
        model = apps.get_model("microlearn_lms", "Certificate")
    except LookupError:
        return {}
    certificate = model.objects.filter(pk=certificate_id).first()
    if certificate is None:
        return {}
    from lms.certificates.links import verification_url

    return {"id": str(certificate.uuid), "serial": certificate.serial, "verify_url": verification_url(certificate)}


def _on_participant_deactivated(sender, *, user_id, organisation_id, occurred_at, **kwargs):
    member = OrganisationMember.objects.filter(organisation_id=organisation_id, user_id=user_id).first()
    if member is not None:
        data = {"id": str(member.uuid), "external_id": member.external_id, "deactivated_at": ts(member.deactivated_at)}
        dispatch(
            organisation_id=organisation_id,
            event=WebhookEvent.PARTICIPANT_DEACTIVATED,
            data=data,
            occurred_at=occurred_at,
        )


RECEIVERS = [
    (events.enrolment_created, _on_enrolment(WebhookEvent.ENROLMENT_CREATED)),
    (events.enrolment_completed, _on_enrolment(WebhookEvent.ENROLMENT_COMPLETED)),
    (events.certificate_issued, _on_certificate(WebhookEvent.CERTIFICATE_ISSUED)),
    (events.certificate_revoked, _on_certificate(WebhookEvent.CERTIFICATE_REVOKED)),
    (events.participant_deactivated, _on_participant_deactivated),
]


def connect_receivers() -> None:
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, dispatch_uid=f"api.webhooks.{receiver.__qualname__}.{id(signal)}")
