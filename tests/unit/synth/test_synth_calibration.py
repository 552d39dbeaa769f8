"""Calibration on a 50,000-household county: the targets are hit."""

from __future__ import annotations

import polars as pl
import pytest

from minsheng.synth import Population, SynthConfig, generate


@pytest.fixture(scope="module")
def county() -> Population:
    return generate(SynthConfig(county="410225", households=50_000, seed=3))


def _row(pop: Population, statistic: str, group: str) -> dict[str, float]:
    rows = pop.calibration.filter((pl.col("statistic") == statistic) & (pl.col("group") == group)).to_dicts()
    assert len(rows) == 1, (statistic, group)
    return rows[0]


@pytest.mark.parametrize("area", ["urban", "rural"])
@pytest.mark.parametrize("statistic", ["income per capita, mean (yuan/year)", "income per capita, median (yuan/year)"])
def test_income_within_three_percent(county: Population, area: str, statistic: str) -> None:
    row = _row(county, statistic, area)
    assert abs(row["rel_diff"]) < 0.03


def test_income_recomputed_from_the_ground_truth(county: Population) -> None:
    """Independent of calibration.py: person-weighted mean and median from the truth table."""
    persons = county.ground_truth.select(
        "urban_rural", pl.col("true_income_per_capita_year").repeat_by("size")
    ).explode("true_income_per_capita_year")
    stats = (
        persons.group_by("urban_rural")
        .agg(
            pl.col("true_income_per_capita_year").mean().alias("mean"),
            pl.col("true_income_per_capita_year").median().alias("median"),
        )
        .sort("urban_rural")
    )
    rural, urban = stats.rows()
    assert urban[1] == pytest.approx(54_188, rel=0.03) and urban[2] == pytest.approx(49_302, rel=0.03)
    assert rural[1] == pytest.approx(23_119, rel=0.03) and rural[2] == pytest.approx(19_605, rel=0.03)


def test_household_size(county: Population) -> None:
    sizes = county.persons.group_by("household_id").len().get_column("len").to_numpy()
    assert abs(sizes.mean() - 2.62) < 0.05
    assert abs((sizes == 1).mean() - 0.2539) < 0.01


@pytest.mark.parametrize(
    ("statistic", "group"),
    [
        ("age share", "0-15"),
        ("age share", "16-59"),
        ("age share", "60+"),
        ("age share", "65+"),
        ("age share 60+", "urban"),
        ("age share 60+", "rural"),
        ("urban share of persons", "all"),
        ("disability rate", "all"),
        ("medical insurance coverage", "all"),
    ],
)
def test_shares_within_one_and_a_half_points(county: Population, statistic: str, group: str) -> None:
    row = _row(county, statistic, group)
    assert abs(row["generated"] - row["target"]) < 0.015


def test_sex_ratio(county: Population) -> None:
    assert abs(_row(county, "sex ratio (men per 100 women)", "all")["generated"] - 104.34) < 1.0


def test_every_row_has_a_source_and_a_consistent_difference(county: Population) -> None:
    cal = county.calibration
    assert cal.columns == ["statistic", "group", "target", "generated", "rel_diff", "source"]
    assert (cal.get_column("source").str.len_chars() > 5).all()
    recomputed = (cal.get_column("generated") - cal.get_column("target")) / cal.get_column("target")
    assert ((recomputed - cal.get_column("rel_diff")).abs() < 1e-12).all()
    assert cal.height >= 50
