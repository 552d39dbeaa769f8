"""Baseline and reforms over one synthetic county: the baseline equals `assess`, a reform that
changes nothing changes nothing, weights count like copies, and take-up follows its rule."""

from __future__ import annotations

import polars as pl
import pytest
from sim_world import DATE, RAISE_5, scenarios

from minsheng import assessment
from minsheng.demo.local_params import demo_parameters
from minsheng.programmes.registry import model
from minsheng.simulation.figures import programme_totals
from minsheng.simulation.outcomes import TakeUp, col, simulate


def test_baseline_equals_assess(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    totals = programme_totals(simulate(model(), hh, pp, scenarios(), date=DATE))
    summary = assessment.summary(assessment.assess(hh, pp, date=DATE, params=demo_parameters()))
    for row in summary.iter_rows(named=True):
        mine = totals.filter(pl.col("programme") == row["programme"]).row(0, named=True)
        if row["entity"] == "household":
            assert mine["eligible_households"] == row["eligible"]
        else:
            assert mine["eligible_persons"] == row["eligible"]
        if row["monthly_benefit_yuan"] is not None:
            assert mine["monthly_cost_eligible_fen"] == round(row["monthly_benefit_yuan"] * 100)
    assert totals.filter(pl.col("programme") == "dibao")["eligible_households"].item() > 0


def test_a_reform_that_changes_nothing_changes_nothing(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    same = RAISE_5.replace("plus5", "same").replace("1596", "1520")  # the county's own 2025 value again
    out = simulate(model(), hh, pp, scenarios(same), date=DATE)
    totals = programme_totals(out).filter(pl.col("scenario") == "same")
    changes = [c for c in totals.columns if c.endswith("_change")]
    assert totals.select(pl.col(changes).abs().max()).row(0) == (0,) * len(changes)
    assert out.households["same:income"].equals(out.households["baseline:income"])


def test_raising_the_standard_reaches_more_and_costs_more(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    out = simulate(model(), hh, pp, scenarios(RAISE_5), date=DATE)
    dibao = (
        programme_totals(out)
        .filter((pl.col("scenario") == "plus5") & (pl.col("programme") == "dibao"))
        .row(0, named=True)
    )
    assert dibao["eligible_households_change"] > 0
    assert dibao["monthly_cost_expected_fen_change"] > 0
    assert dibao["annual_cost_expected_fen"] == 12 * dibao["monthly_cost_expected_fen"]
    f = out.households
    # take-up: eligible in both keeps its baseline take-up; newly eligible enter at the measured rate
    stays = f.filter(pl.col(col("baseline", "dibao", "eligible")) & pl.col(col("plus5", "dibao", "eligible")))
    assert stays[col("plus5", "dibao", "take_up")].equals(stays[col("baseline", "dibao", "take_up")])
    new = f.filter(~pl.col(col("baseline", "dibao", "eligible")) & pl.col(col("plus5", "dibao", "eligible")))
    assert new.height > 0
    for area, take_up in new.select("urban_rural", col("plus5", "dibao", "take_up")).iter_rows():
        assert take_up == pytest.approx(out.take_up.rate("dibao", area))
    assert ((dibao_take_up := out.take_up.rate("dibao", "urban")) > 0) and dibao_take_up <= 1


def test_a_weight_of_two_counts_like_the_household_listed_twice(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    hh, pp = hh.head(400), pp.filter(pl.col("household_id").is_in(hh.head(400)["household_id"].implode()))
    doubled = hh.with_columns(pl.lit(2.0).alias("weight"))
    copy_hh = pl.concat([hh, hh.with_columns(("B" + pl.col("household_id")).alias("household_id"))])
    copy_pp = pl.concat(
        [
            pp,
            pp.with_columns(
                ("B" + pl.col("household_id")).alias("household_id"), ("B" + pl.col("person_id")).alias("person_id")
            ),
        ]
    )
    fixed = TakeUp({("dibao", "urban"): 0.5, ("dibao", "rural"): 0.5})
    a = programme_totals(simulate(model(), doubled, pp, scenarios(RAISE_5), date=DATE, take_up=fixed))
    b = programme_totals(simulate(model(), copy_hh, copy_pp, scenarios(RAISE_5), date=DATE, take_up=fixed))
    assert a.equals(b)
