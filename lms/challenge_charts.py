"""Server-drawn bar charts for "Track your wins" and the practice summary: geometry only, rendered
by ``lms/challenges/_chart.html`` as an SVG with ``role="img"``, ``<title>`` and ``<desc>``.

The charts are as narrow as the trainer's (``lms.charts.WIDTH`` = 360 user units, 14-unit text),
so on a 390 px phone they are drawn at about their own size and their text stays at 12 px or
more; CSS caps them at 26rem (bars) or 30rem (weekly columns) on wide screens. A bar's label sits
on the line(s) above it (``lms.charts.wrap_label``); a shortened label carries its full text in a
``<title>`` (the tooltip). Axis ticks are whole numbers (``lms.charts.count_ticks``).

Colours come from CSS classes (``chart-series-0`` ...), never inline styles. Every chart on a page
is paired with a table of the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .charts import FONT, LINE, VALUE_SPACE, WIDTH, count_ticks, wrap_label

CHAR = 0.6 * FONT  # a generous width of one digit at FONT, for spacing axis labels


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    series: list[str]
    kind: str = "bars"  # "bars" or "columns": the CSS caps each at its own width
    rects: list[dict] = field(default_factory=list)
    texts: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)


def horizontal_bars(
    *,
    id: str,
    title: str,
    desc: str,
    rows: list[tuple[str, list[int]]],
    series: list[str],
    width: int = WIDTH,
) -> Chart:
    """One group of horizontal bars per row, one bar per series, under the row's label (wrapped
    onto two lines at most); each value is printed at its bar's end."""
    bar, gap, group_gap, left = 18, 3, 12, 1
    plot = width - left - VALUE_SPACE
    top_value = count_ticks(max((v for _, values in rows for v in values), default=0))[-1]
    chart = Chart(id=id, title=title, desc=desc, width=width, height=0, series=series)
    y = group_gap // 2
    for label, values in rows:
        wrapped, shortened = wrap_label(str(label))
        for number, line in enumerate(wrapped):
            text = {"x": left, "y": y + FONT + number * LINE, "text": line, "anchor": "start"}
            if shortened:
                text["title"] = str(label)
            chart.texts.append(text)
        y += len(wrapped) * LINE + 4
        for position, value in enumerate(values):
            length = round(plot * value / top_value, 1)
            chart.rects.append({"x": left, "y": y, "width": length, "height": bar, "series": position})
            chart.texts.append(
                {"x": round(left + length + 6, 1), "y": y + bar - 4, "text": str(value), "anchor": "start"}
            )
            y += bar + gap
        y += group_gap - gap
    chart.height = max(y, 32)
    return chart


def label_every(count: int, *, slot: float, longest: int) -> int:
    """Label every n-th column so that labels of ``longest`` characters (at FONT) never touch:
    the smallest n with n columns' width >= a label's width plus a gap."""
    if count <= 0 or slot <= 0:
        return 1
    return max(1, math.ceil((longest * CHAR + 6) / slot))


def weekly_columns(
    *, id: str, title: str, desc: str, weeks: list[tuple[int, list[int]]], series: list[str], width: int = WIDTH
) -> Chart:
    """Columns per programme week, one per series side by side, with a whole-number value axis."""
    ticks = count_ticks(max((v for _, values in weeks for v in values), default=0))
    top_value = ticks[-1]
    left = round(len(str(top_value)) * CHAR + 10)
    right, top, bottom = 8, 12, 44
    height = 220
    plot_w, plot_h = width - left - right, height - top - bottom
    chart = Chart(id=id, title=title, desc=desc, width=width, height=height, series=series, kind="columns")
    slot = plot_w / max(len(weeks), 1)
    column = max(min((slot - 4) / len(series), 18), 1.5)
    every = label_every(len(weeks), slot=slot, longest=max((len(str(week)) for week, _ in weeks), default=1))
    for value in ticks:
        y = top + plot_h - plot_h * value / top_value
        chart.lines.append({"x1": left, "y1": round(y, 1), "x2": width - right, "y2": round(y, 1), "grid": True})
        chart.texts.append({"x": left - 6, "y": round(y + FONT / 3, 1), "text": str(value), "anchor": "end"})
    for index, (week, values) in enumerate(weeks):
        x0 = left + index * slot + (slot - column * len(series)) / 2
        for position, value in enumerate(values):
            h = plot_h * value / top_value
            chart.rects.append(
                {
                    "x": round(x0 + position * column, 1),
                    "y": round(top + plot_h - h, 1),
                    "width": round(column - 1, 1),
                    "height": round(h, 1),
                    "series": position,
                }
            )
        if index % every == 0:
            chart.texts.append(
                {
                    "x": round(left + index * slot + slot / 2, 1),
                    "y": top + plot_h + FONT + 4,
                    "text": str(week),
                    "anchor": "middle",
                }
            )
    axis_title = {"x": round(left + plot_w / 2, 1), "y": height - 4, "text": "Programme week", "anchor": "middle"}
    chart.texts.append(axis_title)
    return chart
