"""The generator's building blocks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from minsheng.synth import names_data
from minsheng.synth.households import completed_years, size_distribution
from minsheng.synth.names import surname_table
from minsheng.synth.sampling import allocate, bisect, pick, weighted_median


def test_size_distribution_hits_census_mean_and_one_person_share() -> None:
    dist = size_distribution()
    sizes = np.array(list(dist))
    shares = np.array(list(dist.values()))
    assert shares.sum() == pytest.approx(1.0)
    assert (sizes * shares).sum() == pytest.approx(2.62, abs=1e-9)
    assert dist[1] == pytest.approx(0.2539)
    # The 2010 shape is kept: sizes 2–10 decrease after 3 … the tilt only flattens it.
    assert all(dist[s] > dist[s + 1] for s in range(3, 10))


def test_allocate_is_exact() -> None:
    counts = allocate(1_001, [0.2539, 0.5, 0.2461])
    assert counts.sum() == 1_001
    assert counts.tolist() == [254, 501, 246]  # 254.15, 500.5, 246.35: the largest remainder gets the spare one


def test_pick_takes_exactly_k_and_never_weight_zero() -> None:
    rng = np.random.default_rng(0)
    w = np.array([0.0, 1.0, 5.0, 0.0, 2.0, 1.0])
    chosen = pick(rng, w, 3)
    assert chosen.sum() == 3
    assert not chosen[0] and not chosen[3]
    assert pick(rng, w, 10).sum() == 4  # no more than the positive weights


def test_pick_follows_weights() -> None:
    rng = np.random.default_rng(1)
    w = np.r_[np.full(1_000, 1.0), np.full(1_000, 9.0)]
    chosen = pick(rng, w, 200)
    assert chosen[1_000:].sum() > 150


def test_bisect_and_weighted_median() -> None:
    assert bisect(lambda x: x**3 - 8, 0, 10) == pytest.approx(2.0)
    assert weighted_median(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 5.0])) == 3.0


def test_surname_table() -> None:
    names, shares = surname_table()
    assert len(set(names)) == len(names)
    assert shares.sum() == pytest.approx(1.0)
    assert shares[:100].sum() == pytest.approx(0.859)
    assert names[:5] == ("王", "李", "张", "刘", "陈")
    assert shares[0] == pytest.approx(0.0710)
    assert (np.diff(shares[:100]) <= 0).all()
    assert len(names_data.RANK_21_100) == 80


def test_completed_years_counts_the_birthday() -> None:
    births = np.array(["2000-06-30", "2000-07-01", "2024-02-29", "1925-01-01"], dtype="datetime64[D]")
    assert completed_years(births, dt.date(2025, 6, 30)).tolist() == [25, 24, 1, 100]
