"""The figures of a simulation, read from its outcomes (`simulation.outcomes`): per programme,
per group and for the income distribution. Weighted throughout: a household counts its weight,
its persons their household's weight.

Money is summed in float64 and rounded half up to the fen at the end: exact to the fen for any
total under 2^53 fen (90 trillion yuan) when weights and take-up are whole numbers; with
fractional weights or an expected take-up the total is an expectation, rounded to the fen once.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from minsheng.simulation.household_types import TYPES
from minsheng.simulation.outcomes import Outcomes, col

MONTHS = 12
FIGURES = {
    "eligible_households": pl.Float64,
    "eligible_persons": pl.Float64,
    "expected_households": pl.Float64,
    "expected_persons": pl.Float64,
    "monthly_cost_eligible_fen": pl.Int64,
    "monthly_cost_expected_fen": pl.Int64,
    "unknown_households": pl.Float64,
}
# The groups figures break down by: the residence division's levels, and urban/rural.
GROUPS = {
    "township": pl.col("residence_division").str.slice(0, 9),
    "county": pl.col("residence_division").str.slice(0, 6),
    "city": pl.col("residence_division").str.slice(0, 4),
    "urban_rural": pl.col("urban_rural"),
}


def _fen(x: pl.Expr) -> pl.Expr:
    return (x + 0.5).floor().cast(pl.Int64)


def programme_totals(out: Outcomes, by: list[str] | None = None) -> pl.DataFrame:
    """One row per scenario × programme (× group): recipients and cost, eligible and expected,
    and each figure's change from the baseline (the first scenario)."""
    by = by or []
    households = out.households.with_columns(GROUPS[g].alias(g) for g in by)
    w = pl.col("weight")
    figures = []
    for s in out.scenarios:
        for pid in out.programmes:
            eligible = (pl.col(col(s.id, pid, "eligible")) == True).fill_null(False).cast(pl.Float64)  # noqa: E712
            take_up = pl.col(col(s.id, pid, "take_up"))
            benefit = pl.col(col(s.id, pid, "benefit")).cast(pl.Float64)
            persons = pl.col(col(s.id, pid, "persons")).fill_null(0).cast(pl.Float64)
            unknown = pl.col(col(s.id, pid, "eligible")).is_null().cast(pl.Float64)
            figures += [
                expr.alias(f"{s.id}\t{pid}\t{name}")
                for name, expr in (
                    ("eligible_households", (w * eligible).sum()),
                    ("eligible_persons", (w * persons).sum()),
                    ("expected_households", (w * take_up).sum()),
                    ("expected_persons", (w * take_up * persons).sum()),
                    ("monthly_cost_eligible_fen", _fen((w * benefit).sum())),
                    ("monthly_cost_expected_fen", _fen((w * benefit * take_up).sum())),
                    ("unknown_households", (w * unknown).sum()),
                )
            ]
    # One pass computes every figure of every scenario and programme (a pass each took 8× as long).
    wide = households.group_by(by, maintain_order=True).agg(figures) if by else households.select(figures)
    long = (
        wide.unpivot(index=by, variable_name="key")
        .with_columns(pl.col("key").str.split_exact("\t", 2).struct.rename_fields(["scenario", "programme", "figure"]))
        .unnest("key")
    )
    rows = [
        long.filter(pl.col("figure") == "eligible_households")
        .select(*by, "scenario", "programme")
        .with_columns(
            long.filter(pl.col("figure") == name).get_column("value").cast(dtype).alias(name)
            for name, dtype in FIGURES.items()
        )
    ]
    table = pl.concat(rows).with_columns(
        (pl.col("monthly_cost_eligible_fen") * MONTHS).alias("annual_cost_eligible_fen"),
        (pl.col("monthly_cost_expected_fen") * MONTHS).alias("annual_cost_expected_fen"),
    )
    keys = ["programme", *by]
    measures = [c for c in table.columns if c not in (*keys, "scenario")]
    baseline = table.filter(pl.col("scenario") == out.scenarios[0].id).select(
        *keys, *(pl.col(c).alias(f"{c}__baseline") for c in measures)
    )
    joined = table.join(baseline, on=keys, how="left", maintain_order="left", nulls_equal=True)
    return (
        joined.with_columns((pl.col(c) - pl.col(f"{c}__baseline")).alias(f"{c}_change") for c in measures)
        .drop(f"{c}__baseline" for c in measures)
        .select("scenario", *keys, *measures, *(f"{c}_change" for c in measures))
    )


