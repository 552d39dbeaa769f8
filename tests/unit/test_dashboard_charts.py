"""The dashboard's charts as the server draws them (pygal, inline SVG, `web.pages.charts`): the
figures they show are the tables' figures, the legend sits clear of the bars and of the township
names, every township is named, the value axis counts in integers, nothing from the data runs as
markup, and nothing in the SVG runs or is fetched."""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from minsheng.web.pages import charts

LABELS = {"red": "红色", "orange": "橙色", "yellow": "黄色"}
TOWN_LABELS = {"households": "户数", "enrolled": "已纳入救助户数"}


def _tree(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # well-formed: an unescaped name would break parsing here
    for node in root.iter():
        if isinstance(node.tag, str):
            node.tag = node.tag.rsplit("}", 1)[-1]  # the SVG namespace off, for plain names below
    return root


def _classes(node: ET.Element) -> set[str]:
    return set(node.get("class", "").split())


def _groups(svg: str, cls: str) -> list[ET.Element]:
    return [g for g in _tree(svg).iter("g") if cls in _classes(g)]


def _series(svg: str) -> list[list[tuple[str, float]]]:
    """Per series in order (pygal's plot group, not its overlay), each bar's tooltip and height."""
    out = []
    for group in _groups(svg, "series"):
        bars = [bar for bar in group.iter("g") if "bar" in _classes(bar)]
        if bars:
            out.append([(bar.findtext("title") or "", float(bar.findall("rect")[0].get("height", 0))) for bar in bars])
    return out


def _translate(node: ET.Element) -> tuple[float, float]:
    x, y = re.fullmatch(r"translate\(([-\d.]+),? ([-\d.]+)\)", node.get("transform", "")).groups()  # type: ignore[union-attr]
    return float(x), float(y)


def _plot_bottom(svg: str) -> float:
    plot = next(g for g in _groups(svg, "plot") if _classes(g) == {"plot"})
    background = plot.find("rect")
    assert background is not None
    return _translate(plot)[1] + float(background.get("height", 0))


def _legend_top(svg: str) -> float:
    return _translate(_groups(svg, "legends")[0])[1]


def test_the_alert_chart_stacks_the_unfinished_alerts_the_table_counts() -> None:
    rows = [
        {"severity": "red", "status": "open", "age": "0-7", "count": 3},
        {"severity": "red", "status": "in_check", "age": "0-7", "count": 2},
        {"severity": "red", "status": "closed", "age": "0-7", "count": 40},  # closed: not on the chart
        {"severity": "yellow", "status": "open", "age": "90+", "count": 7},
    ]
    svg = charts.alerts_by_grade_and_age(rows, LABELS)
    red, orange, yellow = _series(svg)
    assert [tip for tip, _ in red] == ["0-7\n红色: 5", "8-30\n红色: 0", "31-90\n红色: 0", "90+\n红色: 0"]
    assert [tip for tip, _ in yellow][3] == "90+\n黄色: 7" and all(h == 0 for _, h in orange)
    assert abs(red[0][1] / yellow[3][1] - 5 / 7) < 0.01  # heights in proportion to the counts
    legend = [t.text for t in _groups(svg, "legends")[0].iter("text")]
    assert legend == ["红色", "橙色", "黄色"]
    assert _legend_top(svg) > _plot_bottom(svg)  # the legend on its own line, never over a bar


def test_the_township_chart_names_every_township_slanted_clear_of_the_legend() -> None:
    names = [f"{i:02d}首都机场街道" for i in range(43)]  # long Chinese names: pygal sizes them short
    svg = charts.by_township(names, [10 + i for i in range(43)], [i % 3 for i in range(43)], TOWN_LABELS)
    labels = [t for g in _groups(svg, "axis") if "x" in _classes(g) for t in g.iter("text")]
    assert [t.text for t in labels] == names  # none skipped, none cut short
    assert all(t.get("transform", "").startswith(f"rotate({charts.SLANT} ") for t in labels)
    # The lowest point of the longest slanted name, a Chinese character 1 em wide at 11 px,
    # stays above the legend's line.
    font = 11
    reach = max(len(n) * font for n in names) * math.sin(math.radians(charts.SLANT)) + font
    assert _plot_bottom(svg) + 5 + reach < _legend_top(svg)
    households, enrolled = _series(svg)
    assert households[42][0] == "42首都机场街道\n户数: 52" and enrolled[4][0] == "04首都机场街道\n已纳入救助户数: 1"
    few = charts.by_township(["建外街道", "朝外街道"], [3, 4], [1, 0], TOWN_LABELS)
    assert "rotate" not in few  # a few townships stand upright


def test_the_monthly_trend_is_a_line_through_every_month_and_an_empty_one_says_so() -> None:
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    counts = [5, 0, 9, 1, 1, 1, 1, 1, 1, 1, 1, 30]
    svg = charts.monthly(months, counts, "预警数", "暂无预警")
    line = next(p for p in _tree(svg).iter("path") if "line" in _classes(p) and "reactive" in _classes(p))
    assert len(re.findall(r"[\d.]+ [\d.]+", line.get("d", ""))) == 12
    tips = [g.findtext("title") for g in _groups(svg, "dots")]
    assert tips == [f"{m}\n预警数: {n}" for m, n in zip(months, counts, strict=True)]
    named = [t.text for g in _groups(svg, "axis") if "x" in _classes(g) for t in g.iter("text")]
    assert named[0] == months[0] and set(named) <= set(months)  # every k-th month, each named whole
    empty = charts.monthly([], [], "预警数", "暂无预警")
    assert not any("line" in _classes(p) and "reactive" in _classes(p) for p in _tree(empty).iter("path"))
    assert "暂无预警" in empty and "预警数" in empty


def test_a_name_from_the_data_is_text_never_markup() -> None:
    svg = charts.by_township(['<script>alert("x")</script>&'], [1], [0], {"households": "户", "enrolled": "纳"})
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert _tree(svg) is not None


def test_nothing_in_a_chart_runs_or_is_fetched() -> None:
    """No script (pygal writes one by default, and names a tooltip script on a CDN), no address
    at all (not even the SVG namespace's: inside HTML it needs none), no id but the chart's own
    (three charts share a page)."""
    svgs = [
        charts.alerts_by_grade_and_age([], LABELS),
        charts.by_township([f"镇{i}" for i in range(20)], list(range(20)), list(range(20)), TOWN_LABELS),
        charts.monthly(["2026-01", "2026-02"], [1, 2], "预警数"),
    ]
    for svg in svgs:
        tree = _tree(svg)
        assert not [n for n in tree.iter() if n.tag in ("script", "foreignObject")]
        assert not any(name.startswith("on") for n in tree.iter() for name in n.attrib)
        assert not re.search(r"https?:|//[\w.-]+\.\w", svg)
        assert "@import" not in svg and "url(" not in svg  # the style fetches nothing either
        ids = [n.get("id") for n in tree.iter() if n.get("id")]
        assert ids == [tree.get("id")] and re.fullmatch(r"chart-[0-9a-f-]{36}", ids[0] or "")
        style = tree.find("defs/style")
        assert style is not None and all(  # every rule scoped to this chart
            rule.strip().startswith(f"#{ids[0]}") for rule in re.findall(r"(?:^|})([^{}]+)\{", style.text or "")
        )
    assert len({_tree(s).get("id") for s in svgs}) == 3


def test_a_chart_is_drawn_again_only_when_its_figures_change() -> None:
    first = charts.monthly(["2031-01"], [4], "预警数")
    again = charts.monthly(["2031-01"], [4], "预警数")
    changed = charts.monthly(["2031-01"], [5], "预警数")
    assert again == first and changed != first and "预警数: 5" in changed


@settings(max_examples=25, deadline=None)  # each example draws a chart: ~50 ms
@given(st.integers(min_value=0, max_value=10**9))
def test_the_value_axis_counts_in_integers_from_zero(top: int) -> None:
    svg = charts.monthly(["2026-01", "2026-02"], [0, top], "预警数")
    axis = next(g for g in _groups(svg, "axis") if "y" in _classes(g))
    ticks = [int(t.text.replace(",", "")) for t in axis.iter("text") if t.text]  # an int, or this fails
    assert ticks[0] == 0 and ticks == sorted(set(ticks)) and len(ticks) <= 7
    assert len({b - a for a, b in itertools.pairwise(ticks)}) <= 1  # evenly spaced
    assert ticks[-1] <= max(top, 1) and ticks[-1] * 2 >= top  # the axis reaches near the top value (0 to 1 with none)
