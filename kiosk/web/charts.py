"""Small bar charts drawn on the server as SVG (no chart library, no CDN, no inline style).

``bar_chart`` turns a series into geometry; ``templates/kpi/_macros.html`` draws it with ``<rect>``,
``<line>`` and ``<text>`` whose colours come from classes in ``static/css/kpi.css`` (the page's CSP
forbids inline styles). Each bar carries a ``<title>`` (its period and value) for a tooltip and for
screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 320
HEIGHT = 120
TOP = 8  # room above the tallest bar
AXIS = 18  # room below the bars for the labels
STUB = 2  # the height of a bar for zero (in its colour) or for no data (grey)


@dataclass(frozen=True)
class Point:
    label: str  # under the bar (the first, the middle and the last are shown)
    value: float | None
    css: str  # the bar's class: met / missed / no_data
    title: str  # tooltip: period and value


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    labels: list[Label]
    target_y: float | None
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def baseline(self) -> float:
        return self.height - AXIS

    @property
    def label_y(self) -> float:
        return self.height - 4


def bar_chart(points: list[Point], target: float | None = None) -> Chart:
    """Bars scaled to the largest value (or the target, whichever is higher), with the target as a line."""
    if not points:
        return Chart([], [], None)
    plot = HEIGHT - AXIS - TOP
    top = max([p.value for p in points if p.value is not None] + [target or 0]) or 1
    slot = WIDTH / len(points)
    width = max(slot * 0.7, 1)
    bars = []
    for i, point in enumerate(points):
        height = STUB if point.value is None else max(plot * point.value / top, STUB)
        x = i * slot + (slot - width) / 2
        bars.append(Bar(round(x, 1), round(HEIGHT - AXIS - height, 1), round(width, 1), round(height, 1),
                        point.css if point.value is not None else "no_data", point.title))
    shown = sorted({0, len(points) // 2, len(points) - 1})
    labels = [Label(round(i * slot + slot / 2, 1), points[i].label) for i in shown]
    target_y = None if target is None else round(HEIGHT - AXIS - plot * target / top, 1)
    return Chart(bars, labels, target_y)
