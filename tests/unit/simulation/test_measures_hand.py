"""The measures on cases small enough to compute by hand, and their invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minsheng.simulation import distribution as dist
from minsheng.simulation import inequality as ineq
from minsheng.simulation import poverty


def test_ge0_by_hand_and_zero_incomes_excluded_and_counted() -> None:
    mu = 7 / 3
    by_hand = (math.log(mu / 1) + math.log(mu / 2) + math.log(mu / 4)) / 3
    assert ineq.ge0([1, 2, 4]).value == pytest.approx(by_hand, abs=1e-15)
    with_zero = ineq.ge0([0, 1, 2, 4, 0], [1, 1, 1, 1, 3])
    assert with_zero.value == pytest.approx(by_hand, abs=1e-15)
    assert with_zero.excluded == 2


def test_ge0_split_by_hand() -> None:
    # Group a: 1, 3 (mean 2); group b: 6 (mean 6); all: mean 10/3.
    split = ineq.ge0_by([1, 3, 6], None, ["a", "a", "b"])
    mu = 10 / 3
    within_a = (math.log(2 / 1) + math.log(2 / 3)) / 2
    assert split.groups["a"] == pytest.approx(within_a, abs=1e-15)
    assert split.within == pytest.approx(2 / 3 * within_a, abs=1e-15)
    assert split.between == pytest.approx(2 / 3 * math.log(mu / 2) + 1 / 3 * math.log(mu / 6), abs=1e-15)
    assert split.within + split.between == pytest.approx(split.total, abs=1e-15)


def test_gini_of_two_by_hand() -> None:
    # |0 − 10| over all ordered pairs (2 of 4) / (2 · 2² · 5) = 20 / 40.
    assert ineq.gini([0, 10]) == pytest.approx(0.5, abs=1e-15)
    assert ineq.gini([5, 5, 5]) == 0.0


def test_fgt_and_gap_by_hand() -> None:
    y, z = [0, 50, 100, 200], 100
    assert poverty.fgt(y, None, z, 0) == 0.5  # 100 is not below 100
    assert poverty.fgt(y, None, z, 1) == pytest.approx((1 + 0.5) / 4)
    assert poverty.fgt(y, None, z, 2) == pytest.approx((1 + 0.25) / 4)
    assert poverty.total_gap(y, [1, 2, 1, 1], z) == 100 + 2 * 50


def test_a_unit_without_a_line_is_in_no_count() -> None:
    assert poverty.fgt([10, 10], None, [100, np.nan], 0) == 1.0


def test_relative_lines_are_shares_of_the_weighted_median() -> None:
    lines = poverty.relative_lines([100, 200, 300], [1, 1, 5])
    assert lines == {0.4: 120.0, 0.5: 150.0, 0.6: 180.0}


def test_target_efficiency_by_hand() -> None:
    assert poverty.target_efficiency([300, 100, 0], [1, 2, 1], [True, False, True]) == pytest.approx(300 / 500)


def test_palma_by_hand() -> None:
    y = np.arange(1, 11, dtype=float)
    assert dist.palma(y, np.ones(10)) == pytest.approx(10 / (1 + 2 + 3 + 4))


def test_deciles_never_split_a_household() -> None:
    # Persons 1, 5, 4 at incomes 1, 2, 3: weight midpoints 0.05, 0.35, 0.8.
    assert dist.deciles([3, 1, 2], [4, 1, 5]).tolist() == [9, 1, 4]


@pytest.mark.parametrize(
    ("before", "after", "band"),
    [
        (10_000, 10_050, "no_change"),  # 0.50 yuan: under 1 yuan a month
        (1_000_000, 1_000_500, "no_change"),  # 5 yuan, but 0.05 %
        (10_000, 10_200, "gain_under_5"),
        (10_000, 10_600, "gain_over_5"),
        (10_000, 9_800, "loss_under_5"),
        (10_000, 9_000, "loss_over_5"),
        (0, 150, "gain_over_5"),  # no income before: the absolute change decides
        (0, 50, "no_change"),
    ],
)
def test_bands(before: int, after: int, band: str) -> None:
    assert dist.BANDS[dist.bands([before], [after])[0]] == band


incomes = st.lists(st.integers(0, 2_000_000), min_size=2, max_size=40)


@settings(max_examples=200, deadline=None)
@given(incomes, st.data())
def test_a_household_listed_twice_equals_weight_two(values: list[int], data: st.DataObject) -> None:
    y = np.array(values, dtype=float)
    if y.sum() == 0:
        return
    k = data.draw(st.integers(0, len(y) - 1))
    twice = np.append(y, y[k])
    weight = np.ones(len(y))
    weight[k] = 2
    assert ineq.gini(twice) == pytest.approx(ineq.gini(y, weight), abs=1e-12)
    assert ineq.theil_t(twice) == pytest.approx(ineq.theil_t(y, weight), abs=1e-12)
    assert ineq.atkinson(twice, None, 0.5).value == pytest.approx(ineq.atkinson(y, weight, 0.5).value, abs=1e-12)
    if (y > 0).any():
        assert ineq.ge0(twice).value == pytest.approx(ineq.ge0(y, weight).value, abs=1e-12)
    assert ineq.quantile(twice, None, [0.1, 0.5, 0.9]).tolist() == ineq.quantile(y, weight, [0.1, 0.5, 0.9]).tolist()
    z = float(np.median(y))
    assert poverty.fgt(twice, None, z, 1) == pytest.approx(poverty.fgt(y, weight, z, 1), abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(incomes, st.data())
def test_both_theil_splits_sum_exactly(values: list[int], data: st.DataObject) -> None:
    y = np.array(values, dtype=float)
    if y.sum() == 0:
        return
    groups = data.draw(st.lists(st.sampled_from("abc"), min_size=len(y), max_size=len(y)))
    t = ineq.theil_t_by(y, None, groups)
    assert t.within + t.between == pytest.approx(t.total, abs=1e-12)
    if (y > 0).any():
        g = ineq.ge0_by(y, None, groups)
        assert g.within + g.between == pytest.approx(g.total, abs=1e-12)


def test_no_change_everywhere_when_nothing_changes() -> None:
    y = np.array([0, 500, 12_000, 80_000])
    assert set(dist.bands(y, y).tolist()) == {dist.BANDS.index("no_change")}
