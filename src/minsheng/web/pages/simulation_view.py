"""A finished simulation as the analyst's page shows it (issue 13 §2): each chart with its table
beside it — spending and recipients against current policy, the effect by decile, who gains and
who loses, poverty and inequality before and after, townships sortable by change, household
types, the take-up assumption. Presentation only: every figure is read from the study's tables
(`simulation.study`), none computed here but sums over programmes and yuan from fen.

A view is kept per job, date, language and sort order (`view`): the job's files never change
once it is done, so a chart page shown again is drawn from memory.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import polars as pl

from minsheng.codes.divisions import divisions
from minsheng.errors import MinshengError
from minsheng.programmes.registry import model
from minsheng.simulation.report import summary_text
from minsheng.simulation.study import Study
from minsheng.web.messages import translator
from minsheng.web.pages import charts

SCENARIO_COLOURS = ("#7b8794", "#1f6feb", "#dc6803", "#0e9384")  # current policy grey, then each reform
BANDS = ("loss_over_5", "loss_under_5", "no_change", "gain_under_5", "gain_over_5")
BAND_COLOURS = ("#b42318", "#f79009", "#d0d5dd", "#6ccf98", "#067647")
MEASURES = (
    ("gini", 4),
    ("theil_t", 4),
    ("ge0", 4),
    ("atkinson_1", 4),
    ("palma", 3),
    ("p90_p10", 2),
    ("fgt0_dibao_standard", -1),  # -1: a share, shown in per cent
    ("fgt1_dibao_standard", 4),
    ("gap_fen_dibao_standard", -2),  # -2: fen, shown in yuan
    ("fgt0_median_50", -1),
)
LINES = ("dibao_standard", "median_40", "median_50", "median_60")
SORTS = ("township", "baseline", "change")
KEPT = 16


def view(job_id: str, study: Study, date: dt.date, lang: str, sort: str) -> dict[str, Any]:
    """The page's figures; `study` is read only the first time a (job, date, lang, sort) is asked for."""
    return _view(job_id, date, lang, sort if sort in SORTS else "change", _Held(study))


class _Held:
    """The study, passed through the cache without being part of its key."""

    def __init__(self, study: Study) -> None:
        self.study = study

    def __hash__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Held)


@functools.lru_cache(maxsize=KEPT)
def _view(job_id: str, date: dt.date, lang: str, sort: str, held: _Held) -> dict[str, Any]:
    study = held.study
    if date not in study.dates:
        raise MinshengError(f"本次测算没有日期 {date}", f"the run has no date {date}")
    t = translator(lang)
    scenarios = study.scenarios
    names = {
        s.id: (t("sim.baseline") if i == 0 else (s.label_zh if lang == "zh" else s.label_en))
        for i, s in enumerate(scenarios)
    }
    on_date = {name: table.filter(pl.col("date") == date) for name, table in study.tables.items()}
    programmes = [p for p in model().programmes if p in set(on_date["programmes"]["programme"])]
    plabel = {
        p: (model().programmes[p].label_zh if lang == "zh" else model().programmes[p].label_en) for p in programmes
    }
    out: dict[str, Any] = {
        "names": names,
        "reforms": [s.id for s in scenarios[1:]],
        "summaries": [(names[s.id], summary_text(study, s, date)[0 if lang == "zh" else 1]) for s in scenarios[1:]],
    }
    out |= _programmes(on_date["programmes"], scenarios, names, programmes, plabel)
    out |= _deciles(on_date["deciles"], scenarios, names, t)
    out |= _equity(on_date.get("equity"), scenarios, names, t)
    out["townships"] = _townships(on_date["by_township"], scenarios, sort, lang)
    out["household_types"] = _household_types(on_date["by_household_type"], scenarios)
    out["take_up"] = [
        {**r, "label": plabel.get(r["programme"], r["programme"])}
        for r in on_date["take_up"].to_dicts()
        if r["programme"] in plabel
    ]
    return out


def _programmes(
    table: pl.DataFrame, scenarios: Any, names: dict[str, str], programmes: list[str], plabel: dict[str, str]
) -> dict[str, Any]:
    rows = []
    for p in programmes:
        for s in scenarios:
            found = table.filter((pl.col("programme") == p) & (pl.col("scenario") == s.id))
            if found.height:
                rows.append(
                    {
                        "programme": p,
                        "label": plabel[p],
                        "scenario": s.id,
                        "name": names[s.id],
                        **found.row(0, named=True),
                    }
                )
    totals = table.group_by("scenario").agg(
        pl.sum("annual_cost_expected_fen"), pl.sum("annual_cost_expected_fen_change")
    )
    by = {r["scenario"]: r for r in totals.to_dicts()}

    def series(column: str, scale: float) -> list[tuple[str, list[float]]]:
        return [
            (
                names[s.id],
                [
                    next((r[column] / scale for r in rows if r["programme"] == p and r["scenario"] == s.id), 0.0)
                    for p in programmes
                ],
            )
            for s in scenarios
        ]

    labels = [plabel[p] for p in programmes]
    return {
        "programme_rows": rows,
        "annual_totals": [(names[s.id], by.get(s.id, {})) for s in scenarios],
        "chart_cost": charts.figures(
            labels, series("annual_cost_expected_fen", 1_000_000), SCENARIO_COLOURS, decimals=1
        ),
        "chart_recipients": charts.figures(labels, series("expected_households", 1), SCENARIO_COLOURS, decimals=1),
    }


