"""Geometry for the small server-drawn SVG bar charts of the trainer pages.

The template ``lms/trainer/_bar_chart.html`` draws the result with ``role="img"``, a
``<title>`` and ``<desc>``, and the page shows the same figures in a table next to it.
"""

from __future__ import annotations

from dataclasses import dataclass

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 220
BAR_AREA = 360


@dataclass
class Bar:
    label: str
    value: float
    text: str
    y: int
    width: int
    text_x: int
    label_y: int


@dataclass
class BarChart:
    id: str
    title: str
    desc: str
    bars: list[Bar]
    height: int
    width: int = LABEL_WIDTH + BAR_AREA + 70
    label_width: int = LABEL_WIDTH


def bar_chart(*, id: str, title: str, desc: str, items: list[tuple[str, float, str]], maximum: float) -> BarChart:
    """Horizontal bars: ``items`` are (label, value, text shown after the bar)."""
    maximum = maximum or 1
    bars = []
    for i, (label, value, text) in enumerate(items):
        y = GAP + i * (BAR_HEIGHT + GAP)
        width = round(BAR_AREA * min(value, maximum) / maximum)
        short = label if len(label) <= 32 else label[:31] + "…"
        bars.append(Bar(short, value, text, y, width, LABEL_WIDTH + width + 6, y + BAR_HEIGHT - 6))
    return BarChart(id=id, title=title, desc=desc, bars=bars, height=GAP + len(items) * (BAR_HEIGHT + GAP))
