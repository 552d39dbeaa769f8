"""Dashboard charts drawn on the server as inline SVG: the page arrives with them drawn.

Why not a charting script (ECharts until issue 12 §6): a repeat load of the dashboard asked the
network for nothing but the page, yet spent 60–110 ms evaluating the 1.1 MB bundle and 130–170
ms drawing three small charts with it (Chromium, measured on the 2-core benchmark machine) —
most of a 300 ms budget — and a first load fetched its 0.37 MB over a township office's link.
These charts are a few dozen rectangles: drawn here they cost ~2 ms of server time and ~3 KB
of gzipped HTML, and no script.

Each chart keeps what the ECharts ones had: the legend on its own line above the plot (never
over the bars), integer axis ticks, every township named (slanted when there are many), and a
tooltip — hovering a category shows its figures (an SVG `<title>`, the browser's own tooltip).
Each chart has a table beside it on the page, so the figures are readable without the picture
and by a screen reader (the chart's box is one labelled image). The SVG scales to its box
(`viewBox`); its size is the box's at the desk's 1366 px layout, so there it is drawn 1:1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

SEVERITY_COLOURS = {"red": "#b42318", "orange": "#dc6803", "yellow": "#eaaa08"}
AGES = ("0-7", "8-30", "31-90", "90+")
UNFINISHED = ("open", "in_check")  # the grade × age table's statuses (monitoring.alerts.UNFINISHED)
COLUMN = (424, 258)  # a chart box in the dashboard's three-column grid at 1366 px (minsheng.css .chart)
WIDE = (1316, 338)  # the full-width township chart (.chart.wide)
FONT = 12
INK, GRID, AXIS = "#52606d", "#e4e7eb", "#9aa5b1"
SLANT = 40  # degrees: dozens of township names, slanted so that neighbours do not overlap
TOP = 34  # the plot starts below the legend's line


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: Sequence[int]


def alerts_by_grade_and_age(rows: list[dict[str, Any]], labels: dict[str, str]) -> Markup:
    """Unfinished alerts by age bucket, stacked by grade (the same counts as the table beside it)."""
    series = [
        Series(
            labels[severity],
            colour,
            [
                sum(
                    r["count"]
                    for r in rows
                    if r["severity"] == severity and r["age"] == age and r["status"] in UNFINISHED
                )
                for age in AGES
            ],
        )
        for severity, colour in SEVERITY_COLOURS.items()
    ]
    return bars(list(AGES), series, stacked=True, size=COLUMN)


def by_township(names: list[str], households: list[int], enrolled: list[int], labels: dict[str, str]) -> Markup:
    """Households and enrolled households side by side, every township named."""
    series = [Series(labels["households"], "#52606d", households), Series(labels["enrolled"], "#b42318", enrolled)]
    return bars(names, series, size=WIDE, slant=len(names) > 8, font=11)


def monthly(months: list[str], counts: list[int], label: str) -> Markup:
    return line(months, Series(label, "#b42318", counts), size=COLUMN)


# ── drawing ─────────────────────────────────────────────────────────────────────────────


def text_width(text: str, font: float) -> float:
    """The width a label takes, estimated: a Chinese character is one em, anything else ~0.6 em
    (the page's fonts are not known here; this errs wide, so labels keep clear of each other)."""
    return sum(font if ord(c) >= 0x2E80 else 0.6 * font for c in text)


def ticks(top: int) -> list[int]:
    """Integer axis ticks from 0 past `top`, about five, each step 1, 2 or 5 × 10ⁿ."""
    if top <= 0:
        return [0, 1]
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = max(1, next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw))
    return list(range(0, math.ceil(top / step) * step + 1, int(step)))


@dataclass(frozen=True)
class _Plot:
    """The plot area inside the SVG, and the value → y scale."""

    left: float
    right: float
    top: float
    bottom: float
    most: int

    def y(self, value: float) -> float:
        return self.bottom - (self.bottom - self.top) * value / self.most

    def band(self, n: int) -> float:
        return (self.right - self.left) / max(n, 1)


