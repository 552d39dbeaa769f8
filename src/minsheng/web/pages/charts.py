"""Dashboard charts as ECharts options (JSON for the ECharts bundle of `web.assets`; nothing
fetched from another host).

Each chart has a table beside it on the page, so the figures are readable without
JavaScript and by a screen reader (the chart's box is one labelled image).
"""

from __future__ import annotations

import json
from typing import Any

SEVERITY_COLOURS = {"red": "#b42318", "orange": "#dc6803", "yellow": "#eaaa08"}
AGES = ("0-7", "8-30", "31-90", "90+")
FONT = {"fontFamily": "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"}


def _option(series: list[dict[str, Any]], categories: list[str], **extra: Any) -> str:
    """The options every chart shares: the legend on its own line above the plot (never over
    the bars), axis labels inside the box (`containLabel`), no animation (a chart that moves
    is read twice), the figures in a tooltip."""
    option: dict[str, Any] = {
        "animation": False,
        "aria": {"enabled": False},  # the table beside the chart is what a screen reader reads
        "textStyle": FONT,
        "legend": {"top": 0, "left": "center", "itemWidth": 14, "itemHeight": 10},
        "tooltip": {"trigger": "axis"},
        "grid": {"top": 34, "left": 8, "right": 16, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": categories, "axisTick": {"alignWithLabel": True}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": series,
    }
    for key, value in extra.items():
        option[key] = option[key] | value if isinstance(option.get(key), dict) else value
    return json.dumps(option, ensure_ascii=False, separators=(",", ":"))


def alerts_by_grade_and_age(rows: list[dict[str, Any]], labels: dict[str, str]) -> str:
    series = [
        {
            "type": "bar",
            "name": labels[severity],
            "stack": "alerts",
            "itemStyle": {"color": colour},
            "data": [
                sum(
                    r["count"]
                    for r in rows
                    if r["severity"] == severity and r["age"] == age and r["status"] != "closed"
                )
                for age in AGES
            ],
        }
        for severity, colour in SEVERITY_COLOURS.items()
    ]
    return _option(series, list(AGES))


def by_township(names: list[str], households: list[int], enrolled: list[int], labels: dict[str, str]) -> str:
    """Dozens of townships: every name shown, slanted so that neighbours do not overlap."""
    series = [
        {"type": "bar", "name": labels["households"], "itemStyle": {"color": "#52606d"}, "data": households},
        {"type": "bar", "name": labels["enrolled"], "itemStyle": {"color": "#b42318"}, "data": enrolled},
    ]
    slant = {"axisLabel": {"interval": 0, "rotate": 40 if len(names) > 8 else 0, "fontSize": 11}}
    return _option(series, names, xAxis=slant)


def monthly(months: list[str], counts: list[int], label: str) -> str:
    series = [{"type": "line", "name": label, "itemStyle": {"color": "#b42318"}, "symbolSize": 6, "data": counts}]
    return _option(series, months)
