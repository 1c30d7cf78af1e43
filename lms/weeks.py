"""Programme weeks and streaks: the one definition every page, export and API uses.

* A participant's programme starts on their cohort's ``start_date``; without a cohort, on the
  local date (site time zone, ``settings.TIME_ZONE``) of their enrolment.
* Week 1 is the seven local days from the start date; week ``n`` starts ``7 * (n - 1)`` days later.
  Before the start date the week is 0 ("not started yet").
* A challenge of week ``w`` is open once the current week is ``>= w``; before that it is "coming up".
* An entry belongs to the week of its ``occurred_on`` date.
* The target of week ``n`` is the target of the challenge opening in week ``n``, or, after the
  last challenge's week, that of the last challenge opened (practice keeps going).
* A week **met its target** when its count is at least its target (a week without a target, before
  the first challenge opened, never does). The current week counts once it has met its target.
* The streak is the number of consecutive weeks, counting back from the current week, whose
  count met the target. The current week counts when it has already met its target and is
  otherwise skipped: an unfinished week never breaks a streak, only a finished week that
  missed its target does.
* Dates are clamped to ``datetime.date``'s range: no week, however far from the start, overflows
  (entered dates are held to ``lms.validators``' range anyway).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.utils import timezone


def local_today() -> dt.date:
    # The site time zone, not the *current* one: a request that activates another time zone
    # (a user preference, say) must not move week boundaries.
    return timezone.localdate(timezone=timezone.get_default_timezone())


def programme_start(*, enrolled_at: dt.datetime, cohort_start: dt.date | None) -> dt.date:
    if cohort_start is not None:
        return cohort_start
    return timezone.localtime(enrolled_at, timezone.get_default_timezone()).date()


def week_of(start: dt.date, day: dt.date) -> int:
    """Programme week of ``day`` (1-based); 0 before the start date."""
    if day < start:
        return 0
    return (day - start).days // 7 + 1


def add_days(day: dt.date, days: int) -> dt.date:
    """``day + days``, clamped to ``date.min``..``date.max`` instead of raising ``OverflowError``."""
    ordinal = day.toordinal() + days
    return dt.date.fromordinal(min(max(ordinal, dt.date.min.toordinal()), dt.date.max.toordinal()))


def week_bounds(start: dt.date, week: int) -> tuple[dt.date, dt.date]:
    """First and last local date of programme week ``week`` (>= 1), clamped to the calendar."""
    first = add_days(start, 7 * (week - 1))
    return first, add_days(first, 6)


def target_for_week(week: int, targets_by_week: Mapping[int, int]) -> int | None:
    """Target of ``week`` from {opening week: target}; None when no challenge is open yet."""
    opened = [w for w in targets_by_week if w <= week]
    if not opened:
        return None
    return targets_by_week[max(opened)]


def resolve_targets(last_week: int, targets_by_week: Mapping[int, int]) -> dict[int, int | None]:
    """{week: target_for_week(week)} for weeks 1..``last_week``: resolve once, reuse per row."""
    return {week: target_for_week(week, targets_by_week) for week in range(1, last_week + 1)}


def target_met(count: int, target: int | None) -> bool:
    """Did a week with ``count`` entries meet ``target``? (None: no challenge open yet, so no.)"""
    return target is not None and count >= target


def weeks_met(
    *, first_week: int, last_week: int, counts_by_week: Mapping[int, int], targets_by_week: Mapping[int, int]
) -> list[int]:
    """The weeks ``first_week``..``last_week`` (clipped to >= 1) that met their target, in order."""
    return [
        week
        for week in range(max(first_week, 1), last_week + 1)
        if target_met(counts_by_week.get(week, 0), target_for_week(week, targets_by_week))
    ]


def streak(
    *,
    current_week: int,
    counts_by_week: Mapping[int, int],
    targets_by_week: Mapping[int, int],
    resolved: Mapping[int, int | None] | None = None,
) -> int:
    """Consecutive weeks meeting their target, counting back from the current week (see above).

    ``resolved`` (from ``resolve_targets``) saves re-resolving targets when called per row."""
    if current_week < 1:
        return 0

    def target_of(week: int) -> int | None:
        if resolved is not None and week in resolved:
            return resolved[week]
        return target_for_week(week, targets_by_week)

    total = 0
    week = current_week
    target = target_of(week)
    if target is None or counts_by_week.get(week, 0) < target:
        week -= 1  # the unfinished current week neither counts nor breaks
    while week >= 1:
        target = target_of(week)
        if target is None or counts_by_week.get(week, 0) < target:
            break
        total += 1
        week -= 1
    return total
