"""Pure helpers of the trainer pages: integer ticks, wrapped chart labels, valid <time datetime>,
plurals in the at-risk reasons."""

import datetime as dt
import itertools
import re
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from lms.challenge_charts import weekly_columns
from lms.charts import LINE_CHARS, MAX_LINES, WIDTH, bar_chart, count_ticks, wrap_label
from lms.models import EnrolmentStatus
from lms.selectors.cohorts import ParticipantRow, _risk
from lms.templatetags.microlearn_time import html_datetime

# The HTML standard's global date and time string: at most three digits of a second's fraction.
HTML_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$")


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (5, [0, 1, 2, 3, 4, 5]),
        (7, [0, 2, 4, 6, 8]),
        (12, [0, 5, 10, 15]),
        (37, [0, 10, 20, 30, 40]),
        (2.5, [0, 1, 2, 3]),
    ],
)
def test_count_ticks_are_whole_numbers(maximum, ticks):
    assert count_ticks(maximum) == ticks


@pytest.mark.parametrize("maximum", range(0, 250, 7))
def test_count_ticks_cover_the_maximum_in_equal_integer_steps(maximum):
    ticks = count_ticks(maximum)
    assert all(isinstance(t, int) for t in ticks) and ticks[0] == 0 and ticks[-1] >= maximum
    assert len({b - a for a, b in itertools.pairwise(ticks)}) == 1 and len(ticks) <= 6


def test_weekly_columns_axis_reads_whole_counts():
    chart = weekly_columns(id="c", title="t", desc="d", weeks=[(1, [5, 2]), (2, [3, 1])], series=["a", "b"])
    labels = [t["text"] for t in chart.texts if t["anchor"] == "end"]
    assert labels == ["0", "1", "2", "3", "4", "5"]  # not 1.25 / 2.5 / 3.75


def test_long_labels_wrap_then_shorten_with_the_full_text_kept():
    label = "Why micro-connections matter in a hybrid workplace, and how to start one on a Monday morning"
    lines, shortened = wrap_label(label)
    assert shortened and len(lines) == MAX_LINES and lines[-1].endswith("…")
    assert all(len(line) <= LINE_CHARS for line in lines)
    assert lines[0] == "Why micro-connections matter in a hybrid"  # broken between words, from the start
    assert wrap_label("Openers") == (["Openers"], False)
    assert wrap_label("x" * 90)[0][0] == "x" * LINE_CHARS  # a word longer than a line is cut
    chart = bar_chart(id="m", title="t", desc="d", items=[(label, 50, "50%")], maximum=100)
    bar = chart.bars[0]
    assert bar.label == label and bar.shortened and [line["text"] for line in bar.lines] == lines
    assert bar.text_x + len("100%") * 9 <= WIDTH  # the value fits right of the longest bar
    assert bar.lines[0]["y"] < bar.y and bar.y + chart.bar_height <= chart.height


def test_counts_bar_chart_scales_to_an_integer_tick():
    chart = bar_chart(
        id="o", title="t", desc="d", items=[("Week 1", 5, "5"), ("Week 2", 3, "3")], maximum=5, counts=True
    )
    assert chart.ticks == [0, 1, 2, 3, 4, 5] and chart.bars[0].width > chart.bars[1].width


def test_html_datetime_is_valid_and_local():
    london = zoneinfo.ZoneInfo("Europe/London")
    value = dt.datetime(2026, 7, 4, 12, 30, 15, 987654, tzinfo=dt.UTC)
    with timezone.override(london):
        assert html_datetime(value) == "2026-07-04T13:30:15+01:00"
        rendered = Template("{% load microlearn_time %}{{ v|html_datetime }}").render(Context({"v": value}))
    assert HTML_DATETIME.match(rendered)
    assert html_datetime(dt.date(2026, 7, 4)) == "2026-07-04"
    assert html_datetime(None) == "" and html_datetime("x") == ""


def _row(**kwargs):
    values = {
        "enrolment_id": 1,
        "user_id": 1,
        "name": "A",
        "email": "a@example.com",
        "status": EnrolmentStatus.ACTIVE,
        "last_activity": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    }
    return ParticipantRow(**{**values, **kwargs})


@pytest.mark.parametrize(
    ("days", "done", "expected", "exhausted", "reasons"),
    [
        (1, 2, 3, 0, []),
        (8, 2, 2, 0, ["No activity for 8 days"]),
        (
            7,
            0,
            2,
            1,
            [
                "No activity for 7 days",
                "2 modules behind (0 done, 2 expected by now)",
                "Quiz attempts used up without passing (1 module)",
            ],
        ),
        (
            1,
            0,
            3,
            2,
            ["3 modules behind (0 done, 3 expected by now)", "Quiz attempts used up without passing (2 modules)"],
        ),
    ],
)
def test_reasons_are_pluralised(days, done, expected, exhausted, reasons):
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=days)
    row = _row(done=done, exhausted=exhausted)
    _risk(row, now=now, started=True, expected=expected)
    assert row.reasons == reasons
