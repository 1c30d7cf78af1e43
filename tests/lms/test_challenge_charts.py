"""Geometry of the participant's charts (lms/challenge_charts.py): as narrow as the trainer's, with
labels above the bars (wrapped, the full text kept as a tooltip), integer ticks, week labels that
never collide."""

import itertools

import pytest

from lms.challenge_charts import horizontal_bars, label_every, weekly_columns
from lms.charts import FONT, WIDTH

LONG = "Conference or event in another city, at a trade fair or a partner's annual kick-off meeting"


def test_horizontal_bars_are_narrow_with_labels_above_their_bars():
    chart = horizontal_bars(
        id="s",
        title="t",
        desc="d",
        rows=[("Canteen or coffee point", [6, 2]), ("Virtual meeting", [3, 0])],
        series=["Logged", "Led somewhere"],
    )
    assert chart.width == WIDTH == 360 and chart.kind == "bars"
    labels = [t for t in chart.texts if t["text"] in {"Canteen or coffee point", "Virtual meeting"}]
    assert [t["anchor"] for t in labels] == ["start", "start"]
    first, second = labels
    bars = chart.rects
    assert len(bars) == 4 and [r["series"] for r in bars] == [0, 1, 0, 1]
    assert first["y"] < bars[0]["y"] < bars[1]["y"] < second["y"] < bars[2]["y"]  # label, its bars, next label
    assert bars[-1]["y"] + bars[-1]["height"] <= chart.height
    # the longest bar leaves room for its value inside the drawing
    value = next(t for t in chart.texts if t["text"] == "6")
    assert value["x"] + len("6") * FONT <= WIDTH
    assert bars[0]["width"] > bars[2]["width"] > bars[3]["width"] == 0


def test_horizontal_bars_wrap_a_long_label_and_keep_it_whole_in_a_title():
    chart = horizontal_bars(id="s", title="t", desc="d", rows=[(LONG, [4]), ("Other", [1])], series=["Entries"])
    long_lines = [t for t in chart.texts if t.get("title") == LONG]
    assert len(long_lines) == 2 and long_lines[-1]["text"].endswith("…")
    assert long_lines[0]["y"] < long_lines[1]["y"] < chart.rects[0]["y"]
    other = next(t for t in chart.texts if t["text"] == "Other")
    assert "title" not in other  # a label that fits needs no tooltip


def test_horizontal_bars_scale_to_an_integer_tick_and_handle_no_entries():
    chart = horizontal_bars(id="f", title="t", desc="d", rows=[("Logged", [5]), ("Led somewhere", [0])], series=["x"])
    # count_ticks(5) tops at 5: the longest bar spans the plot (360 - 1 - 56 value space)
    assert chart.rects[0]["width"] == 303 and chart.rects[1]["width"] == 0
    empty = horizontal_bars(id="e", title="t", desc="d", rows=[("Logged", [0])], series=["x"])
    assert empty.rects[0]["width"] == 0 and empty.height >= 32


@pytest.mark.parametrize(
    ("count", "slot", "longest", "expected"),
    [(13, 20, 2, 2), (13, 24.5, 2, 1), (6, 50, 1, 1), (52, 6, 2, 4), (0, 0, 1, 1)],
)
def test_label_every_spaces_week_labels_so_they_never_touch(count, slot, longest, expected):
    assert label_every(count, slot=slot, longest=longest) == expected


def test_weekly_columns_are_narrow_and_their_week_labels_do_not_overlap():
    weeks = [(week, [week % 4, week % 3]) for week in range(1, 27)]  # a 26-week programme
    chart = weekly_columns(id="w", title="t", desc="d", weeks=weeks, series=["a", "b"])
    assert chart.width == WIDTH and chart.kind == "columns"
    week_labels = [t for t in chart.texts if t["anchor"] == "middle" and t["text"] != "Programme week"]
    assert week_labels[0]["text"] == "1" and len(week_labels) < 26
    gaps = [b["x"] - a["x"] for a, b in itertools.pairwise(week_labels)]
    assert min(gaps) >= 2 * 0.6 * FONT + 6  # two-digit labels at 14 units, plus a gap
    assert all(r["x"] >= 0 and r["x"] + r["width"] <= WIDTH for r in chart.rects)


def test_weekly_columns_make_room_for_wide_tick_labels():
    chart = weekly_columns(id="m", title="t", desc="d", weeks=[(1, [1200]), (2, [30])], series=["Minutes"])
    ticks = [t for t in chart.texts if t["anchor"] == "end"]
    assert ticks[-1]["text"] == "1500"
    assert min(t["x"] for t in ticks) - 4 * 0.6 * FONT >= 0  # "1500" is drawn inside the SVG
    assert all(r["x"] > ticks[0]["x"] for r in chart.rects)
