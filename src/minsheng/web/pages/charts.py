"""Dashboard charts drawn on the server by pygal, as SVG inside the page: it arrives with them drawn.

Why on the server (issue 12 §6): a repeat load of the dashboard with a charting script (ECharts)
spent 60–110 ms evaluating the 1.1 MB bundle and 130–170 ms drawing three small charts with it
(Chromium, the 2-core benchmark machine) — most of a 300 ms budget — and a first load fetched its
0.37 MB over a township office's link. pygal draws the same charts as SVG in Python: no script.

What of pygal is switched off, and why: its tooltip script (`js`, by default fetched from a CDN:
the page names no other host, and a county office may have no internet); the inline `<script>`
it always writes (its configuration, for that script; the page's CSP, script-src 'self', would
refuse it); its comments (they name its web site); and, for the same absent script, its `id`s
inside the chart (three charts on one page would repeat them) and each value's position
(`<desc class="x|y">`). Its `<style>` stays: every rule is scoped to the chart's own id
(`#chart-<uuid>`), and style-src 'unsafe-inline' allows it (web.middleware.CSP).

Each chart keeps what the ECharts ones had: a legend clear of the bars, integer axis ticks,
every township named (slanted when there are many), and a tooltip — each bar or point has an
SVG `<title>`, the browser's own tooltip. A table beside each chart gives the same figures, so
they are readable without the picture and by a screen reader (the chart's box is one labelled
image). The SVG scales to its box (`viewBox`); its size is the box's at the desk's 1366 px
layout, so there it is drawn 1:1.

pygal takes 30–100 ms a chart (the township chart most; measured on the 2-core benchmark
machine), against a repeat load's 300 ms budget; so a chart drawn is kept (`_draw`, by its
figures and labels) and drawn again only when they change — the township chart when the
registry does, the alert charts when alerts do.
"""

from __future__ import annotations

import functools
import math
import re
import xml.etree.ElementTree as ET
from typing import Any

import pygal
from markupsafe import Markup
from pygal.etree import etree
from pygal.style import Style

# pygal writes with lxml when it is installed, else with the standard library's ElementTree; the
# latter always, so the filter below and the SVG it yields are the same wherever this runs.
etree.to_etree()

SEVERITY_COLOURS = {"red": "#b42318", "orange": "#dc6803", "yellow": "#eaaa08"}
AGES = ("0-7", "8-30", "31-90", "90+")
UNFINISHED = ("open", "in_check")  # the grade × age table's statuses (monitoring.alerts.UNFINISHED)
COLUMN = (424, 258)  # a chart box in the dashboard's three-column grid at 1366 px (minsheng.css .chart)
WIDE = (1316, 338)  # the full-width township chart (.chart.wide)
FONT = 12
INK, GRID = "#52606d", "#e4e7eb"
FONTS = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", system-ui, sans-serif'
SLANT = 40  # degrees: dozens of township names, slanted so that neighbours do not overlap
MANY = 8  # more townships than this: their names slanted
KEPT = 32  # charts kept per process: each a few tens of KB

Series = tuple[tuple[str, tuple[int, ...]], ...]  # (name, one count per category) for each series


def alerts_by_grade_and_age(rows: list[dict[str, Any]], labels: dict[str, str]) -> Markup:
    """Unfinished alerts by age bucket, stacked by grade (the same counts as the table beside it)."""
    series = tuple(
        (
            labels[severity],
            tuple(
                sum(
                    r["count"]
                    for r in rows
                    if r["severity"] == severity and r["age"] == age and r["status"] in UNFINISHED
                )
                for age in AGES
            ),
        )
        for severity in SEVERITY_COLOURS
    )
    return Markup(_draw("stacked", AGES, series, tuple(SEVERITY_COLOURS.values()), COLUMN, FONT, "—"))


def by_township(names: list[str], households: list[int], enrolled: list[int], labels: dict[str, str]) -> Markup:
    """Households and enrolled households side by side, every township named."""
    series = ((labels["households"], tuple(households)), (labels["enrolled"], tuple(enrolled)))
    return Markup(_draw("bars", tuple(names), series, (INK, SEVERITY_COLOURS["red"]), WIDE, 11, "—"))


def monthly(months: list[str], counts: list[int], label: str, empty: str = "—") -> Markup:
    """Alerts by month of first event, a line through each month; with none, `empty` says so."""
    return Markup(
        _draw("line", tuple(months), ((label, tuple(counts)),), (SEVERITY_COLOURS["red"],), COLUMN, FONT, empty)
    )


def figures(
    categories: list[str],
    series: list[tuple[str, list[float]]],
    colours: tuple[str, ...],
    *,
    decimals: int = 0,
    stacked: bool = False,
    wide: bool = False,
) -> Markup:
    """Bars of figures that need not be counts (yuan, per cent; negative too), one series each:
    the simulation's charts (issue 13 §2), each beside its table."""
    data = tuple((name, tuple(round(v, decimals) for v in values)) for name, values in series)
    kind = "stacked" if stacked else "bars"
    return Markup(
        _draw(kind, tuple(categories), data, colours[: len(series)], WIDE if wide else COLUMN, FONT, "—", decimals)
    )