def _deciles(table: pl.DataFrame, scenarios: Any, names: dict[str, str], t: Any) -> dict[str, Any]:
    reforms = scenarios[1:]
    deciles = sorted(set(table["decile"].to_list())) if table.height else []
    rows = [
        {
            "decile": d,
            **{
                s.id: table.filter((pl.col("decile") == d) & (pl.col("scenario") == s.id)).row(0, named=True)
                for s in reforms
            },
        }
        for d in deciles
    ]
    bands = [
        (names[s.id], {b: float(table.filter(pl.col("scenario") == s.id)[b].sum()) for b in BANDS}) for s in reforms
    ]
    return {
        "decile_rows": rows,
        "band_rows": bands,
        "chart_deciles": charts.figures(
            [str(d) for d in deciles],
            [(names[s.id], [r[s.id]["mean_change_fen_per_person"] / 100 for r in rows]) for s in reforms],
            SCENARIO_COLOURS[1:],
            decimals=2,
        ),
        "chart_bands": charts.figures(
            [name for name, _ in bands],
            [(t(f"sim.band_short.{band}"), [shares[band] for _, shares in bands]) for band in BANDS],
            BAND_COLOURS,
            stacked=True,
        ),
    }


def _equity(table: pl.DataFrame | None, scenarios: Any, names: dict[str, str], t: Any) -> dict[str, Any]:
    if table is None or not table.height:
        return {"equity_rows": None}
    incomes = ["before_transfers", *[s.id for s in scenarios]]
    by_income = {r["income"]: r for r in table.to_dicts()}
    columns = [t("sim.before_transfers"), *[names[s.id] for s in scenarios]]
    rows = []
    for measure, digits in MEASURES:
        cells = []
        for income in incomes:
            value = by_income.get(income, {}).get(measure)
            if value is None:
                cells.append("—")
            elif digits == -1:
                cells.append(f"{value:.2%}")
            elif digits == -2:
                cells.append(f"{value / 100:,.2f}")
            else:
                cells.append(f"{value:.{digits}f}")
        rows.append((t(f"sim.measure.{measure}"), cells))
    chart = charts.figures(
        [t(f"sim.line.{line}") for line in LINES],
        [(names[s.id], [100 * by_income[s.id][f"fgt0_{line}"] for line in LINES]) for s in scenarios],
        SCENARIO_COLOURS,
        decimals=2,
    )
    return {"equity_columns": columns, "equity_rows": rows, "chart_equity": chart}


def _townships(table: pl.DataFrame, scenarios: Any, sort: str, lang: str) -> list[dict[str, Any]]:
    per = table.group_by("township", "scenario").agg(
        pl.sum("expected_households"),
        pl.sum("monthly_cost_expected_fen"),
        pl.sum("expected_households_change"),
        pl.sum("monthly_cost_expected_fen_change"),
    )
    rows = []
    for town in sorted(set(per["township"].to_list()), key=str):
        cells = {r["scenario"]: r for r in per.filter(pl.col("township") == town).to_dicts()}
        base = cells.get(scenarios[0].id, {})
        rows.append(
            {
                "township": town,
                "name": _town_name(town),
                "households": base.get("expected_households", 0.0),
                "cost": base.get("monthly_cost_expected_fen", 0),
                "changes": [
                    (
                        cells.get(s.id, {}).get("expected_households_change", 0.0),
                        cells.get(s.id, {}).get("monthly_cost_expected_fen_change", 0),
                    )
                    for s in scenarios[1:]
                ],
            }
        )
    if sort == "baseline":
        rows.sort(key=lambda r: -r["cost"])
    elif sort == "change" and scenarios[1:]:
        rows.sort(key=lambda r: -abs(r["changes"][0][1]))
    return rows


def _town_name(code: str | None) -> str:
    if not code:
        return "—"
    try:
        return divisions().name(code)
    except MinshengError:
        return code


def _household_types(table: pl.DataFrame, scenarios: Any) -> list[dict[str, Any]]:
    per = table.group_by("household_type", "scenario").agg(
        pl.sum("expected_households"), pl.sum("monthly_cost_expected_fen"), pl.sum("monthly_cost_expected_fen_change")
    )
    out = []
    for kind in ("elderly_alone", "severe_disability", "children_under_16", "single_parent"):
        cells = {r["scenario"]: r for r in per.filter(pl.col("household_type") == kind).to_dicts()}
        if not cells:
            continue
        out.append(
            {
                "type": kind,
                "households": cells.get(scenarios[0].id, {}).get("expected_households", 0.0),
                "cost": cells.get(scenarios[0].id, {}).get("monthly_cost_expected_fen", 0),
                "changes": [cells.get(s.id, {}).get("monthly_cost_expected_fen_change", 0) for s in scenarios[1:]],
            }
        )
    return out
