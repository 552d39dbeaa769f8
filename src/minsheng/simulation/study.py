"""The simulation use case (`minsheng simulate`, the analyst's page): baseline and reforms over one
population, for one date or several, as the tables a bureau reads and files.

Each table carries the date it is for. On a `representative` frame (a synthetic county calibrated
to its province, or a weighted sample) every figure is computed; on a `registry` frame (applicants
and recipients only) the county-wide poverty and inequality tables are left out, and what remains
reads "among registered households".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from minsheng.contract import sheets
from minsheng.errors import MinshengError
from minsheng.rules.model import Model
from minsheng.rules.parameters import ParameterSet
from minsheng.rules.reforms import apply, apply_model, load_reform
from minsheng.simulation import equity, figures, growth
from minsheng.simulation.outcomes import Scenario, TakeUp, simulate

BASELINE = "baseline"
FORMATS = ("csv", "xlsx", "parquet")
# Every table, in the order a report shows them; the last five need a representative frame.
TABLES = (
    "programmes",
    "by_county",
    "by_township",
    "by_urban_rural",
    "by_household_type",
    "take_up",
    "assumptions",
    "deciles",
    "bands_by_household_type",
    "equity",
    "equity_sqrt_scale",
    "target_efficiency",
)
COUNTY_WIDE = ("equity", "equity_sqrt_scale", "target_efficiency")
ASSUMPTION_COLUMNS = (
    "assumption",
    "scenario",
    "county",
    "urban_rural",
    "yearly_rate",
    "factor",
    "incomes_as_of",
    "take_up",
    "basis",
)


@dataclass(frozen=True)
class Study:
    frame: str
    dates: tuple[dt.date, ...]
    scenarios: tuple[Scenario, ...]
    tables: dict[str, pl.DataFrame]


def scenarios_for(params: ParameterSet, reforms: list[Path], model: Model | None = None) -> list[Scenario]:
    """The baseline and one scenario per reform file (ids must differ; the baseline's is reserved).
    A reform that replaces formulas carries its own model (`model`: the baseline's, by default the
    programmes' model)."""
    if model is None:
        from minsheng.programmes.registry import model as shipped

        model = shipped()
    out = [Scenario(BASELINE, "现行政策", "current policy", params, model=model)]
    for path in reforms:
        reform = load_reform(path, params, model)
        if reform.id in {s.id for s in out}:
            raise MinshengError(
                f"改革方案编号 {reform.id} 重复（{path.name}）", f"reform id {reform.id!r} is used twice ({path.name})"
            )
        scenario = Scenario(
            reform.id, reform.label_zh, reform.label_en, apply(params, reform), reform, apply_model(model, reform)
        )
        out.append(scenario)
    return out


def run(
    model: Model,
    households: pl.DataFrame,
    persons: pl.DataFrame,
    scenarios: list[Scenario],
    dates: list[dt.date],
    *,
    frame: str,
    take_up: TakeUp | None = None,
    step: Callable[[str], None] = lambda _name: None,
    spark: Any | None = None,
) -> Study:
    per_date: dict[str, list[pl.DataFrame]] = {name: [] for name in TABLES}
    start = min(dates)  # incomes are as declared on the first date, grown to the later ones
    for date in dates:
        members = growth.grown(households, persons, scenarios[0].params, start, date)
        out = simulate(model, households, members, scenarios, date=date, frame=frame, take_up=take_up, spark=spark)
        step(f"evaluate {date}")
        tables = {
            "programmes": figures.programme_totals(out),
            "by_county": figures.programme_totals(out, by=["county"]),
            "by_township": figures.programme_totals(out, by=["township"]),
            "by_urban_rural": figures.programme_totals(out, by=["urban_rural"]),
            "by_household_type": figures.by_household_type(out),
            "take_up": figures.take_up_table(out),
            # income growth, then each scenario's take-up rate: set (its value) or measured
            "assumptions": pl.concat(
                [
                    growth.assumption_table(households, scenarios[0].params, start, date).with_columns(
                        pl.lit(scenarios[0].id).alias("scenario")
                    ),
                    figures.take_up_assumptions(out),
                ],
                how="diagonal_relaxed",
            ).select(ASSUMPTION_COLUMNS),
            "deciles": equity.deciles_and_bands(out),
            "bands_by_household_type": equity.bands_by_type(out),
        }
        if frame == "representative":
            tables["equity"] = equity.summary(out)
            tables["equity_sqrt_scale"] = equity.summary(out, scale="sqrt")
            tables["target_efficiency"] = equity.target_efficiency(out)
        for name, table in tables.items():
            per_date[name].append(table.select(pl.lit(date).alias("date"), pl.all()))
        step(f"figures {date}")
    tables = {name: pl.concat(parts) for name, parts in per_date.items() if parts}
    return Study(frame, tuple(dates), tuple(scenarios), tables)


def write(study: Study, out: Path, fmt: str = "csv") -> dict[str, Path]:
    """Every table as its own file (csv, parquet), or all in one workbook (xlsx); created 0600."""
    if fmt not in FORMATS:
        raise MinshengError(f"不支持的格式 {fmt}", f"unknown format {fmt}; use csv, xlsx or parquet")
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        path = out / "simulation.xlsx"
        # indices need more than two decimals (a Gini of 0.3442); amounts are whole fen
        sheets.write_xlsx_sheets(study.tables, path, float_precision=6, autofit=True, freeze_panes=(1, 0))
        return {"simulation": path}
    paths = {}
    for name, table in study.tables.items():
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            sheets.write_csv(table, path)
        else:
            sheets.write_parquet(table, path)
        paths[name] = path
    return paths
