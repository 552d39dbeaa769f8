"""The dashboard's charts as the server draws them (inline SVG, `web.pages.charts`): the figures
they show are the tables' figures, the legend sits clear above the bars, every township is
named, and nothing from the data runs as markup."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from minsheng.web.pages import charts

LABELS = {"red": "红色", "orange": "橙色", "yellow": "黄色"}


def _tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed: an unescaped name would break parsing here


def _tips(svg: str) -> list[str]:
    return [t.text or "" for t in _tree(svg).iter("title")]


def _bars(svg: str) -> list[dict[str, float | str]]:
    """The drawn bars (rects with a fill colour, not the legend's swatches or the hover strips)."""
    return [
        {
            "x": float(r.get("x", 0)),
            "y": float(r.get("y", 0)),
            "h": float(r.get("height", 0)),
            "fill": r.get("fill", ""),
        }
        for r in _tree(svg).iter("rect")
        if r.get("fill") != "transparent" and r.get("y") != "5"
    ]


def test_the_alert_chart_stacks_the_unfinished_alerts_the_table_counts() -> None:
    rows = [
        {"severity": "red", "status": "open", "age": "0-7", "count": 3},
        {"severity": "red", "status": "in_check", "age": "0-7", "count": 2},
        {"severity": "red", "status": "closed", "age": "0-7", "count": 40},  # closed: not on the chart
        {"severity": "yellow", "status": "open", "age": "90+", "count": 7},
    ]
    svg = charts.alerts_by_grade_and_age(rows, LABELS)
    tips = _tips(svg)
    assert tips[0] == "0-7\n红色: 5\n橙色: 0\n黄色: 0" and tips[3] == "90+\n红色: 0\n橙色: 0\n黄色: 7"
    bars = _bars(svg)
    assert [b["fill"] for b in bars] == [charts.SEVERITY_COLOURS["red"], charts.SEVERITY_COLOURS["yellow"]]
    red, yellow = bars
    assert abs(float(red["h"]) / float(yellow["h"]) - 5 / 7) < 0.01  # heights in proportion to the counts


def test_the_township_chart_names_every_township_slanted_with_the_legend_above_the_bars() -> None:
    names = [f"{i:02d}街道" for i in range(43)]
    svg = charts.by_township(
        names, [10 + i for i in range(43)], [i % 3 for i in range(43)], {"households": "户数", "enrolled": "已纳入"}
    )
    texts = {t.text: t for t in _tree(svg).iter("text")}
    assert all(name in texts for name in names)  # none skipped
    assert all(f"rotate(-{charts.SLANT}" in texts[name].get("transform", "") for name in names)
    legend_bottom = max(
        float(r.get("y", 0)) + float(r.get("height", 0)) for r in _tree(svg).iter("rect") if r.get("y") == "5"
    )
    assert legend_bottom < min(float(b["y"]) for b in _bars(svg))  # the legend on its own line, never over a bar
    assert "户数" in texts and "已纳入" in texts
    few = charts.by_township(["建外街道", "朝外街道"], [3, 4], [1, 0], {"households": "户数", "enrolled": "已纳入"})
    assert "rotate" not in few  # a few townships stand upright


def test_the_monthly_trend_is_a_line_through_every_month_and_an_empty_one_draws_no_line() -> None:
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    svg = charts.monthly(months, [5, 0, 9, 1, 1, 1, 1, 1, 1, 1, 1, 30], "预警数")
    points = _tree(svg).find("polyline")
    assert points is not None and len(points.get("points", "").split()) == 12
    assert _tips(svg)[-1] == "2026-12\n预警数: 30"
    empty = charts.monthly([], [], "预警数")
    assert _tree(empty).find("polyline") is None and "预警数" in empty


def test_a_name_from_the_data_is_text_never_markup() -> None:
    svg = charts.by_township(['<script>alert("x")</script>&'], [1], [0], {"households": "户", "enrolled": "纳"})
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert _tree(svg) is not None
    assert not re.search(r"https?://", svg)  # no namespace URL either: the page names no other host


@given(st.integers(min_value=0, max_value=10**9))
def test_axis_ticks_are_integers_from_zero_past_the_largest_value(top: int) -> None:
    ticks = charts.ticks(top)
    assert ticks[0] == 0 and ticks[-1] >= top and 2 <= len(ticks) <= 7
    steps = {b - a for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1 and all(isinstance(t, int) for t in ticks)
