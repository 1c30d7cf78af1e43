"""Server-drawn bar charts for "Track your wins": geometry only, rendered by
``lms/challenges/_chart.html`` as an SVG with ``role="img"``, ``<title>`` and ``<desc>``.

Colours come from CSS classes (``chart-series-0`` ...), never inline styles. Every chart on a page
is paired with a table of the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .charts import count_ticks

FONT = 13  # px; labels are sized for this in the layout below


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    series: list[str]
    rects: list[dict] = field(default_factory=list)
    texts: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)


def _nice_max(value: int) -> int:
    """A round axis maximum >= value (1, 2, 5, 10, 20, 50 ...)."""
    value = max(value, 1)
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def horizontal_bars(
    *,
    id: str,
    title: str,
    desc: str,
    rows: list[tuple[str, list[int]]],
    series: list[str],
    width: int = 640,
    label_width: int = 200,
) -> Chart:
    """One group of horizontal bars per row, one bar per series; the value is printed at the bar's end."""
    bar, gap, group_gap, top = 16, 3, 14, 8
    group = len(series) * (bar + gap) - gap
    height = top + len(rows) * (group + group_gap)
    chart = Chart(id=id, title=title, desc=desc, width=width, height=height, series=series)
    plot = width - label_width - 48
    scale = plot / _nice_max(max((v for _, values in rows for v in values), default=0))
    for index, (label, values) in enumerate(rows):
        y = top + index * (group + group_gap)
        chart.texts.append(
            {"x": label_width - 8, "y": y + group / 2 + FONT / 3, "text": _shorten(label, 28), "anchor": "end"}
        )
        for position, value in enumerate(values):
            bar_y = y + position * (bar + gap)
            length = value * scale
            chart.rects.append(
                {"x": label_width, "y": bar_y, "width": round(length, 1), "height": bar, "series": position}
            )
            chart.texts.append(
                {"x": label_width + length + 6, "y": bar_y + bar - 3, "text": str(value), "anchor": "start"}
            )
    chart.lines.append({"x1": label_width, "y1": 0, "x2": label_width, "y2": height})
    return chart


def weekly_columns(
    *, id: str, title: str, desc: str, weeks: list[tuple[int, list[int]]], series: list[str], width: int = 720
) -> Chart:
    """Columns per programme week, one per series side by side, with a value axis."""
    left, right, top, bottom = 40, 8, 12, 36
    height = 240
    plot_w, plot_h = width - left - right, height - top - bottom
    chart = Chart(id=id, title=title, desc=desc, width=width, height=height, series=series)
    ticks = count_ticks(max((v for _, values in weeks for v in values), default=0))
    top_value = ticks[-1]
    slot = plot_w / max(len(weeks), 1)
    column = max(min((slot - 4) / len(series), 18), 1.5)
    label_every = max(1, round(len(weeks) / 13))
    for value in ticks:  # whole counts: integer ticks only (lms.charts.count_ticks)
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
        if index % label_every == 0:
            chart.texts.append(
                {
                    "x": round(left + index * slot + slot / 2, 1),
                    "y": height - bottom + 16,
                    "text": str(week),
                    "anchor": "middle",
                }
            )
    chart.texts.append({"x": left + plot_w / 2, "y": height - 4, "text": "Programme week", "anchor": "middle"})
    return chart
