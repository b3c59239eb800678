"""Chart geometry for the status pages: plain numbers that ``chart_*.svg.j2`` draws as inline SVG.

No JavaScript and nothing fetched: a chart is part of the page, readable offline, printable,
and its colours come from the site's stylesheet (``kcbx-c0`` … ``kcbx-c5``). A value that is
``None`` (suppressed or not applicable) leaves a gap in a line and "—" beside a bar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH = 680
LABEL_FONT = 12


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]


@dataclass
class Tick:
    pos: float
    label: str


@dataclass
class Point:
    x: float
    y: float
    label: str


@dataclass
class LineSeries:
    name: str
    colour: int
    paths: list[str]
    points: list[Point]


@dataclass
class _Canvas:
    """What every chart has: its id and title, size, plot margins and the x axis."""

    id: str
    title: str
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    x_ticks: list[Tick]


@dataclass
class LineChart(_Canvas):
    y_ticks: list[Tick] = field(default_factory=list)
    series: list[LineSeries] = field(default_factory=list)
    legend: list[tuple[str, int, float]] = field(default_factory=list)
    kind: str = "line"

    @property
    def has_data(self) -> bool:
        return any(s.points for s in self.series)


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: int
    label: str
    label_x: float
    missing: bool


@dataclass
class BarRow:
    label: str
    y: float
    bars: list[Bar]


@dataclass
class BarChart(_Canvas):
    rows: list[BarRow] = field(default_factory=list)
    legend: list[tuple[str, int, float]] = field(default_factory=list)
    kind: str = "bar"

    @property
    def has_data(self) -> bool:
        return any(not b.missing for r in self.rows for b in r.bars)


def nice_max(value: float, ticks: int = 5) -> tuple[float, float]:
    """A round upper bound and tick step covering ``value`` (at least 1)."""
    value = max(float(value), 1.0)
    raw = value / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = 10 * power
    for m in (1, 2, 5, 10):
        if m * power * ticks >= value:
            step = m * power
            break
    step = max(step, 1.0)  # counts are whole numbers
    top = step * math.ceil(value / step)
    return top, step


def fmt(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "—"
    if percent:
        return f"{value:.1f}%"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _legend(names: list[str], y: float, left: float) -> list[tuple[str, int, float]]:
    out, x = [], left
    for i, name in enumerate(names):
        out.append((name, i, x))
        x += 28 + LABEL_FONT * len(name) + 8
    return out


def _ticks(top: float, step: float, scale, percent: bool) -> list[Tick]:
    out, v = [], 0.0
    while v <= top + 1e-9:
        out.append(Tick(scale(v), fmt(v, percent).replace(".0%", "%")))
        v += step
    return out


def _scale(series: list[Series], percent: bool) -> tuple[float, float]:
    """The axis end and tick step: 0–100 % for shares, a round maximum for counts."""
    if percent:
        return 100.0, 20.0
    return nice_max(max((v for s in series for v in s.values if v is not None), default=0.0))


def line_chart(chart_id: str, title: str, labels: list[str], series: list[Series], *,
               percent: bool = False) -> LineChart:
    """A trend over ``labels`` (months or pulls), one line per series."""
    left, right, top, bottom = 48.0, WIDTH - 16.0, 36.0, 200.0
    height = 236
    y_top, step = _scale(series, percent)

    def sy(v: float) -> float:
        return round(bottom - (bottom - top) * (v / y_top if y_top else 0), 1)

    n = len(labels)
    span = right - left - 24

    def sx(i: int) -> float:
        return round(left + 12 + (span * i / (n - 1) if n > 1 else span / 2), 1)

    every = max(1, math.ceil(n / 12))
    x_ticks = [Tick(sx(i), label) for i, label in enumerate(labels) if i % every == 0 or i == n - 1]
    lines = []
    for c, s in enumerate(series):
        paths, current, points = [], [], []
        for i, v in enumerate(s.values):
            if v is None:
                if current:
                    paths.append(" ".join(current))
                current = []
                continue
            x, y = sx(i), sy(v)
            current.append(f"{x},{y}")
            points.append(Point(x, y, f"{labels[i]} {s.name}：{fmt(v, percent)}"))
        if current:
            paths.append(" ".join(current))
        lines.append(LineSeries(s.name, c % 6, paths, points))
    return LineChart(chart_id, title, WIDTH, height, left, right, top, bottom, x_ticks,
                     _ticks(y_top, step, sy, percent), lines,
                     _legend([s.name for s in series], 16, left))


def bar_chart(chart_id: str, title: str, categories: list[str], series: list[Series], *,
              percent: bool = False) -> BarChart:
    """Horizontal bars: one group per category, one bar per series."""
    label_width = min(180, LABEL_FONT * max((len(c) for c in categories), default=4) + 12)
    left, right, top = float(label_width), WIDTH - 56.0, 36.0
    bar_h, gap = 12.0, 10.0
    group_h = bar_h * len(series) + gap
    bottom = top + group_h * len(categories)
    x_top, step = _scale(series, percent)

    def sx(v: float) -> float:
        return round(left + (right - left) * (v / x_top if x_top else 0), 1)

    rows = []
    for i, category in enumerate(categories):
        y0 = top + i * group_h + gap / 2
        bars = []
        for c, s in enumerate(series):
            v = s.values[i]
            y = round(y0 + c * bar_h, 1)
            w = 0.0 if v is None else round(sx(v) - left, 1)
            bars.append(Bar(left, y, w, bar_h - 2, c % 6, fmt(v, percent), left + w + 4, v is None))
        rows.append(BarRow(category, round(y0 + group_h / 2 - gap / 2, 1), bars))
    return BarChart(chart_id, title, WIDTH, int(bottom + 28), left, right, top, bottom,
                    _ticks(x_top, step, sx, percent), rows,
                    _legend([s.name for s in series], 16, left))
