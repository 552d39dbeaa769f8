"""Person → household totals land on the right household, whatever order the persons come in
and whether or not some household has no member rows (`evaluate._aggregate_layer`: a gather
when every household has members, a join otherwise)."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal
from rule_households import AUGUST, adult, build, case

from minsheng.programmes.registry import baseline, model
from minsheng.rules.evaluate import default_outputs, evaluate

SIZES = (1, 3, 2, 4)
WAGES = (0, 900, 2500, 400)


def _households() -> tuple[pl.DataFrame, pl.DataFrame]:
    cases = [case("110105001", [adult(wage_income=w) for _ in range(n)]) for n, w in zip(SIZES, WAGES, strict=True)]
    return build(*cases)


def _run(hh: pl.DataFrame, pp: pl.DataFrame) -> pl.DataFrame:
    result = evaluate(model(), baseline(), hh, pp, date=AUGUST, outputs=default_outputs(model()))
    return result.households.sort("household_id")


def _alone(hh: pl.DataFrame, pp: pl.DataFrame) -> pl.DataFrame:
    """The reference: each household evaluated by itself."""
    parts = [
        _run(hh.filter(pl.col("household_id") == h), pp.filter(pl.col("household_id") == h))
        for h in hh.get_column("household_id")
    ]
    return pl.concat(parts).sort("household_id")


def test_totals_follow_their_household_when_persons_are_shuffled() -> None:
    hh, pp = _households()
    shuffled = pp.sample(fraction=1.0, shuffle=True, seed=7)
    assert shuffled.get_column("household_id").to_list() != pp.get_column("household_id").to_list()
    together = _run(hh, shuffled)
    assert together.get_column("household_size").to_list() == list(SIZES)
    assert_frame_equal(together, _alone(hh, pp))


def test_a_household_without_member_rows_gets_the_empty_totals() -> None:
    hh, pp = _households()
    lonely = hh.get_column("household_id")[1]
    together = _run(hh, pp.filter(pl.col("household_id") != lonely).reverse())
    sizes = dict(zip(together.get_column("household_id"), together.get_column("household_size"), strict=True))
    assert sizes == {h: (0 if h == lonely else n) for h, n in zip(hh.get_column("household_id"), SIZES, strict=True)}
    others = together.filter(pl.col("household_id") != lonely)
    assert_frame_equal(others, _alone(hh, pp).filter(pl.col("household_id") != lonely))
