"""The equity figures of a simulation: read from the right incomes, refused on a registry frame."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sim_world import DATE, RAISE_5, scenarios

from minsheng.programmes.registry import model
from minsheng.simulation import equity, poverty
from minsheng.simulation import inequality as ineq
from minsheng.simulation.distribution import BANDS
from minsheng.simulation.outcomes import simulate


def test_figures_are_those_of_the_persons_incomes(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    out = simulate(model(), hh, pp, scenarios(RAISE_5), date=DATE)
    table = equity.summary(out)
    f = out.households
    per_capita = (f["baseline:income"] / f["size"]).to_numpy()
    persons = (f["weight"] * f["size"]).to_numpy()
    baseline = table.filter(pl.col("income") == "baseline").row(0, named=True)
    assert baseline["gini"] == pytest.approx(ineq.gini(per_capita, persons), abs=1e-12)
    before = table.filter(pl.col("income") == "before_transfers").row(0, named=True)
    reform = table.filter(pl.col("income") == "plus5").row(0, named=True)
    # benefits go to the poorest: less inequality and less poverty after them, and more of both under the rise
    assert before["gini"] > baseline["gini"] >= reform["gini"]
    assert before["fgt1_dibao_standard"] > baseline["fgt1_dibao_standard"] >= reform["fgt1_dibao_standard"]
    # the relative lines are the baseline median's, held fixed
    line = 0.6 * baseline["median"]
    after = (f["plus5:income"] / f["size"]).to_numpy()
    assert reform["fgt0_median_60"] == pytest.approx(poverty.fgt(after, persons, line, 0), abs=1e-12)
    assert (
        table.select(pl.col("theil_t") - pl.col("theil_t_within_urban_rural") - pl.col("theil_t_between_urban_rural"))
        .to_series()
        .abs()
        .max()
        < 1e-12
    )


def test_deciles_hold_every_person_and_bands_every_person(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    out = simulate(model(), hh, pp, scenarios(RAISE_5), date=DATE)
    table = equity.deciles_and_bands(out)
    assert table["persons"].sum() == pp.height
    assert table.select(pl.sum_horizontal(BANDS)).to_series().to_list() == table["persons"].to_list()
    assert (
        table.filter(pl.col("decile") == 1)["gain_over_5"].item()
        + table.filter(pl.col("decile") == 1)["gain_under_5"].item()
        > 0
    )
    assert (
        table.filter(pl.col("decile") == 10)["no_change"].item()
        == table.filter(pl.col("decile") == 10)["persons"].item()
    )


def test_a_registry_frame_has_no_county_wide_rates(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    out = simulate(model(), hh, pp, scenarios(), date=DATE, frame="registry")
    with pytest.raises(ValueError, match="registry"):
        equity.summary(out)


def test_sqrt_scale_has_no_per_capita_line(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    out = simulate(model(), hh, pp, scenarios(), date=DATE)
    table = equity.summary(out, scale="sqrt")
    assert "fgt0_dibao_standard" not in table.columns
    assert np.isfinite(table["gini"].to_numpy()).all()
