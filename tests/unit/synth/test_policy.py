"""The synthetic truth is decided by the engine's own dibao rules for the county
(synth.policy): if the generator's standard drifts from the engine's parameter, these fail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from minsheng.contract import columns
from minsheng.demo.local_params import demo_parameters
from minsheng.programmes.registry import baseline, model
from minsheng.rules.evaluate import evaluate
from minsheng.rules.reforms import apply, parse_reform_text
from minsheng.synth import Population, SynthConfig, generate, write
from minsheng.synth import targets as T
from minsheng.synth.feeds import FeedConfig, generate_feeds
from minsheng.synth.policy import local_policy

REF = dt.date(2025, 6, 30)  # SynthConfig.reference_date
AREAS = ("urban", "rural")


def _engine(pid: str, county: str, day: dt.date, area: str | None = None) -> float | None:
    """The engine's value, with the demo county's own values laid over the shipped files."""
    return demo_parameters().value(pid, county, day, area)


def _standards(pop: Population) -> dict[str, float]:
    per_area = pop.ground_truth.group_by("urban_rural").agg(pl.col("dibao_standard").unique())
    found = {row[0]: row[1] for row in per_area.iter_rows()}
    assert all(len(v) == 1 for v in found.values()), "one standard per area on the reference date"
    return {k: v[0] for k, v in found.items()}


def test_ground_truth_standard_is_the_engines_dibao_standard(small_population: Population) -> None:
    standards = _standards(small_population)
    assert set(standards) == set(AREAS)
    for area, value in standards.items():
        assert value == _engine("dibao.standard", "110105", REF, area), area


def _engine_inputs(frame: pl.DataFrame, cols: tuple[columns.Column, ...]) -> pl.DataFrame:
    """Contract frame → the engine's inputs (money in whole fen, as the store keeps it)."""
    return frame.select(
        (pl.col(c.name) * 100).round(0).cast(pl.Int64).alias(c.store_name) if c.kind == "money" else pl.col(c.name)
        for c in cols
        if c.name in frame.columns
    )


def test_the_engine_agrees_with_the_ground_truth_where_nothing_was_hidden(small_population: Population) -> None:
    """The engine, run on the declared files on the reference date, reaches the ground truth's
    verdict for every household that declared truthfully (income test and the property rules
    the synth models): the strongest sign that both use the same standard and rules."""
    result = evaluate(
        model(),
        demo_parameters(),
        _engine_inputs(small_population.households, columns.HOUSEHOLD_COLUMNS),
        _engine_inputs(small_population.persons, columns.PERSON_COLUMNS),
        date=REF,
        outputs=[
            "dibao_income_below_standard",
            "dibao_vehicles_within_limit",
            "dibao_no_excluded_non_residential",
            "household_size",
            "dibao_household_size",
        ],
    )
    # The synth's truth counts every registered member; the engine leaves a tekun member out of
    # the dibao household (dibao.tekun_members_excluded), which the synth models only for lone
    # tekun households: compare where the two households are the same.
    same = pl.col("dibao_household_size") == pl.col("household_size")
    honest = (
        result.households.join(small_population.ground_truth, on="household_id")
        .filter(~pl.col("under_declared"))
        .filter(same | (pl.col("dibao_household_size") == 0))
    )
    assert honest.height > 0.9 * small_population.households.height
    assert honest.get_column("true_income_eligible").sum() > 0
    engine_assets = pl.col("dibao_vehicles_within_limit") & pl.col("dibao_no_excluded_non_residential")
    assert honest.select(
        (pl.col("dibao_income_below_standard") == pl.col("true_income_eligible")).all(),
        (engine_assets == pl.col("true_asset_eligible")).all(),
    ).row(0) == (True, True)


def test_enrolment_pays_the_gap_to_the_engines_standard_and_tekun_its_ratio(small_population: Population) -> None:
    hh = small_population.households.join(small_population.ground_truth, on="household_id")
    tekun = hh.filter(pl.col("enrolled") == "tekun")
    ratio = _engine("tekun.basic_living_ratio", "110105", REF)
    assert ratio is not None and tekun.height > 0
    standard = pl.col("urban_rural").replace_strict({a: _engine("dibao.standard", "110105", REF, a) for a in AREAS})
    assert tekun.select(((pl.col("current_benefit") - (standard * ratio).round(2)).abs() < 0.011).all()).item()


