"""Solve-for calculators: the value found meets the constraint, one step further breaks it."""

from __future__ import annotations

import polars as pl
import pytest
from sim_world import DATE, scenarios

from minsheng.errors import MinshengError
from minsheng.programmes.registry import model
from minsheng.simulation.calculators import Problem, highest_within_budget, lowest_for_coverage
from minsheng.simulation.figures import programme_totals
from minsheng.simulation.outcomes import simulate

PAYING = ("dibao", "tekun", "dibao_single")


def cost(figures: dict[str, float]) -> int:
    return sum(int(figures[f"{p}:monthly_cost_expected_fen"]) for p in PAYING)


@pytest.fixture(scope="module")
def problem(county: tuple[pl.DataFrame, pl.DataFrame]) -> Problem:
    hh, pp = county
    return Problem(model(), hh, pp, scenarios()[0].params, "dibao.standard", "110105", DATE)


def test_the_highest_standard_within_a_budget_meets_it_and_one_fen_more_breaks_it(problem: Problem) -> None:
    now = programme_totals(simulate(problem.model, problem.households, problem.persons, scenarios(), date=DATE))
    budget = round(1.05 * now.filter(pl.col("programme").is_in(PAYING))["monthly_cost_expected_fen"].sum())
    answer = highest_within_budget(problem, budget, 1000, 3000)
    assert cost(answer.figures) <= budget < cost(answer.one_step_further)
    assert answer.value > 1520  # more money than today buys a higher standard
    assert "不超过" in answer.constraint_zh and "within" in answer.constraint_en


def test_the_lowest_standard_for_a_coverage_target_reaches_it_and_one_fen_less_does_not(problem: Problem) -> None:
    answer = lowest_for_coverage(problem, "dibao", 520, 1000, 3000)
    assert answer.figures["dibao:expected_persons"] >= 520 > answer.one_step_further["dibao:expected_persons"]


def test_a_constraint_out_of_reach_is_refused(problem: Problem) -> None:
    with pytest.raises(MinshengError, match="cannot be met"):
        highest_within_budget(problem, 100, 1000, 3000)  # one yuan a month pays for no standard of 1,000
