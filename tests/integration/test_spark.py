"""`--engine spark` gives exactly the local engine's results (Spark local mode)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from minsheng.assessment import assess
from minsheng.contract.columns import store_frame
from minsheng.contract.validation import parse_table
from minsheng.demo.local_params import demo_parameters
from minsheng.synth import SynthConfig, generate


@pytest.fixture(scope="module")
def spark(missing_component: Any) -> Iterator[Any]:
    missing = missing_component
    if shutil.which("java") is None:
        missing("Java is not installed (Spark needs Java 17)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing("PySpark is not installed (the spark extra)")
    from minsheng.rules.spark import session

    s = session(partitions=4)
    yield s
    s.stop()


def frames(households: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    pop = generate(SynthConfig(county="110105", households=households, seed=seed), params=demo_parameters())
    hh = store_frame(parse_table(pop.households.cast(pl.String), "households")[0].drop("__row"), "households")
    pp = store_frame(parse_table(pop.persons.cast(pl.String), "persons")[0].drop("__row"), "persons")
    return hh, pp


def test_spark_gives_identical_results_on_a_synthetic_county(spark: Any) -> None:
    from minsheng.programmes.registry import model
    from minsheng.rules.spark import evaluate_on_spark

    hh, pp = frames(1500, seed=5)
    # A second county in the same run, so the partitioning by county is exercised.
    hh2, pp2 = frames(300, seed=6)
    hh2 = hh2.with_columns(
        ("H2-" + pl.col("household_id")).alias("household_id"), pl.lit("130102001001").alias("residence_division")
    )
    pp2 = pp2.with_columns(
        ("H2-" + pl.col("household_id")).alias("household_id"), ("P2-" + pl.col("person_id")).alias("person_id")
    )
    hh, pp = pl.concat([hh, hh2], how="vertical_relaxed"), pl.concat([pp, pp2], how="vertical_relaxed")
    date = dt.date(2025, 8, 1)
    params = demo_parameters()  # the demo county's own values over the shipped files
    local = assess(hh, pp, date=date, params=params)
    distributed = evaluate_on_spark(model(), params, hh, pp, date=date, spark=spark)
    for mine, theirs, key in (
        (local.households, distributed.households, "household_id"),
        (local.persons, distributed.persons, "person_id"),
    ):
        assert_frame_equal(mine.sort(key), theirs.select(mine.columns).sort(key))
    assert local.households.get_column("dibao_eligible").sum() > 0  # the comparison is not of empty results


def test_a_simulation_on_spark_equals_the_local_one(spark: Any) -> None:
    """Amounts equal to the fen, every index within 1e-12 (issue 13 §Performance)."""
    from minsheng.programmes.registry import model
    from minsheng.rules.reforms import apply, apply_model, load_reform, parse_reform_text
    from minsheng.simulation import study
    from minsheng.simulation.outcomes import Scenario

    hh, pp = frames(1500, seed=8)
    base = demo_parameters()
    text = (
        "reform: {id: plus5, label: {zh: 提高5%, en: +5 %}}\n"
        'parameters:\n  dibao.standard:\n    values:\n      "110105":\n        2026-01-01: {value: 1596}\n'
    )
    tiers = load_reform(
        Path(__file__).resolve().parents[2] / "examples/reforms/dibao_tiers_formula.yaml", base, model()
    )
    scenarios = [
        Scenario("baseline", "现行", "baseline", base),
        Scenario("plus5", "提高5%", "+5 %", apply(base, parse_reform_text(text, "r.yaml", base))),
        # a structural reform: its own model travels to the workers
        Scenario("tiers", "分档", "tiers", apply(base, tiers), tiers, apply_model(model(), tiers)),
    ]
    date = [dt.date(2026, 6, 1)]
    local = study.run(model(), hh, pp, scenarios, date, frame="representative")
    distributed = study.run(model(), hh, pp, scenarios, date, frame="representative", spark=spark)
    for name, mine in local.tables.items():
        theirs = distributed.tables[name]
        money = [c for c, t in mine.schema.items() if t == pl.Int64]
        assert_frame_equal(mine.select(money), theirs.select(money), check_exact=True)  # to the fen
        assert_frame_equal(mine, theirs, check_exact=False, abs_tol=1e-12, rel_tol=0)
    assert local.tables["programmes"]["monthly_cost_expected_fen_change"].sum() > 0