def by_household_type(out: Outcomes) -> pl.DataFrame:
    """`programme_totals` within each household type (a household of several types is in each)."""
    tables = []
    for name in TYPES:
        of_type = replace(out, households=out.households.filter(pl.col(name)))
        tables.append(programme_totals(of_type).with_columns(pl.lit(name).alias("household_type")))
    return pl.concat(tables).select("household_type", pl.exclude("household_type"))


def take_up_table(out: Outcomes) -> pl.DataFrame:
    """The baseline's take-up rate per programme and area, and where it comes from (`basis`): `set`
    by the parameter `simulation.take_up.<programme>`, `measured` in the data (enrolled ÷ eligible),
    `assumed` (100 %: no record of enrolment), or `mixed` (set in some places only; the rate is
    then the households' weighted mean). `measured` is kept for the report: basis == measured."""
    base = out.scenarios[0].id
    rows = []
    for p in out.programmes:
        given = pl.col(col(base, p, "take_up_set"))
        for area in ("urban", "rural"):
            fallback = out.take_up.rate(p, area)
            of_area = out.households.filter(pl.col("urban_rural") == area)
            w = pl.col("weight")
            set_weight, total, weighted, low, high = of_area.select(
                (w * given.is_not_null()).sum().alias("set"),
                w.sum().alias("total"),
                (w * given.fill_null(fallback)).sum().alias("weighted"),
                given.min().alias("low"),
                given.max().alias("high"),
            ).row(0)
            measured = "measured" if (p, area) in out.take_up.measured else "assumed"
            basis = measured if not set_weight else "set" if set_weight == total else "mixed"
            rate = fallback if basis == measured else low if basis == "set" and low == high else weighted / total
            rows.append(
                {"programme": p, "urban_rural": area, "take_up": rate, "measured": basis == "measured", "basis": basis}
            )
    return pl.DataFrame(rows)


def take_up_assumptions(out: Outcomes) -> pl.DataFrame:
    """The take-up rate each scenario assumes for the newly eligible, per programme, county and
    urban/rural area, and whether it was `set` (the parameter, with its value) or `measured` /
    `assumed` (not set): the rows the assumptions table adds beside income growth."""
    county = pl.col("residence_division").str.slice(0, 6).alias("county")
    parts = []
    for s in out.scenarios:
        for p in out.programmes:
            given = pl.col(col(s.id, p, "take_up_set"))
            parts.append(
                out.households.filter(pl.col("urban_rural").is_not_null())
                .group_by(county, "urban_rural")
                .agg(given.drop_nulls().first().alias("take_up"))
                .select(
                    pl.lit(f"simulation.take_up.{p}").alias("assumption"),
                    pl.lit(s.id).alias("scenario"),
                    "county",
                    "urban_rural",
                    pl.col("take_up"),
                    pl.col("take_up").is_not_null().alias("set"),
                )
            )
    if not parts:
        return pl.DataFrame()
    table = pl.concat(parts)
    measured = pl.DataFrame(
        [
            {
                "assumption": f"simulation.take_up.{p}",
                "urban_rural": a,
                "fallback": out.take_up.rate(p, a),
                "was_measured": (p, a) in out.take_up.measured,
            }
            for p in out.programmes
            for a in ("urban", "rural")
        ]
    )
    return (
        table.join(measured, on=["assumption", "urban_rural"], how="left")
        .select(
            "assumption",
            "scenario",
            "county",
            "urban_rural",
            pl.coalesce("take_up", "fallback").alias("take_up"),
            pl.when(pl.col("set"))
            .then(pl.lit("set"))
            .when(pl.col("was_measured"))
            .then(pl.lit("measured"))
            .otherwise(pl.lit("assumed"))
            .alias("basis"),
        )
        .sort("assumption", "scenario", "county", "urban_rural")
    )
