"""``{% load microlearn_time %}``: valid values for ``<time datetime="…">``.

Django's ``|date:"c"`` and ``datetime.isoformat()`` write microseconds
(``2026-03-04T23:30:00.123456+00:00``), and the HTML standard allows at most three digits of a
fraction of a second, so validators reject it. ``|html_datetime`` writes whole seconds in the
site's time zone with its offset (``2026-03-04T23:30:00+00:00``), and a date as ``2026-03-04``.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def html_datetime(value) -> str:
    """A valid HTML global date-and-time string (or date string); "" for anything else."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return ""
