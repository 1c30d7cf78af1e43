"""The range every entered date must lie in: forms, the admin, the API and the programme loader.

``MICROLEARN_DATE_MIN``/``MICROLEARN_DATE_MAX`` (default 2000-01-01 to 2100-12-31). Outside it,
week and streak arithmetic would overflow ``datetime.date`` (year 9999) and nobody means it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from .conf import conf


def date_range() -> tuple[dt.date, dt.date]:
    return conf.DATE_MIN, conf.DATE_MAX


def date_in_range_error(value: dt.date) -> str | None:
    """The message for a date outside the range, or None when it is fine."""
    low, high = date_range()
    if isinstance(value, dt.datetime):
        value = value.date()
    if not low <= value <= high:
        return f"Enter a date between {low.isoformat()} and {high.isoformat()}."
    return None


@deconstructible
class DateRangeValidator:
    """Model/form field validator; reads the range at call time, so migrations never change."""

    def __call__(self, value):
        if value is None:
            return
        message = date_in_range_error(value)
        if message:
            raise ValidationError(message, code="date_out_of_range")

    def __eq__(self, other):
        return isinstance(other, DateRangeValidator)

    def __hash__(self):
        return hash(DateRangeValidator)


validate_date_in_range = DateRangeValidator()