@functools.lru_cache(maxsize=KEPT)
def _draw(
    kind: str,
    categories: tuple[str, ...],
    series: tuple[tuple[str, tuple[float, ...]], ...],
    colours: tuple[str, ...],
    size: tuple[int, int],
    font: int,
    empty: str,
    decimals: int = 0,
) -> str:
    config = _config(size, colours, font, empty, stroke=2 if kind == "line" else 1, decimals=decimals)
    if kind == "bars" and len(categories) > MANY:
        config.x_label_rotation = SLANT
        # pygal sizes a label as 0.6 em a character; a Chinese character is 1 em wide. The space
        # below the axis is widened by the difference, so slanted names keep clear of the legend.
        short = max(_width(name, font) - 0.6 * font * len(name) for name in categories)
        config.spacing += math.ceil(short * math.sin(math.radians(SLANT)))
    if kind == "line":
        # Upright labels that would not fit side by side: every k-th month named (each point drawn).
        longest = max((_width(c, font) for c in categories), default=0)
        every = math.ceil(len(categories) * (longest + 8) / (size[0] - 80))
        if every > 1:
            config.x_labels_major_every, config.show_minor_x_labels = every, False
        config.margin_right = math.ceil(longest / 2) + 2  # the last month's label, centred on the right edge
    chart = {"stacked": pygal.StackedBar, "bars": pygal.Bar, "line": pygal.Line}[kind](config)
    chart.add_xml_filter(_page_ready)
    chart.x_labels = list(categories)
    for name, counts in series:
        # each value's tooltip: pygal writes it as the bar's or the point's SVG <title>
        chart.add(
            name,
            [
                {"value": n, "tooltip": f"{c}\n{name}: {n:,.{decimals}f}"}
                for c, n in zip(categories, counts, strict=True)
            ],
        )
    # pygal escapes every text it writes (names, labels, tooltips): nothing from the data is markup.
    svg: str = chart.render(is_unicode=True)
    return svg


def _config(
    size: tuple[int, int], colours: tuple[str, ...], font: int, empty: str, stroke: int, decimals: int = 0
) -> pygal.Config:
    width, height = size
    return pygal.Config(
        width=width,
        height=height,
        style=Style(
            background="transparent",
            plot_background="transparent",
            foreground=INK,
            foreground_strong=INK,
            foreground_subtle=INK,
            colors=colours,
            font_family=FONTS,  # the page's system fonts (minsheng.css): nothing is fetched
            label_font_size=font,
            major_label_font_size=font,
            legend_font_size=FONT,
            tooltip_font_size=FONT,
            no_data_font_size=FONT + 2,
            guide_stroke_color=GRID,
            major_guide_stroke_color=GRID,
            guide_stroke_dasharray="none",
            major_guide_stroke_dasharray="none",
            opacity="1",
            opacity_hover=".8",
            stroke_opacity="1",
            stroke_opacity_hover="1",
            stroke_width=str(stroke),
            stroke_width_hover=str(stroke),
            transition="0ms",
        ),
        js=[],  # no tooltip script (by default fetched from a CDN)
        disable_xml_declaration=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=len(colours),  # the legend on one line below the chart
        legend_box_size=FONT,
        truncate_legend=-1,
        truncate_label=-1,  # every name whole
        order_min=0 if decimals == 0 else -decimals,  # counts: integer ticks
        min_scale=3,
        max_scale=6,
        include_x_axis=True,  # the value axis starts at 0
        value_formatter=lambda v: f"{v:,.{decimals}f}",
        margin=6,
        spacing=8,
        dots_size=3,
        no_data_text=empty,
    )


def _width(text: str, font: float) -> float:
    """The width a label takes, estimated: a Chinese character is one em, anything else ~0.6 em."""
    return sum(font if ord(c) >= 0x2E80 else 0.6 * font for c in text)


GEOMETRY = ("x", "y", "width", "height", "cx", "cy", "d", "transform")
FINE = re.compile(r"(\.\d\d)\d+")  # pygal writes coordinates to 1e-15 px; 0.01 px is as fine as a screen


def _page_ready(svg: ET.Element) -> ET.Element:
    """pygal's SVG as the page takes it (an xml filter: run on the tree before it is written)."""
    for parent in svg.iter():
        for child in list(parent):
            if child.tag == "script" or not isinstance(child.tag, str):  # the absent script's
                parent.remove(child)  # configuration; comments (pygal's address)
            elif child.tag == "desc" and child.get("class", "").split(" ")[0] in ("x", "y"):
                parent.remove(child)  # where the absent script would put its tooltip
        if parent is not svg:
            parent.attrib.pop("id", None)  # the absent script's handles, repeated in each chart
        for name in GEOMETRY:
            if name in parent.attrib:
                parent.attrib[name] = FINE.sub(r"\1", parent.attrib[name])
    for child in list(svg):
        if child.tag == "title":  # "Pygal": the whole chart's tooltip; the page's heading names it
            svg.remove(child)
    # Inside HTML an <svg> is SVG without a namespace declaration: the page names no address at all.
    svg.attrib.pop("xmlns", None)
    svg.attrib.update({"width": "100%", "height": "100%", "focusable": "false", "aria-hidden": "true"})
    return svg
