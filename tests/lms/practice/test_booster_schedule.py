"""The booster schedule as pure functions (lms/boosters.py): examples and properties."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms import boosters
from lms.boosters import CardState, first_due, next_due

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def test_a_passed_quiz_brings_its_questions_back_after_the_first_interval():
    assert first_due(NOW) == CardState(streak=0, due_at=NOW + 2 * DAY)


def test_correct_answers_grow_the_interval_then_finish_the_card():
    state, gaps, now = first_due(NOW), [], NOW + 2 * DAY
    while not state.finished:
        state = next_due(state, True, now)
        if state.due_at:
            gaps.append((state.due_at - now).days)
            now = state.due_at
    assert gaps == [7, 21, 60]
    assert state.streak == 4 and state.due_at is None


def test_a_wrong_answer_sends_the_question_back_to_the_start():
    state = CardState(streak=3, due_at=NOW)
    assert next_due(state, False, NOW) == CardState(streak=0, due_at=NOW + 2 * DAY)


def test_two_correct_answers_in_a_row_retire_the_question():
    one = next_due(first_due(NOW), True, NOW)
    assert not boosters.is_retained(one.streak)
    two = next_due(one, True, NOW + 7 * DAY)
    assert boosters.is_retained(two.streak)
    assert not boosters.is_retained(next_due(two, False, NOW).streak)


def test_the_default_schedule_covers_the_66_day_habit_window():
    assert boosters.span_days() == 90 >= boosters.HABIT_DAYS
    assert boosters.covers_habit_window()
    assert not boosters.covers_habit_window((2, 7, 21))


@pytest.mark.parametrize("bad", [(), (0, 2), (7, 2), (2, "7"), (2, 7.5)])
def test_intervals_must_be_positive_whole_days_that_never_shrink(bad):
    with pytest.raises(ValueError):
        boosters.check_intervals(bad)


def test_due_and_pick():
    assert boosters.is_due(CardState(0, NOW), NOW) and not boosters.is_due(CardState(0, NOW + DAY), NOW)
    assert not boosters.is_due(CardState(4, None), NOW)
    assert boosters.pick_booster(list(range(7))) == [0, 1, 2]
    assert boosters.interval_after(CardState(0, NOW + DAY), NOW) == DAY


intervals = st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=8).map(lambda xs: tuple(sorted(xs)))
answers = st.lists(st.booleans(), max_size=30)
offsets = st.lists(st.integers(min_value=0, max_value=5 * 24 * 3600), min_size=30, max_size=30)


@given(intervals=intervals, run=st.integers(min_value=1, max_value=12))
def test_intervals_never_shrink_while_answers_stay_correct(intervals, run):
    state, now, previous = first_due(NOW, intervals), NOW, None
    previous = state.due_at - now
    for _ in range(run):
        now = state.due_at
        state = next_due(state, True, now, intervals)
        if state.finished:
            break
        gap = state.due_at - now
        assert gap >= previous
        previous = gap


@given(intervals=intervals, answers=answers, late=offsets)
def test_any_answer_sequence_keeps_the_state_consistent(intervals, answers, late):
    state, now = first_due(NOW, intervals), NOW
    streak = 0
    for correct, delay in zip(answers, late, strict=False):
        if state.finished:
            break
        now = state.due_at + dt.timedelta(seconds=delay)  # answered on time or late
        state = next_due(state, correct, now, intervals)
        streak = streak + 1 if correct else 0
        assert state.streak == streak
        if not correct:
            assert state.due_at == now + dt.timedelta(days=intervals[0])  # back to the start
        elif state.due_at is not None:
            assert state.due_at - now == dt.timedelta(days=intervals[streak])
            assert state.due_at > now  # always in the future
        else:
            assert streak >= len(intervals)
        assert boosters.is_retained(state.streak) == (streak >= boosters.RETIRE_AFTER)
