"""Trend charts drawn on the server (kiosk/web/charts.py): bars to scale, the target as a line."""

from __future__ import annotations

from kiosk.web.charts import AXIS, HEIGHT, STUB, TOP, WIDTH, Point, bar_chart


def test_bars_are_to_scale_with_the_target_line():
    chart = bar_chart([Point("a", 50, "missed", "a: 50"), Point("b", 100, "met", "b: 100"),
                       Point("c", None, "no_data", "c: —")], target=100)
    plot = HEIGHT - AXIS - TOP
    half, full, empty = chart.bars
    assert full.height == plot and half.height == plot / 2
    assert (empty.height, empty.css) == (STUB, "no_data")
    assert chart.target_y == TOP  # the target is the top of the scale here
    assert half.y + half.height == chart.baseline
    assert [label.text for label in chart.labels] == ["a", "b", "c"]
    assert half.x < full.x < empty.x + empty.width <= WIDTH


def test_zero_is_a_visible_stub_in_its_colour_and_the_scale_never_divides_by_zero():
    chart = bar_chart([Point("a", 0, "met", "a: 0")], target=None)
    assert chart.bars[0].height == STUB and chart.bars[0].css == "met" and chart.target_y is None
    assert bar_chart([]).bars == []


def test_long_series_label_the_first_middle_and_last():
    chart = bar_chart([Point(str(i), i, "met", "") for i in range(30)])
    assert [label.text for label in chart.labels] == ["0", "15", "29"]
