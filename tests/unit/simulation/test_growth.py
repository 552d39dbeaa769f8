"""Incomes grown over a multi-year window by the cited assumption, compounded by days."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from sim_world import scenarios

from minsheng.programmes.registry import model
from minsheng.simulation import growth, study

START, LATER = dt.date(2026, 6, 1), dt.date(2028, 6, 1)


def test_incomes_grow_by_the_rate_compounded(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    params = scenarios()[0].params
    later = growth.grown(hh, pp, params, START, LATER)
    assert growth.grown(hh, pp, params, START, START) is pp  # nothing grows on the first date
    area = hh.select("household_id", "urban_rural")
    person = pp.join(area, on="household_id").filter(pl.col("wage_income_fen") > 100_000).row(0, named=True)
    rate = params.value(growth.PARAMETER, "110105", START, person["urban_rural"])
    assert rate is not None and rate > 0
    expected = int(person["wage_income_fen"] * (1 + rate) ** ((LATER - START).days / 365.2425) + 0.5)
    assert later.filter(pl.col("person_id") == person["person_id"])["wage_income_fen"].item() == expected


def test_a_later_date_in_the_window_uses_grown_incomes(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    done = study.run(model(), hh, pp, scenarios(), [START, LATER], frame="representative")
    eq = done.tables["equity"].filter(pl.col("income") == "before_transfers")
    first, second = (eq.filter(pl.col("date") == d)["mean"].item() for d in (START, LATER))
    assert 1.08 < second / first < 1.13  # two years at 4.3 % (urban) to 5.8 % (rural)
    table = done.tables["assumptions"].filter((pl.col("date") == LATER) & (pl.col("assumption") == growth.PARAMETER))
    assert table["yearly_rate"].to_list() == pytest.approx([0.058, 0.043], abs=1e-9)  # rural, urban
