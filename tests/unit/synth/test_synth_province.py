"""A plausible county (issue 12 §1): incomes at the province's level where PF §10.2 has a figure,
a caseload of the national shares under the county's own standard, few take-up gaps, a visible floor."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from minsheng.demo.local_params import demo_parameters
from minsheng.synth import Population, SynthConfig, generate, write

# The bands around the national shares (PF2 §7: 0.66 % urban, 7.2 % rural). The generator
# places the persons below the standard exactly; who of them enrols is drawn (take-up 0.8), so at
# 20,000 households (~17,000 rural persons) the rural share has a sampling error near 0.3 points.
URBAN_BAND, RURAL_BAND = (0.005, 0.010), (0.05, 0.09)


@pytest.fixture(scope="module")
def beijing() -> Population:
    """The demo county, with its own local values (standard, floor, property rules)."""
    return generate(SynthConfig(county="110105", households=20_000, seed=5), params=demo_parameters())


@pytest.fixture(scope="module")
def henan() -> Population:
    return generate(SynthConfig(county="410225", households=20_000, seed=5))


def _generated(pop: Population, statistic: str, group: str) -> float:
    row = pop.calibration.filter((pl.col("statistic") == statistic) & (pl.col("group") == group))
    assert row.height == 1, (statistic, group)
    return float(row.get_column("generated")[0])


def test_a_beijing_county_earns_beijing_incomes(beijing: Population) -> None:
    assert beijing.income_basis.startswith("provincial: Beijing") and "85,415" in beijing.income_basis
    mean = _generated(beijing, "income per capita, mean (yuan/year)", "all (province)")
    assert mean == pytest.approx(85_415, rel=0.01)
    # Recomputed from the truth, person-weighted, independent of calibration.py.
    truth = beijing.ground_truth
    persons = truth.get_column("size")
    weighted = float((truth.get_column("true_income_per_capita_year") * persons).sum())
    assert weighted / float(persons.sum()) == pytest.approx(85_415, rel=0.01)


def test_a_county_without_a_provincial_figure_is_calibrated_nationally(henan: Population) -> None:
    assert henan.income_basis.startswith("national")
    assert henan.calibration.filter(pl.col("group") == "all (province)").is_empty()
    assert _generated(henan, "income per capita, median (yuan/year)", "urban") == pytest.approx(49_302, rel=0.01)


@pytest.mark.parametrize("county", ["beijing", "henan"])
def test_recipients_are_the_national_shares_under_the_county_standard(
    county: str, request: pytest.FixtureRequest
) -> None:
    pop: Population = request.getfixturevalue(county)
    persons = pop.persons.join(
        pop.ground_truth.select("household_id", "enrolled_programme", "urban_rural"), "household_id"
    )
    share = persons.group_by("urban_rural").agg((pl.col("enrolled_programme") == "dibao").mean().alias("share"))
    got = dict(share.iter_rows())
    assert URBAN_BAND[0] <= got["urban"] <= URBAN_BAND[1]
    assert RURAL_BAND[0] <= got["rural"] <= RURAL_BAND[1]
    # The report says the same.
    assert _generated(pop, "dibao recipients, share of persons", "urban") == pytest.approx(got["urban"])


@pytest.mark.parametrize("county", ["beijing", "henan"])
def test_missed_and_leaked_households_are_a_few_percent(county: str, request: pytest.FixtureRequest) -> None:
    truth = request.getfixturevalue(county).ground_truth
    missed = truth.get_column("eligible_not_enrolled").sum()
    leaked = truth.get_column("enrolled_ineligible").sum()
    assert missed > 0 and leaked > 0  # the gaps monitoring is meant to find exist
    assert (missed + leaked) / truth.height <= 0.05


def test_the_floor_is_paid_and_nobody_is_paid_less(beijing: Population) -> None:
    """The demo county pays a gap below 20 % of the standard as 20 % (its dibao.floor_ratio, after an
    older local rule, PF §1.2)."""
    paid = (
        beijing.households.filter(pl.col("enrolled") == "dibao")
        .join(beijing.ground_truth.select("household_id", "size", "dibao_standard"), on="household_id")
        .with_columns((pl.col("dibao_standard") * 0.2).round(2).alias("floor"))
    )
    at_floor = paid.filter((pl.col("current_benefit") - pl.col("floor") * pl.col("size")).abs() < 0.005)
    assert at_floor.height >= 10
    assert (paid.get_column("current_benefit") >= paid.get_column("floor") - 0.005).all()


def test_the_report_says_which_incomes(beijing: Population, tmp_path: Path) -> None:
    paths = write(beijing, tmp_path)
    assert f"Incomes calibrated to: {beijing.income_basis}." in paths["calibration_md"].read_text("utf-8")
    assert json.loads(paths["calibration_json"].read_text("utf-8"))["income_basis"] == beijing.income_basis
