"""Incomes grown over a multi-year window (issue 13 §1): a simulation for several dates takes the
declared incomes as of the window's first date and grows them by `simulation.income_growth` a year,
compounded: income × (1 + g)^(days / 365.2425), g the rate in force on the first date for the
household's place and urban/rural area. The rate is an assumption with its source (see its
parameter file); a reform may change it like any parameter.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from minsheng.rules.parameters import ParameterSet
from minsheng.simulation.outcomes import INCOME_PARTS

PARAMETER = "simulation.income_growth"
YEAR_DAYS = 365.2425


def factors(households: pl.DataFrame, params: ParameterSet, start: dt.date, date: dt.date) -> pl.DataFrame:
    """household_id and the factor its incomes are multiplied by on `date` (1 on `start`)."""
    comp = params.compiled(PARAMETER)
    region = households.select(params.regions.of(pl.col("residence_division"))).to_series().to_numpy()
    axis = comp.param.axis_values
    area = households.get_column("urban_rural").replace_strict(
        {a: i for i, a in enumerate(axis)}, default=None, return_dtype=pl.Int64
    )
    rate = comp.lookup(region, np.datetime64(start, "D"), area.fill_null(0).to_numpy())
    rate = np.where(area.is_null().to_numpy(), np.nan, rate)  # no area: no rate, incomes unknown
    years = (date - start).days / YEAR_DAYS
    # a place without a rate for the start date: its incomes become unknown (null), not a guess
    factor = pl.Series("factor", (1 + rate) ** years, nan_to_null=True)
    return pl.DataFrame({"household_id": households.get_column("household_id"), "factor": factor})


def grown(
    households: pl.DataFrame, persons: pl.DataFrame, params: ParameterSet, start: dt.date, date: dt.date
) -> pl.DataFrame:
    """`persons` with every income part grown to `date`, rounded half up to the fen."""
    if date == start:
        return persons
    by_household = factors(households, params, start, date)
    joined = persons.join(by_household, on="household_id", how="left", maintain_order="left")
    parts = [c for c in INCOME_PARTS if c in persons.columns]
    return joined.with_columns(
        ((pl.col(c) * pl.col("factor")) + 0.5).floor().cast(pl.Int64).alias(c) for c in parts
    ).drop("factor")


def assumption_table(households: pl.DataFrame, params: ParameterSet, start: dt.date, date: dt.date) -> pl.DataFrame:
    """The growth applied on `date`, per county and urban/rural area: the yearly rate and the factor."""
    years = (date - start).days / YEAR_DAYS
    return (
        factors(households, params, start, date)
        .join(households.select("household_id", "residence_division", "urban_rural"), on="household_id")
        .group_by(pl.col("residence_division").str.slice(0, 6).alias("county"), "urban_rural", maintain_order=True)
        .agg(pl.col("factor").first())
        .with_columns(
            pl.lit(PARAMETER).alias("assumption"),
            (pl.col("factor") ** (1 / years) - 1 if years else pl.lit(None, dtype=pl.Float64)).alias("yearly_rate"),
            pl.lit(start).alias("incomes_as_of"),
        )
        .sort("county", "urban_rural")
    )
