"""Geometry for the small server-drawn SVG bar charts of the trainer pages, and integer axis ticks.

The template ``lms/trainer/_bar_chart.html`` draws the result with ``role="img"``, a
``<title>`` and ``<desc>``, and the page shows the same figures in a table next to it.

Each bar has its label on the line(s) above it, so the chart is narrow (``WIDTH`` = 360 user
units): on a 390 px phone it is drawn at about its own size and its 14-unit text stays at 12 px
or more (CSS caps the drawing at 26rem on wide screens). A label longer than a line wraps onto a
second one; beyond that it ends with "…" and its ``<title>`` (the tooltip) carries it in full.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH = 360
FONT = 14  # user units; the CSS sets the same font-size
LINE = 17  # label line height
LINE_CHARS = 40  # characters per label line at FONT (DejaVu Sans averages ~0.55 em a character)
MAX_LINES = 2
BAR_HEIGHT = 18
GAP = 12
VALUE_SPACE = 56  # room right of the longest bar for its value ("100%")
BAR_AREA = WIDTH - VALUE_SPACE


@dataclass
class Bar:
    label: str  # the full label (the tooltip)
    lines: list[dict]  # [{"text", "y"}], wrapped and shortened
    value: float
    text: str
    y: int
    width: int
    text_x: int
    text_y: int
    shortened: bool = False


@dataclass
class BarChart:
    id: str
    title: str
    desc: str
    bars: list[Bar]
    height: int
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT
    ticks: list[int] = field(default_factory=list)


def wrap_label(label: str, *, width: int = LINE_CHARS, lines: int = MAX_LINES) -> tuple[list[str], bool]:
    """``label`` on at most ``lines`` lines of at most ``width`` characters, broken between words
    where it can; (lines, shortened), the last line ending in "…" when the label did not fit."""
    out: list[str] = []
    current = ""
    for word in label.split():
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width:
            current = candidate
            continue
        if current:
            out.append(current)
        while len(word) > width:  # a word longer than a line is cut where the line ends
            out.append(word[:width])
            word = word[width:]
        current = word
    if current:
        out.append(current)
    if len(out) <= lines:
        return out, False
    kept = out[:lines]
    kept[-1] = kept[-1][: width - 1].rstrip() + "…"
    return kept, True


def count_ticks(maximum: float, *, most: int = 5) -> list[int]:
    """Axis ticks for whole counts: 0 up to a round top >= ``maximum``, at most ``most`` + 1 of
    them, every one an integer (0, 2, 4, 6 for a maximum of 5; never 1.25 / 2.5 / 3.75)."""
    maximum = max(math.ceil(maximum), 1)
    wanted = math.ceil(maximum / most)
    step = 1
    magnitude = 1
    while True:
        found = next((magnitude * f for f in (1, 2, 5) if magnitude * f >= wanted), None)
        if found is not None:
            step = found
            break
        magnitude *= 10
    top = step * math.ceil(maximum / step)
    return list(range(0, top + 1, step))


def bar_chart(
    *, id: str, title: str, desc: str, items: list[tuple[str, float, str]], maximum: float, counts: bool = False
) -> BarChart:
    """Horizontal bars: ``items`` are (label, value, text shown after the bar). With ``counts``
    the scale runs to the top of ``count_ticks`` (whole numbers), so bars of counts line up on
    integer ticks."""
    ticks = count_ticks(maximum) if counts else []
    scale_max = (ticks[-1] if ticks else maximum) or 1
    bars = []
    y = GAP // 2
    for label, value, text in items:
        wrapped, shortened = wrap_label(label)
        lines = [{"text": line, "y": y + FONT + i * LINE} for i, line in enumerate(wrapped)]
        bar_y = y + len(wrapped) * LINE + 4
        width = round(BAR_AREA * min(value, scale_max) / scale_max)
        bars.append(
            Bar(
                label=label,
                lines=lines,
                value=value,
                text=text,
                y=bar_y,
                width=width,
                text_x=width + 6,
                text_y=bar_y + BAR_HEIGHT - 4,
                shortened=shortened,
            )
        )
        y = bar_y + BAR_HEIGHT + GAP
    return BarChart(id=id, title=title, desc=desc, bars=bars, height=max(y, 32), ticks=ticks)
