"""The spaced-booster schedule, as pure functions: no database, no Django settings.

A booster card is one quiz question of a passed module. Its state is ``streak`` (correct
answers in a row) and ``due_at``. With intervals ``(2, 7, 21, 60)`` days (the default,
``MICROLEARN_BOOSTER_INTERVALS_DAYS``):

* the module's quiz is passed: every question is due ``intervals[0]`` (2) days later;
* a correct answer: ``streak + 1``; the next review comes ``intervals[streak]`` days later
  (2 → 7 → 21 → 60), so the gaps grow and never shrink while the answers stay correct;
  after the last interval the card is finished (``due_at`` None);
* a wrong answer sends the question back to the start: ``streak = 0``, due ``intervals[0]`` later;
* two correct answers in a row (``retire_after``) *retire* the question: it counts as retained.
  Retired questions still come back at the remaining, longer intervals (the maintenance phase)
  until the reviews span the 66-day habit window (Lally et al. 2010): with the defaults, the
  last review is 2 + 7 + 21 + 60 = 90 days after the pass. A wrong maintenance answer sends it
  back to the start, so it counts as "learning" again.

Qstream's spaced retrieval is the model: questions return at growing intervals and retire after
two correct answers in a row (docs/practice.md).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, replace

DEFAULT_INTERVALS: tuple[int, ...] = (2, 7, 21, 60)
RETIRE_AFTER = 2
HABIT_DAYS = 66  # Lally et al. 2010: median days for a new behaviour to become automatic
BOOSTER_SIZE = 3  # questions per booster


@dataclass(frozen=True)
class CardState:
    streak: int = 0
    due_at: dt.datetime | None = None

    @property
    def finished(self) -> bool:
        return self.due_at is None


def check_intervals(intervals) -> tuple[int, ...]:
    """The intervals as a tuple of positive, non-decreasing whole days (ValueError otherwise)."""
    intervals = tuple(intervals)
    if not intervals or any(not isinstance(days, int) or days < 1 for days in intervals):
        raise ValueError("Booster intervals are whole days, at least 1, and at least one of them.")
    if any(later < earlier for earlier, later in itertools.pairwise(intervals)):
        raise ValueError("Booster intervals must never shrink (each one at least the one before).")
    return intervals


def first_due(passed_at: dt.datetime, intervals=DEFAULT_INTERVALS) -> CardState:
    """The state of a question when its module's quiz is passed."""
    intervals = check_intervals(intervals)
    return CardState(streak=0, due_at=passed_at + dt.timedelta(days=intervals[0]))


def next_due(state: CardState, correct: bool, now: dt.datetime, intervals=DEFAULT_INTERVALS) -> CardState:
    """The state after answering the card at ``now``."""
    intervals = check_intervals(intervals)
    if not correct:
        return replace(state, streak=0, due_at=now + dt.timedelta(days=intervals[0]))
    streak = state.streak + 1
    if streak >= len(intervals):
        return replace(state, streak=streak, due_at=None)
    return replace(state, streak=streak, due_at=now + dt.timedelta(days=intervals[streak]))


def interval_after(state: CardState, now: dt.datetime) -> dt.timedelta | None:
    """How long until the card is due again, seen from ``now`` (None when finished)."""
    return None if state.due_at is None else state.due_at - now


def is_due(state: CardState, now: dt.datetime) -> bool:
    return state.due_at is not None and state.due_at <= now


def is_retained(streak: int, retire_after: int = RETIRE_AFTER) -> bool:
    """Two correct answers in a row retire a question: the participant has retained it."""
    return streak >= retire_after


def span_days(intervals=DEFAULT_INTERVALS) -> int:
    """Days from the pass to the last review when every answer is correct."""
    return sum(check_intervals(intervals))


def covers_habit_window(intervals=DEFAULT_INTERVALS) -> bool:
    return span_days(intervals) >= HABIT_DAYS


def pick_booster(due: list, size: int = BOOSTER_SIZE) -> list:
    """The cards of one booster: the ``size`` most overdue (``due`` is ordered by due date)."""
    return list(due[:size])