def test_property_rules_and_multiples_are_the_engines(small_population: Population) -> None:
    policy = small_population.policy
    k = policy.interval(REF)
    assert policy.max_vehicles[k] == _engine("dibao.max_vehicles", "110105", REF)
    assert bool(policy.non_residential_allowed[k]) == bool(
        _engine("dibao.non_residential_property_allowed", "110105", REF)
    )
    assert policy.marginal_multiple == _engine("dibao_marginal.income_multiple", "110105", REF)
    assert policy.tekun_ratio == _engine("tekun.basic_living_ratio", "110105", REF)


def test_feeds_truth_uses_the_engines_standard_on_each_event_day(small_population: Population) -> None:
    feeds = generate_feeds(small_population, FeedConfig(start=dt.date(2025, 1, 1), months=12, seed=2))
    rows = (
        feeds.truth.join(small_population.ground_truth.select("household_id", "urban_rural"), on="household_id")
        .select("event_date", "urban_rural", "dibao_standard")
        .unique()
    )
    assert rows.get_column("dibao_standard").n_unique() > 1, "the window spans the demo county's dated rise"
    for day, area, value in rows.iter_rows():
        assert value == _engine("dibao.standard", "110105", day, area), (day, area)


def test_a_county_without_an_engine_standard_falls_back_and_says_so(
    rural_population: Population, tmp_path: Path
) -> None:
    assert _engine("dibao.standard", "410225", REF, "urban") is None
    assert _standards(rural_population) == T.DIBAO_STANDARD
    md = write(rural_population, tmp_path / "rural")["calibration_md"].read_text(encoding="utf-8")
    assert "## Dibao rules of the ground truth" in md
    assert "FALLBACK: the engine has no dibao standard for 410225" in md
    assert "value(s) fall back to national figures" in md


def test_the_calibration_report_names_the_engines_source(small_population: Population, tmp_path: Path) -> None:
    md = write(small_population, tmp_path / "demo")["calibration_md"].read_text(encoding="utf-8")
    assert "FALLBACK" not in md
    assert "Every value comes from the engine's parameters." in md
    demo = "演示示例（非真实文号） 演示区县本地参数示例 demo county's illustrative values"
    assert f"engine parameter dibao.standard, county value (110105, from 2024-07-01): {demo}" in md
    assert f"engine parameter dibao.standard, county value (110105, from 2025-07-01): {demo}" in md


def test_without_its_local_values_the_demo_county_falls_back_and_says_so() -> None:
    # The shipped files carry no value of the demo county's own: its standard and property rules
    # come from its local-parameters file, or the generator falls back and names the fallback.
    policy = local_policy("110105", REF, baseline())
    assert policy.standard_yuan(urban=True, date=REF) == T.DIBAO_STANDARD["urban"]
    fallback = policy.notes.filter(pl.col("source").str.starts_with("FALLBACK"))
    assert {"dibao.max_vehicles", "dibao.non_residential_property_allowed"} <= set(fallback.get_column("parameter"))
    assert local_policy("110105", REF, demo_parameters()).standard_yuan(urban=True, date=REF) == 1450


@pytest.mark.parametrize(
    ("reform", "expected"),
    [
        # A published standard: the value itself.
        ('dibao.standard: {values: {"110105": {2025-01-01: {value: 1600}}}}', {"urban": 1600.0, "rural": 1600.0}),
        # The standard from consumption (民发〔2024〕16号): prior-year consumption × ratio / 12, from the engine.
        (
            'dibao.standard_from_consumption: {values: {"110105": {2025-01-01: {value: true}}}}',
            {
                a: round(
                    (_engine("general.consumption_per_capita_prior_year", "110105", REF, a) or 0)
                    * (_engine("dibao.consumption_ratio", "110105", REF, a) or 0)
                    / 12,
                    2,
                )
                for a in AREAS
            },
        ),
    ],
)
def test_injected_parameters_decide_the_standard(reform: str, expected: dict[str, float]) -> None:
    text = f"reform: {{id: test, label: {{zh: 测试, en: test}}}}\nparameters:\n  {reform}\n"
    county = demo_parameters()
    params = apply(county, parse_reform_text(text, "test.yaml", county))
    pop = generate(SynthConfig(county="110105", households=1_500, seed=4), params=params)
    assert _standards(pop) == pytest.approx(expected, abs=0.005)
