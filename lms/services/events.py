"""The events outbox's retention: events (and their webhook deliveries) are kept
``MICROLEARN_EVENT_RETENTION_DAYS`` (30 by default), then purged by ``manage.py purge_events``."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ..conf import conf
from ..models import Event

PURGE_BATCH = 5000


def events_purge(*, now: dt.datetime | None = None) -> int:
    """Delete events older than the retention period, in batches (deliveries cascade). Returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=conf.EVENT_RETENTION_DAYS)
    total = 0
    while True:
        ids = list(
            Event.objects.filter(created_at__lt=cutoff).order_by("id").values_list("id", flat=True)[:PURGE_BATCH]
        )
        if not ids:
            return total
        Event.objects.filter(pk__in=ids).delete()
        total += len(ids)
