"""Commit-ordered feeds: what a reader may see without ever missing a later commit.

A feed row's position is ``(transaction id, sequence)``: ``Event.(txid, id)`` and
``Enrolment.(feed_txid, feed_seq)``. On PostgreSQL a reader sees only rows written by
transactions below the oldest one still in flight (``pg_snapshot_xmin(pg_current_snapshot())``,
evaluated in the same statement). Every transaction below that horizon has ended and every new
one gets a higher id, so nothing can ever appear before a position a reader has passed: rows
committed late by a long transaction wait (and hold back everything after them) instead of
slipping behind a cursor. A transaction also sees its own rows (tests; an API request that
reads a feed writes nothing). On SQLite the single writer makes write order the commit order,
so there is no horizon.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BigIntegerField, Func, Q, QuerySet

from ..models import Enrolment, Event, EventType


class CommitHorizon(Func):
    """PostgreSQL: the oldest transaction id still in flight, as this statement's snapshot sees it."""

    template = "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint)"
    output_field = BigIntegerField()


class OwnTransactionId(Func):
    """PostgreSQL: this transaction's id, or NULL before it has written anything."""

    template = "(pg_current_xact_id_if_assigned()::text::bigint)"
    output_field = BigIntegerField()


def committed(queryset: QuerySet, field: str) -> QuerySet:
    """``queryset`` limited to rows whose writing transaction ``field`` is below the horizon."""
    if connection.vendor != "postgresql":
        return queryset
    return queryset.filter(Q(**{f"{field}__lt": CommitHorizon()}) | Q(**{field: OwnTransactionId()}))


EVENT_KEYSET = ("txid", "id")
ENROLMENT_KEYSET = ("feed_txid", "feed_seq")


def events_for_organisation(*, organisation) -> QuerySet[Event]:
    """The organisation's events that a feed may show, in no particular order (page by ``EVENT_KEYSET``).
    Learning records (``LearningEventType``, sent to xAPI stores) are not part of the HR feed."""
    return committed(Event.objects.filter(organisation=organisation, type__in=EventType.values), "txid")


def committed_enrolments(queryset: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    return committed(queryset, "feed_txid")