def _frame(
    categories: Sequence[str], series: Sequence[Series], top_value: int, size: tuple[int, int], slant: bool, font: int
) -> tuple[_Plot, list[str]]:
    """Legend, horizontal grid lines with their values, the category axis and its labels."""
    width, height = size
    scale = ticks(top_value)
    left = 8 + max(text_width(f"{v:,}", FONT) for v in scale) + 6
    longest = max((text_width(c, font) for c in categories), default=0)
    rad = math.radians(SLANT)
    below = longest * math.sin(rad) + font * math.cos(rad) + 8 if slant else font + 10
    plot = _Plot(left, width - 16, TOP, height - 8 - below, scale[-1])
    out = _legend(series, width)
    for v in scale:
        y = plot.y(v)
        out.append(f'<line x1="{plot.left:.1f}" x2="{plot.right:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{plot.left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end">{v:,}</text>')
    out.append(
        f'<line x1="{plot.left:.1f}" x2="{plot.right:.1f}" y1="{plot.bottom:.1f}" y2="{plot.bottom:.1f}" stroke="{AXIS}"/>'
    )
    band = plot.band(len(categories))
    # Upright labels too long for their band: every k-th one shown (months); slanted ones all shown.
    every = 1 if slant or not categories else max(1, math.ceil((longest + 8) / band))
    size_attr = f' font-size="{font}"' if font != FONT else ""
    for i, name in enumerate(categories):
        if i % every:
            continue
        x, y = plot.left + band * (i + 0.5), plot.bottom + font + 4
        if slant:
            out.append(
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="end"{size_attr} '
                f'transform="rotate(-{SLANT} {x:.1f} {y - font / 2:.1f})">{escape(name)}</text>'
            )
        else:
            out.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle"{size_attr}>{escape(name)}</text>')
    return plot, out


def _legend(series: Sequence[Series], width: int) -> list[str]:
    """One line, centred above the plot: a swatch and the series' name for each."""
    items = [(s, 14 + 5 + text_width(s.name, FONT)) for s in series]
    x = (width - sum(w for _, w in items) - 16 * (len(items) - 1)) / 2
    out = []
    for s, w in items:
        out.append(f'<rect x="{x:.1f}" y="5" width="14" height="10" rx="2" fill="{s.colour}"/>')
        out.append(f'<text x="{x + 19:.1f}" y="14">{escape(s.name)}</text>')
        x += w + 16
    return out


def _tips(categories: Sequence[str], series: Sequence[Series], plot: _Plot) -> list[str]:
    """A transparent strip over each category whose tooltip lists its figures, as ECharts' axis
    tooltip did; drawn last, so it is on top wherever the pointer is in that category."""
    band = plot.band(len(categories))
    out = []
    for i, name in enumerate(categories):
        lines = "\n".join([name, *(f"{s.name}: {s.values[i]:,}" for s in series)])
        out.append(
            f'<rect x="{plot.left + band * i:.1f}" y="{plot.top:.1f}" width="{band:.1f}" '
            f'height="{plot.bottom - plot.top:.1f}" fill="transparent"><title>{escape(lines)}</title></rect>'
        )
    return out


def _svg(size: tuple[int, int], parts: list[str]) -> Markup:
    width, height = size
    # Inline SVG needs no namespace (and the page names no other host); the text takes the page's font.
    return Markup(
        f'<svg viewBox="0 0 {width} {height}" width="100%" height="100%" focusable="false" aria-hidden="true" '
        f'font-size="{FONT}" fill="{INK}">' + "".join(parts) + "</svg>"
    )


def bars(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    size: tuple[int, int],
    stacked: bool = False,
    slant: bool = False,
    font: int = FONT,
) -> Markup:
    """Bars per category: one per series side by side, or stacked (first series at the bottom)."""
    n = len(categories)
    top_value = max(
        (sum(s.values[i] for s in series) if stacked else max(s.values[i] for s in series) for i in range(n)),
        default=0,
    )
    plot, out = _frame(categories, series, top_value, size, slant, font)
    band = plot.band(n)
    width = min(band * 0.6, 48.0) if stacked else min(band * 0.7 / len(series), 28.0)
    for i in range(n):
        centre = plot.left + band * (i + 0.5)
        base = 0
        for k, s in enumerate(series):
            value = s.values[i]
            if not value:
                continue
            low, high = (base, base + value) if stacked else (0, value)
            x = centre - width / 2 if stacked else centre - width * len(series) / 2 + width * k
            y = plot.y(high)
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{plot.y(low) - y:.1f}" fill="{s.colour}"/>'
            )
            base += value if stacked else 0
    return _svg(size, out + _tips(categories, series, plot))


def line(categories: Sequence[str], series: Series, *, size: tuple[int, int]) -> Markup:
    """One series as a line through the middle of each category, each point marked."""
    plot, out = _frame(categories, [series], max(series.values, default=0), size, False, FONT)
    band = plot.band(len(categories))
    points = [(plot.left + band * (i + 0.5), plot.y(v)) for i, v in enumerate(series.values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    if points:
        out.append(f'<polyline points="{path}" fill="none" stroke="{series.colour}" stroke-width="2"/>')
    out.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{series.colour}"/>' for x, y in points)
    return _svg(size, out + _tips(categories, [series], plot))
