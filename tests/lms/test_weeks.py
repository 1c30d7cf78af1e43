"""Programme weeks, targets and streaks (lms/weeks.py), with hypothesis for the date edges.

The site time zone is Europe/London. Every "now" below is an aware instant fed to Django's clock,
and some tests activate another time zone, as a request with a user preference would: week
boundaries must not move with it.
"""

import datetime as dt
from contextlib import contextmanager
from unittest import mock
from zoneinfo import ZoneInfo

from django.test import override_settings
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from lms import weeks

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
ELSEWHERE = ["Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata", "UTC"]

starts = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))
week_numbers = st.integers(min_value=1, max_value=120)


@contextmanager
def clock(instant: dt.datetime, active_zone: str | None = None):
    """Site time zone London, Django's clock at ``instant``, optionally another zone activated."""
    with override_settings(TIME_ZONE="Europe/London"), mock.patch("django.utils.timezone.now", return_value=instant):
        if active_zone:
            with timezone.override(ZoneInfo(active_zone)):
                yield
        else:
            yield


def london(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


# --- weeks -----------------------------------------------------------------------------------


@given(start=starts, offset=st.integers(min_value=-400, max_value=900))
def test_week_of_and_week_bounds_agree(start, offset):
    day = start + dt.timedelta(days=offset)
    week = weeks.week_of(start, day)
    if day < start:
        assert week == 0
    else:
        first, last = weeks.week_bounds(start, week)
        assert first <= day <= last
        assert (last - first).days == 6
        assert weeks.week_bounds(start, week + 1)[0] == last + dt.timedelta(days=1)


@given(start=starts, week=week_numbers, zone=st.sampled_from([None, *ELSEWHERE]))
def test_last_minute_of_a_week_in_london_belongs_to_that_week(start, week, zone):
    last_day = weeks.week_bounds(start, week)[1]
    last_minute = london(last_day, 23, 59)
    with clock(last_minute, zone):
        assert weeks.week_of(start, weeks.local_today()) == week
    with clock(last_minute + dt.timedelta(minutes=1), zone):
        assert weeks.week_of(start, weeks.local_today()) == week + 1


@given(
    year=st.integers(min_value=2000, max_value=2040),
    month=st.sampled_from([3, 10]),  # British Summer Time starts / ends on the last Sunday
    days_before=st.integers(min_value=0, max_value=6),
    zone=st.sampled_from([None, *ELSEWHERE]),
)
def test_a_week_with_a_clock_change_still_has_seven_local_days(year, month, days_before, zone):
    change = last_sunday(year, month)
    start = change - dt.timedelta(days=days_before)  # week 1 contains the change
    first, last = weeks.week_bounds(start, 1)
    assert first <= change <= last
    hours = (london(last + dt.timedelta(days=1), 0, 0) - london(first, 0, 0)).total_seconds() / 3600
    assert hours == (167 if month == 3 else 169)
    with clock(london(last, 23, 59), zone):
        assert weeks.week_of(start, weeks.local_today()) == 1
    with clock(london(last + dt.timedelta(days=1), 0, 0), zone):
        assert weeks.week_of(start, weeks.local_today()) == 2
    # The small hours of the change day itself are in week 1, whichever side of the change.
    with clock(dt.datetime.combine(change, dt.time(0, 30), tzinfo=UTC), zone):
        assert weeks.week_of(start, weeks.local_today()) == 1


@given(
    instant=st.datetimes(
        min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from([None, *ELSEWHERE]),
)
@example(instant=dt.datetime(2026, 6, 30, 23, 30, tzinfo=UTC), zone="America/Los_Angeles")  # 00:30 BST on 1 July
@example(instant=dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC), zone=None)  # 01:30 BST, the hour repeated
def test_programme_start_without_a_cohort_is_the_london_date_of_enrolment(instant, zone):
    with clock(instant, zone):
        assert weeks.programme_start(enrolled_at=instant, cohort_start=None) == instant.astimezone(LONDON).date()


@given(enrolled=starts, cohort_start=starts)
def test_cohort_start_wins_over_the_enrolment_date(enrolled, cohort_start):
    enrolled_at = london(enrolled, 12, 0)
    assert weeks.programme_start(enrolled_at=enrolled_at, cohort_start=cohort_start) == cohort_start


@given(today=starts, days_ahead=st.integers(min_value=1, max_value=400))
def test_a_start_date_in_the_future_is_week_0_with_nothing_open_and_no_streak(today, days_ahead):
    start = today + dt.timedelta(days=days_ahead)
    current = weeks.week_of(start, today)
    assert current == 0
    targets = {1: 3, 2: 2}
    assert weeks.target_for_week(current, targets) is None
    assert weeks.streak(current_week=current, counts_by_week={0: 5, 1: 5}, targets_by_week=targets) == 0
    # The first minute of the start date opens week 1.
    with clock(london(start, 0, 0)):
        assert weeks.week_of(start, weeks.local_today()) == 1
    with clock(london(start, 0, 0) - dt.timedelta(minutes=1)):
        assert weeks.week_of(start, weeks.local_today()) == 0


# --- targets ----------------------------------------------------------------------------------

targets_st = st.dictionaries(st.integers(1, 12), st.integers(1, 6), min_size=1, max_size=6)


@given(targets=targets_st, week=st.integers(0, 30))
def test_target_is_that_of_the_latest_opened_challenge(targets, week):
    target = weeks.target_for_week(week, targets)
    opened = [w for w in targets if w <= week]
    if not opened:
        assert target is None
    else:
        assert target == targets[max(opened)]
        if week >= max(targets):
            assert target == targets[max(targets)]  # practice keeps going after the last challenge


# --- streaks ----------------------------------------------------------------------------------


def reference_streak(current_week, counts, targets):
    """The docstring's rule, written another way: the run of met weeks ending at the last finished week
    (or at the current week when it is already met)."""

    def met(week):
        target = weeks.target_for_week(week, targets)
        return target is not None and counts.get(week, 0) >= target

    if current_week < 1:
        return 0
    end = current_week if met(current_week) else current_week - 1
    history = [met(w) for w in range(1, end + 1)]
    return len(history) - (max((i for i, ok in enumerate(history) if not ok), default=-1) + 1)


counts_st = st.dictionaries(st.integers(1, 25), st.integers(0, 6), max_size=25)


@given(current=st.integers(-1, 25), counts=counts_st, targets=targets_st)
def test_streak_matches_the_written_rule(current, counts, targets):
    assert weeks.streak(current_week=current, counts_by_week=counts, targets_by_week=targets) == reference_streak(
        current, counts, targets
    )


@given(current=st.integers(1, 25), counts=counts_st, targets=targets_st, extra=st.integers(0, 6))
def test_the_unfinished_current_week_never_breaks_the_streak(current, counts, targets, extra):
    empty = {**counts, current: 0}
    more = {**counts, current: counts.get(current, 0) + extra}
    base = weeks.streak(current_week=current, counts_by_week=empty, targets_by_week=targets)
    assert weeks.streak(current_week=current, counts_by_week=more, targets_by_week=targets) >= base
    previous_target = weeks.target_for_week(current - 1, targets)
    previous_met = previous_target is not None and counts.get(current - 1, 0) >= previous_target
    if previous_met:  # the run simply ends at the last finished week
        assert base == weeks.streak(current_week=current - 1, counts_by_week=counts, targets_by_week=targets)
    else:  # a finished week that missed its target is what breaks a streak
        assert base == 0


def test_streak_examples():
    targets = {1: 3, 2: 2, 6: 3}
    counts = {1: 3, 2: 2, 3: 1, 4: 2, 5: 4, 6: 3, 7: 1}
    # Week 7 unfinished (1 of 3): skipped; 6, 5, 4 met (targets 3, 2, 2); week 3 missed.
    assert weeks.streak(current_week=7, counts_by_week=counts, targets_by_week=targets) == 3
    # Once week 7 meets its target it counts.
    assert weeks.streak(current_week=7, counts_by_week={**counts, 7: 3}, targets_by_week=targets) == 4
    # A finished week that missed breaks the run, even when the current week is met.
    assert weeks.streak(current_week=8, counts_by_week={**counts, 8: 3}, targets_by_week=targets) == 1
    # No challenge open yet: no target, no streak.
    assert weeks.streak(current_week=1, counts_by_week={1: 9}, targets_by_week={2: 1}) == 0


# --- Extreme dates: nothing overflows (found: week_bounds raised OverflowError for 9999-12-20) ---

any_dates = st.dates(min_value=dt.date.min, max_value=dt.date.max)
any_weeks = st.integers(min_value=-(10**7), max_value=10**7)


@given(start=any_dates, week=any_weeks)
@example(start=dt.date(9999, 12, 20), week=1)
@example(start=dt.date(9999, 12, 20), week=2)
@example(start=dt.date.min, week=-5)
def test_week_bounds_never_overflow_and_stay_in_order(start, week):
    first, last = weeks.week_bounds(start, week)
    assert dt.date.min <= first <= last <= dt.date.max
    if dt.date.min.toordinal() + 6 <= start.toordinal() + 7 * (week - 1) <= dt.date.max.toordinal() - 6:
        assert (first - start).days == 7 * (week - 1) and (last - first).days == 6  # exact when in range


@given(start=any_dates, day=any_dates)
def test_week_of_is_defined_for_any_pair_of_dates(start, day):
    week = weeks.week_of(start, day)
    assert week == 0 if day < start else week >= 1
    if week >= 1:
        first, last = weeks.week_bounds(start, week)
        assert first <= day <= last


@given(start=any_dates, days=st.integers(min_value=-(10**7), max_value=10**7))
def test_add_days_clamps_to_the_calendar(start, days):
    result = weeks.add_days(start, days)
    assert dt.date.min <= result <= dt.date.max
    try:
        assert result == start + dt.timedelta(days=days)
    except OverflowError:
        assert result in (dt.date.min, dt.date.max)


@given(
    current=st.integers(min_value=-5, max_value=3000),
    counts=st.dictionaries(st.integers(1, 3000), st.integers(0, 50), max_size=30),
    targets=st.dictionaries(st.integers(1, 52), st.integers(1, 50), max_size=10),
)
def test_streak_is_bounded_by_the_current_week(current, counts, targets):
    result = weeks.streak(current_week=current, counts_by_week=counts, targets_by_week=targets)
    assert 0 <= result <= max(current, 0)
