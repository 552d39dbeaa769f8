"""Dashboard charts as Plotly figures (JSON for the bundled plotly.min.js; nothing fetched).

Each chart has a table beside it on the page, so the figures are readable without
JavaScript and by a screen reader.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

SEVERITY_COLOURS = {"red": "#b42318", "orange": "#dc6803", "yellow": "#eaaa08"}
AGES = ("0-7", "8-30", "31-90", "90+")
LAYOUT = {"margin": {"l": 40, "r": 10, "t": 10, "b": 40}, "height": 260, "legend": {"orientation": "h"}}


def alerts_by_grade_and_age(rows: list[dict[str, Any]], labels: dict[str, str]) -> str:
    fig = go.Figure()
    for severity, colour in SEVERITY_COLOURS.items():
        counts = [
            sum(r["count"] for r in rows if r["severity"] == severity and r["age"] == age and r["status"] != "closed")
            for age in AGES
        ]
        fig.add_bar(name=labels[severity], x=list(AGES), y=counts, marker_color=colour)
    fig.update_layout(barmode="stack", **LAYOUT)
    return str(fig.to_json())


def by_township(names: list[str], households: list[int], enrolled: list[int], labels: dict[str, str]) -> str:
    fig = go.Figure()
    fig.add_bar(name=labels["households"], x=names, y=households, marker_color="#52606d")
    fig.add_bar(name=labels["enrolled"], x=names, y=enrolled, marker_color="#b42318")
    fig.update_layout(barmode="group", **LAYOUT)
    return str(fig.to_json())


def monthly(months: list[str], counts: list[int], label: str) -> str:
    fig = go.Figure(go.Scatter(x=months, y=counts, mode="lines+markers", name=label, line={"color": "#b42318"}))
    fig.update_layout(**LAYOUT)
    return str(fig.to_json())
