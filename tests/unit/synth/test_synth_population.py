"""Structure of a generated county: contract columns, codes, households, IDs, money."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from minsheng.codes.divisions import divisions
from minsheng.codes.id_number import parse
from minsheng.contract import columns
from minsheng.errors import DivisionError
from minsheng.synth import STEPS, Population, SynthConfig, generate

# The contract columns as registry.columns defines them (checked against the shared fixtures by the importer tests).
CONTRACT_HOUSEHOLDS = [c.name for c in columns.HOUSEHOLD_COLUMNS]
CONTRACT_PERSONS = [c.name for c in columns.PERSON_COLUMNS]
MONEY_HH = ["financial_assets", "vehicle_value", "business_capital", "current_benefit", "housing_area_m2"]
MONEY_P = [
    "wage_income",
    "business_income",
    "property_income",
    "transfer_income",
    "disregarded_income",
    "medical_expense",
    "education_expense",
    "other_rigid_expense",
]
INCOME = ["wage_income", "business_income", "property_income", "transfer_income"]
REF = dt.date(2025, 6, 30)


def _ages(persons: pl.DataFrame) -> pl.DataFrame:
    ref = pl.lit(REF)
    return persons.with_columns(
        (
            ref.dt.year()
            - pl.col("birth_date").dt.year()
            - (
                (pl.col("birth_date").dt.month() * 100 + pl.col("birth_date").dt.day()) > REF.month * 100 + REF.day
            ).cast(pl.Int32)
        ).alias("age")
    )


def test_columns_are_the_contracts(small_population: Population) -> None:
    assert small_population.households.columns == CONTRACT_HOUSEHOLDS
    assert small_population.persons.columns == CONTRACT_PERSONS


def test_exactly_one_head_per_household(small_population: Population) -> None:
    heads = small_population.persons.group_by("household_id").agg((pl.col("relation") == "02").sum().alias("heads"))
    assert heads.height == small_population.households.height
    assert heads.get_column("heads").to_list() == [1] * heads.height


def test_ids_are_unique(small_population: Population) -> None:
    hh, persons = small_population.households, small_population.persons
    assert hh.get_column("household_id").n_unique() == hh.height
    assert persons.get_column("person_id").n_unique() == persons.height
    assert set(persons.get_column("household_id").unique()) == set(hh.get_column("household_id"))


@pytest.mark.parametrize("fixture", ["small_population", "rural_population"])
def test_residence_is_a_village_of_a_real_township_of_the_county(fixture: str, request: pytest.FixtureRequest) -> None:
    pop: Population = request.getfixturevalue(fixture)
    towns = {t.code for t in divisions().townships(pop.county)}
    codes = pop.households.get_column("residence_division")
    assert codes.str.len_chars().eq(12).all()
    assert codes.str.starts_with(pop.county).all()
    assert set(codes.str.slice(0, 9).unique()) <= towns
    assert set(codes.str.slice(9, 3).cast(pl.Int32).unique()).isdisjoint({0})


def test_hukou_divisions_are_known_and_mostly_local(small_population: Population) -> None:
    book = divisions()
    hukou = small_population.households.get_column("hukou_division")
    assert all(book.is_known(code) for code in hukou.unique())
    same_county = hukou.str.starts_with(small_population.county).to_numpy().mean()
    assert 0.55 < same_county < 0.9


def test_id_numbers_valid_unique_and_consistent(small_population: Population) -> None:
    persons = small_population.persons.join(
        small_population.households.select("household_id", "hukou_division"), on="household_id"
    )
    with_id = persons.filter(pl.col("id_number").is_not_null())
    share = with_id.height / persons.height
    assert 0.96 < share < 0.98
    assert with_id.get_column("id_number").n_unique() == with_id.height
    for row in with_id.select("id_number", "hukou_division", "birth_date", "sex").iter_rows():
        parsed = parse(row[0], today=REF)
        assert parsed.region == row[1][:6]
        assert parsed.birth_date == row[2]
        assert parsed.sex == row[3]


def test_relations_and_ages_fit_together(small_population: Population) -> None:
    p = _ages(small_population.persons)
    heads = p.filter(pl.col("relation") == "02").select(
        "household_id", pl.col("age").alias("head_age"), pl.col("sex").alias("head_sex")
    )
    p = p.join(heads, on="household_id")
    spouses = p.filter(pl.col("relation").is_in(["11", "12"]))
    assert (spouses.filter(pl.col("relation") == "11").get_column("sex") == 1).all()
    assert (spouses.filter(pl.col("relation") == "12").get_column("sex") == 2).all()
    assert (spouses.get_column("sex") != spouses.get_column("head_sex")).all()
    assert ((spouses.get_column("age") - spouses.get_column("head_age")).abs() <= 15).all()
    children = p.filter(
        pl.col("relation").is_in([f"{c}" for c in (21, 22, 23, 24, 25, 26, 29, 31, 32, 33, 34, 35, 36, 39)])
    )
    assert children.height > 0
    assert ((children.get_column("head_age") - children.get_column("age")) >= 18).all()
    assert (children.filter(pl.col("relation").str.starts_with("2")).get_column("sex") == 1).all()
    parents = p.filter(pl.col("relation").is_in(["51", "52", "53", "54", "55", "56"]))
    assert ((parents.get_column("age") - parents.get_column("head_age")) >= 18).all()
    grandchildren = p.filter(pl.col("relation").is_in(["41", "42", "43", "44"]))
    assert ((grandchildren.get_column("head_age") - grandchildren.get_column("age")) >= 36).all()
    assert (p.get_column("age") >= 0).all() and (p.get_column("age") <= 100).all()


def test_no_negative_money(small_population: Population, rural_population: Population) -> None:
    for pop in (small_population, rural_population):
        for c in [*MONEY_HH, "vehicles", "properties"]:
            assert (pop.households.get_column(c).fill_null(0) >= 0).all(), c
        for c in MONEY_P:
            assert (pop.persons.get_column(c) >= 0).all(), c


def test_true_incomes_add_up_to_the_drawn_per_capita_value(small_population: Population) -> None:
    truth = small_population.ground_truth
    fen = [f"true_{s}" for s in INCOME]
    total = truth.select(pl.sum_horizontal([(pl.col(c) * 100).round() for c in fen]).cast(pl.Int64)).to_series()
    drawn = (truth.get_column("true_income_per_capita") * 100).round().cast(pl.Int64) * truth.get_column("size")
    assert (total == drawn).all()


def test_declared_incomes_equal_truth_where_nothing_was_hidden(small_population: Population) -> None:
    declared = small_population.persons.group_by("household_id").agg(
        pl.sum_horizontal([(pl.col(c) * 100).round() for c in INCOME]).sum().cast(pl.Int64).alias("declared")
    )
    truth = small_population.ground_truth.join(declared, on="household_id").with_columns(
        ((pl.col("true_income_per_capita") * 100).round().cast(pl.Int64) * pl.col("size")).alias("true_total")
    )
    honest = truth.filter(~pl.col("under_declared"))
    assert (honest.get_column("declared") == honest.get_column("true_total")).all()
    hiding_wages = truth.filter(pl.col("under_declared_items").str.contains("wage"))
    assert hiding_wages.height > 0
    assert (hiding_wages.get_column("declared") < hiding_wages.get_column("true_total")).all()
    share = truth.get_column("under_declared").to_numpy().mean()
    assert 0.06 < share < 0.10


def test_dibao_benefit_is_the_gap_to_the_standard_with_the_floor(small_population: Population) -> None:
    """The engine's payment on the declaration (synth.benefit): the gap to the standard, at least
    the demo province's floor of 20 % of the standard a head, plus top-ups for the elderly (60+),
    minors and the severely disabled."""
    persons = small_population.persons.with_columns(
        ((pl.lit(REF) - pl.col("birth_date")).dt.total_days() / 365.2425).alias("age_years")
    )
    declared = persons.group_by("household_id").agg(
        pl.sum_horizontal([(pl.col(c) * 100).round() for c in INCOME]).sum().cast(pl.Int64).alias("declared"),
        (
            (pl.col("age_years") >= 59.9)
            | (pl.col("age_years") < 18.1)
            | pl.col("disability_grade").cast(pl.String).is_in(["1", "2"])
            | ~pl.col("supporter_capable")
        )
        .any()
        .alias("special"),
    )
    hh = (
        small_population.households.join(small_population.ground_truth, on="household_id")
        .join(declared, on="household_id")
        .filter((pl.col("enrolled") == "dibao") & ~pl.col("leaked"))
    )
    assert hh.height > 0
    std = (hh.get_column("dibao_standard") * 100).round().cast(pl.Int64)
    gap = std * hh.get_column("size") - hh.get_column("declared")
    floor = (std * 0.2).round().cast(pl.Int64) * hh.get_column("size")
    paid = (hh.get_column("current_benefit") * 100).round().cast(pl.Int64)
    assert (gap > 0).all()
    # A member the engine counts as tekun leaves the dibao household, so the floor of one head is
    # what every household is sure to get.
    assert (paid >= (std * 0.2).round().cast(pl.Int64)).all()
    plain = ~hh.get_column("special")  # nobody a top-up or the tekun exclusion applies to
    assert plain.sum() > 20
    expected = pl.select(pl.max_horizontal(gap, floor)).to_series()
    assert (paid.filter(plain) == expected.filter(plain)).all()
    assert (paid.filter(plain) == floor.filter(plain)).any()  # the floor is visible
    assert (hh.get_column("enrolled_since") <= REF).all()


def test_enrolment_columns_are_empty_for_households_not_enrolled(small_population: Population) -> None:
    hh = small_population.households
    not_enrolled = hh.filter(pl.col("enrolled").is_null())
    assert not_enrolled.get_column("current_benefit").null_count() == not_enrolled.height
    assert not_enrolled.get_column("enrolled_since").null_count() == not_enrolled.height
    assert set(hh.get_column("enrolled").drop_nulls().unique()) <= {"dibao", "tekun"}


def test_phones_are_mobile_numbers(small_population: Population) -> None:
    phones = small_population.persons.get_column("phone").drop_nulls()
    assert phones.str.contains(r"^1[3589]\d{9}$").all()
    assert phones.n_unique() == len(phones)


def test_unknown_county_raises_division_error() -> None:
    for code in ("119999", "1101", "abcdef"):
        with pytest.raises(DivisionError) as err:
            generate(SynthConfig(county=code, households=10, seed=1))
        assert err.value.zh and err.value.en


def test_progress_reports_each_step() -> None:
    seen: list[str] = []
    generate(SynthConfig(county="110105", households=50, seed=1), progress=seen.append)
    assert seen == list(STEPS)


def test_street_townships_are_more_urban_than_towns(rural_population: Population) -> None:
    truth = rural_population.ground_truth.with_columns(pl.col("township_name").str.ends_with("街道").alias("street"))
    share = truth.group_by("street").agg((pl.col("urban_rural") == "urban").mean().alias("urban")).sort("street")
    assert share.get_column("urban")[1] > share.get_column("urban")[0] + 0.3
