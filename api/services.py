"""Write-side rules of the HR API app: registering and deleting webhook endpoints.

Here rather than in ``api/v1/``: endpoints are the app's records (``api/models.py``), not a
detail of one API version, so a later version or the admin can call the same rules. Views
translate ``UnsafeURL`` into a 400 on ``url``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, new_webhook_secret
from api.v1.webhooks import UnsafeURL, resolve_target, schedule
from lms.conf import conf
from lms.models import Organisation

__all__ = [
    "UnsafeURL",
    "webhook_deliveries_redeliver_failed",
    "webhook_delivery_redeliver",
    "webhook_endpoint_create",
    "webhook_endpoint_delete",
    "webhook_secret_rotate",
    "webhook_url_check",
]


def webhook_url_check(*, url: str) -> None:
    """The SSRF rule for a webhook URL (the API and the admin form both call it): ``UnsafeURL``
    unless HTTPS and every address it resolves to is public."""
    resolve_target(url)


def webhook_endpoint_create(
    *, organisation: Organisation, url: str, events: Iterable[str], description: str = ""
) -> WebhookEndpoint:
    """Register ``url`` for ``events`` (stored sorted, once each). The URL must pass the SSRF
    check of ``webhooks.resolve_target`` (HTTPS, public addresses only), else ``UnsafeURL``
    with a message safe to show; it is checked again before every delivery."""
    webhook_url_check(url=url)
    return WebhookEndpoint.objects.create(
        organisation=organisation, url=url, events=sorted(set(events)), description=description
    )


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its delivery log; a retry still queued then finds no delivery and stops."""
    endpoint.delete()


def webhook_secret_rotate(*, endpoint: WebhookEndpoint, now=None) -> str:
    """A new signing secret, returned once. The current one becomes ``previous_secret`` and keeps
    signing alongside it (two signatures per delivery) for ``MICROLEARN_WEBHOOK_SECRET_OVERLAP_SECONDS``."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = now + dt.timedelta(seconds=conf.WEBHOOK_SECRET_OVERLAP_SECONDS)
        locked.secret = new_webhook_secret()
        locked.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    endpoint.secret, endpoint.previous_secret = locked.secret, locked.previous_secret
    endpoint.previous_secret_expires_at = locked.previous_secret_expires_at
    return locked.secret


def _requeue(queryset) -> list[int]:
    ids = list(queryset.values_list("pk", flat=True))
    WebhookDelivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    for delivery_id in ids:
        schedule(delivery_id)
    return ids


def webhook_delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send one delivery again (same ``webhook-id`` and body) with a fresh retry schedule.
    A delivery still being retried is left as it is."""
    with transaction.atomic():
        _requeue(WebhookDelivery.objects.filter(pk=delivery.pk).exclude(status=DeliveryStatus.PENDING))
    delivery.refresh_from_db()
    return delivery


REDELIVER_BATCH = 1000


def webhook_deliveries_redeliver_failed(*, endpoint: WebhookEndpoint, since: dt.datetime) -> tuple[int, bool]:
    """Redeliver the endpoint's FAILED deliveries created at or after ``since``, oldest first, at
    most ``REDELIVER_BATCH`` per call. Returns (how many, whether more remain)."""
    failed = WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.FAILED, created_at__gte=since)
    with transaction.atomic():
        ids = _requeue(failed.order_by("created_at", "id")[:REDELIVER_BATCH])
    return len(ids), failed.exists()
