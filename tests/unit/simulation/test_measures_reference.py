"""The inequality measures against maintained packages, on real data those packages ship.

- PySAL `inequality` (Gini, Theil T and its between/within split, Atkinson) on libpysal's
  per-capita incomes of Mexico's 32 states (7 censuses) and the 48 US states (81 years);
  PySAL is unweighted, so our weights are checked by integer replication.
- `microdf` (PolicyEngine's weighted survey statistics) for weighted Gini and quantiles
  with fractional weights.
Both packages are test dependencies only; nothing in minsheng imports them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from minsheng.simulation import inequality as ineq

examples = pytest.importorskip("libpysal.examples")
pysal_gini = pytest.importorskip("inequality.gini")
pysal_theil = pytest.importorskip("inequality.theil")
pysal_atkinson = pytest.importorskip("inequality.atkinson")
microdf = pytest.importorskip("microdf")

TOL = 1e-12


def _mexico() -> tuple[np.ndarray, np.ndarray]:
    """(32 × 7 per-capita GDP, Hanson's 1998 regions)."""
    with Path(examples.get_path("mexico.csv")).open() as fh:
        rows = list(csv.DictReader(fh))
    years = [f"pcgdp{y}" for y in range(1940, 2010, 10)]
    return np.array([[float(r[y]) for y in years] for r in rows]), np.array([r["hanson98"] for r in rows])


def _us() -> np.ndarray:
    """48 states × 81 years of per-capita income."""
    with Path(examples.get_path("usjoin.csv")).open() as fh:
        rows = list(csv.reader(fh))
    return np.array([[float(v) for v in r[2:]] for r in rows[1:]])


def _columns() -> list[np.ndarray]:
    mexico, _ = _mexico()
    us = _us()
    return [mexico[:, j] for j in range(mexico.shape[1])] + [us[:, j] for j in range(0, us.shape[1], 10)]


def _replicated(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    weights = np.random.default_rng(seed).integers(1, 6, size=len(y))
    return weights, np.repeat(y, weights)


def test_gini_theil_atkinson_equal_pysal_unweighted() -> None:
    for y in _columns():
        assert ineq.gini(y) == pytest.approx(pysal_gini.Gini(y).g, abs=TOL)
        assert ineq.theil_t(y) == pytest.approx(float(pysal_theil.Theil(y).T), abs=TOL)
        for eps in (0.5, 1.0, 2.0):
            assert ineq.atkinson(y, None, eps).value == pytest.approx(pysal_atkinson.atkinson(y, eps), abs=TOL)


def test_weights_equal_integer_replication_in_pysal() -> None:
    for seed, y in enumerate(_columns()):
        w, copies = _replicated(y, seed)
        assert ineq.gini(y, w) == pytest.approx(pysal_gini.Gini(copies).g, abs=TOL)
        assert ineq.theil_t(y, w) == pytest.approx(float(pysal_theil.Theil(copies).T), abs=TOL)
        assert ineq.atkinson(y, w, 2.0).value == pytest.approx(pysal_atkinson.atkinson(copies, 2.0), abs=TOL)


def test_theil_split_equals_pysal_theild_and_sums_exactly() -> None:
    mexico, regions = _mexico()
    for j in range(mexico.shape[1]):
        y = mexico[:, j]
        ours = ineq.theil_t_by(y, None, regions)
        theirs = pysal_theil.TheilD(y, regions)
        assert ours.between == pytest.approx(float(np.squeeze(theirs.bg)), abs=TOL)
        assert ours.within == pytest.approx(float(np.squeeze(theirs.wg)), abs=TOL)
        assert ours.within + ours.between == pytest.approx(ours.total, abs=TOL)
        w, copies = _replicated(y, j)
        weighted = ineq.theil_t_by(y, w, regions)
        assert weighted.between == pytest.approx(
            float(np.squeeze(pysal_theil.TheilD(copies, np.repeat(regions, w)).bg)), abs=TOL
        )


def test_weighted_gini_and_quantiles_equal_microdf_with_fractional_weights() -> None:
    rng = np.random.default_rng(7)
    for y in _columns():
        w = rng.uniform(0.2, 40.0, size=len(y))
        series = microdf.MicroSeries(y, weights=w)
        assert ineq.gini(y, w) == pytest.approx(series.gini(), abs=TOL)
        qs = [0.1, 0.25, 0.5, 0.75, 0.9]
        assert ineq.quantile(y, w, qs).tolist() == series.quantile(np.array(qs)).tolist()
