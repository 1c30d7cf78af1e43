"""Keyset (cursor) pagination: ``?page_size=`` (50 by default, at most 200; larger is capped)
and an opaque, signed ``?cursor=`` taken from the ``next`` link.

Rows are ordered by ``keyset`` fields ascending, the last of which is unique (the primary
key), and a page continues strictly after the last row of the previous one. So a row that is
inserted, changed or deleted between two pages never shifts the others: nothing is missed or
repeated (unlike offset pagination).
"""

import datetime as dt
import uuid
from collections.abc import Sequence
from functools import cached_property

from django.core import signing
from django.db.models import Q, QuerySet
from rest_framework import exceptions
from rest_framework.utils.urls import replace_query_param

from lms.conf import conf

DEFAULT_PAGE_SIZE = 50
SALT = "api.v1.cursor"


def page_size_from(request, default: int = DEFAULT_PAGE_SIZE) -> int:
    raw = request.query_params.get("page_size")
    if raw in (None, ""):
        return default
    try:
        size = int(raw)
    except ValueError:
        raise exceptions.ValidationError({"page_size": ["Must be a whole number."]}) from None
    if size < 1:
        raise exceptions.ValidationError({"page_size": ["Must be at least 1."]})
    return min(size, conf.API_MAX_PAGE_SIZE)


def _plain(value):
    # Full precision: DjangoJSONEncoder would cut datetimes to milliseconds and repeat rows.
    if isinstance(value, dt.datetime | dt.date | uuid.UUID):
        return value.isoformat() if not isinstance(value, uuid.UUID) else str(value)
    return value


def encode_cursor(values: Sequence) -> str:
    return signing.dumps([_plain(value) for value in values], salt=SALT)


def decode_cursor(raw: str, model, keyset: Sequence[str]) -> list:
    try:
        values = signing.loads(raw, salt=SALT)
    except signing.BadSignature:
        raise exceptions.ValidationError({"cursor": ["Invalid cursor; use the next link as given."]}) from None
    if not isinstance(values, list) or len(values) != len(keyset):
        raise exceptions.ValidationError({"cursor": ["Invalid cursor; use the next link as given."]})
    try:
        return [model._meta.get_field(name).to_python(value) for name, value in zip(keyset, values, strict=True)]
    except Exception:
        raise exceptions.ValidationError({"cursor": ["Invalid cursor; use the next link as given."]}) from None


def after(keyset: Sequence[str], values: Sequence) -> Q:
    """Rows strictly after ``values`` in ascending ``keyset`` order.

    ``a > x OR (a = x AND b > y)``, plus the redundant ``a >= x`` that lets the database start
    an index range scan at the cursor instead of filtering from the first row.
    """
    condition = Q()
    for index in range(len(keyset) - 1, -1, -1):
        here = Q(**{f"{keyset[index]}__gt": values[index]})
        condition = here if index == len(keyset) - 1 else here | (Q(**{keyset[index]: values[index]}) & condition)
    if len(keyset) > 1:
        condition = Q(**{f"{keyset[0]}__gte": values[0]}) & condition
    return condition


def _key_of(row, keyset):
    if isinstance(row, dict):
        return [row[name] for name in keyset]
    return [getattr(row, name) for name in keyset]


class KeysetPage:
    """One page of ``queryset``: ``rows`` (model instances or ``.values()`` dicts) and ``next``."""

    def __init__(self, request, queryset: QuerySet, keyset: Sequence[str], *, start: Sequence | None = None):
        self.request = request
        self.keyset = list(keyset)
        self.page_size = page_size_from(request)
        cursor = request.query_params.get("cursor")
        position = decode_cursor(cursor, queryset.model, keyset) if cursor else start
        if position is not None:
            queryset = queryset.filter(after(keyset, position))
        rows = list(queryset.order_by(*keyset)[: self.page_size + 1])
        self.has_more = len(rows) > self.page_size
        self.rows = rows[: self.page_size]
        self.last = _key_of(self.rows[-1], keyset) if self.rows else position

    @cached_property
    def last_cursor(self) -> str | None:
        """The signed cursor of ``last``, made once: a signature carries its second, so two
        encodings of one position a second apart differ (``next`` and ``next_cursor`` must agree)."""
        return encode_cursor(self.last) if self.last is not None else None

    def link(self, cursor: str) -> str:
        return replace_query_param(self.request.build_absolute_uri(), "cursor", cursor)

    @property
    def next_link(self) -> str | None:
        return self.link(self.last_cursor) if self.has_more else None

    @property
    def next_cursor(self) -> str | None:
        """The ``cursor`` of ``next_link``, for clients that build their own URLs."""
        return self.last_cursor if self.has_more else None

    @property
    def resume_link(self) -> str | None:
        """Where to poll from next time, even when this page was the last (change feeds)."""
        return self.link(self.last_cursor) if self.last is not None else None
