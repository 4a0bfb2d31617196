"""Charts drawn on the server as SVG: bar charts and line charts whose geometry is worked out
here and drawn by templates/_charts.html, with no JavaScript.

They are meant to be read on paper in greyscale as well as on screen: each series has its
own fill pattern (solid, hatched, dotted) or line dash and marker, every value is printed on
its bar or point, the axes carry their labels, and the same numbers go in a table beside the
chart (`Chart.table`). Each chart is an image with a title and a description for screen
readers. A chart of nothing (no data, or every value zero) still draws its axes, at a scale
of 0 to 1, with zeros printed; a missing value (None) draws no bar or point and reads as a dash.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 250
LEFT = 48  # room for the value axis's labels
RIGHT = 10
TOP = 30  # room for the legend
BOTTOM = 26  # room for the category labels
MISSING = "\u2013"
# The axis reaches this much past the highest value, so its number fits above it.
HEADROOM = 1.15
# Fill patterns and line styles per series, in order; the template defines the patterns.
PATTERNS = ("solid", "hatch", "dots")
DASHES = ("", "6 4", "2 3")
MARKERS = ("circle", "square", "diamond")


def nice_step(top: float, ticks: int = 4) -> float:
    """The step of a value axis from 0 to at least `top` in about `ticks` steps: 1, 2, 2.5
    or 5 times a power of ten (one step of 1 when there is nothing to show)."""
    if not math.isfinite(top) or top <= 0:
        return 1
    rough = top / ticks
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= rough:
            return factor * power
    return 10 * power  # pragma: no cover  (the loop always returns)


def scale_top(
    values: Sequence[float | None], ticks: int = 4, whole: bool = False
) -> tuple[float, float]:
    """(top of the axis, step) for the values: a whole number of steps, at least one, with
    room above the highest value for its printed number; `whole`: steps of 1 or more, for
    numbers printed without decimals."""
    highest = max((v for v in values if v is not None and math.isfinite(v)), default=0)
    step = nice_step(highest * HEADROOM, ticks)
    if whole:
        step = max(step, 1)
    return max(step * math.ceil(highest * HEADROOM / step), step), step


def number_text(value: float | None, decimals: int = 0, suffix: str = "") -> str:
    if value is None:
        return MISSING
    return f"{value:,.{decimals}f}{suffix}"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    pattern: str
    text: str
    # Where the value is printed: above the bar (rotated to fit a narrow bar).
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    text: str
    # The category it belongs to: a line breaks where a category has no value.
    index: int = 0
    # Its number goes above the point when it is the highest of its category, else below,
    # so two lines' numbers do not print over each other.
    above: bool = True


@dataclass(frozen=True)
class Line:
    name: str
    dash: str
    marker: str
    points: list[Point]

    @property
    def path(self) -> str:
        """The SVG path through the points, broken where a value is missing."""
        steps = []
        for i, point in enumerate(self.points):
            joined = i > 0 and self.points[i - 1].index == point.index - 1
            steps.append(f"{'L' if joined else 'M'}{point.x:.1f},{point.y:.1f}")
        return " ".join(steps)


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Key:
    name: str
    pattern: str
    dash: str
    marker: str
    x: float


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    unit: str
    categories: list[str]
    series: list[Series]
    ticks: list[Tick]
    labels: list[Label]
    keys: list[Key]
    bars: list[Bar]
    lines: list[Line]
    texts: Callable[[float | None], str]
    # Each series' figure for all the categories together (the year), for the table.
    totals: Sequence[float | None] = ()
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def table(self) -> list[tuple[str, list[str]]]:
        """Each series' values as printed (then its total, when the chart has totals), for
        the table beside the chart."""
        rows = []
        for i, one in enumerate(self.series):
            cells = [self.texts(v) for v in one.values]
            if self.totals:
                cells.append(self.texts(self.totals[i]))
            rows.append((one.name, cells))
        return rows


def _frame(
    series: Sequence[Series], categories: Sequence[str], top: float, step: float, texts
) -> tuple[list[Tick], list[Label], list[Key], float, Callable[[float], float]]:
    plot_height = HEIGHT - BOTTOM - TOP
    ticks_count = round(top / step)
    ticks = [
        Tick(HEIGHT - BOTTOM - plot_height * n / ticks_count, texts(step * n))
        for n in range(ticks_count + 1)
    ]
    slot = (WIDTH - RIGHT - LEFT) / max(len(categories), 1)
    labels = [Label(LEFT + slot * (i + 0.5), name) for i, name in enumerate(categories)]
    keys = [
        Key(s.name, PATTERNS[i % 3], DASHES[i % 3], MARKERS[i % 3], LEFT + 150 * i)
        for i, s in enumerate(series)
    ]

    def y_of(value: float) -> float:
        return HEIGHT - BOTTOM - plot_height * min(max(value, 0), top) / top

    return ticks, labels, keys, slot, y_of


def bar_chart(
    id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    decimals: int = 0,
    totals: Sequence[float | None] = (),
) -> Chart:
    """Grouped bars: one group per category, one bar per series, its value above it."""

    def texts(value: float | None) -> str:
        return number_text(value, decimals)

    top, step = scale_top([v for s in series for v in s.values], whole=decimals == 0)
    ticks, labels, keys, slot, y_of = _frame(series, categories, top, step, texts)
    gap = slot * 0.2
    width = (slot - gap) / max(len(series), 1)
    bars = []
    for i, one in enumerate(series):
        for c, value in enumerate(one.values):
            if value is None:
                continue
            x = LEFT + slot * c + gap / 2 + width * i
            y = y_of(value)
            bars.append(
                Bar(
                    x=x,
                    y=y,
                    width=width,
                    height=HEIGHT - BOTTOM - y,
                    pattern=PATTERNS[i % 3],
                    text=texts(value),
                    text_x=x + width / 2,
                    text_y=y - 3,
                )
            )
    return Chart(
        id, title, description, unit, list(categories), list(series), ticks, labels, keys,
        bars, [], texts, totals,
    )  # fmt: skip


def line_chart(
    id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    decimals: int = 0,
    top: float | None = None,
    totals: Sequence[float | None] = (),
) -> Chart:
    """A line per series through its values (a share: `top` 100), each point labelled."""

    def texts(value: float | None) -> str:
        return number_text(value, decimals, unit if unit == "%" else "")

    if top is None:
        top, step = scale_top([v for s in series for v in s.values], whole=decimals == 0)
    else:
        step = nice_step(top)
    ticks, labels, keys, slot, y_of = _frame(series, categories, top, step, texts)
    lines = []
    for i, one in enumerate(series):
        points = [
            Point(LEFT + slot * (c + 0.5), y_of(value), texts(value), c, _highest(series, i, c))
            for c, value in enumerate(one.values)
            if value is not None
        ]
        lines.append(Line(one.name, DASHES[i % 3], MARKERS[i % 3], points))
    return Chart(
        id, title, description, unit, list(categories), list(series), ticks, labels, keys,
        [], lines, texts, totals,
    )  # fmt: skip


def _highest(series: Sequence[Series], index: int, category: int) -> bool:
    """Whether series `index` has the highest value of `category` (the first of equals)."""
    mine = series[index].values[category]
    for other, one in enumerate(series):
        theirs = one.values[category]
        if other == index or theirs is None or mine is None:
            continue
        if theirs > mine or (theirs == mine and other < index):
            return False
    return True
