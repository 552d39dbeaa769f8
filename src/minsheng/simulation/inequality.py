"""Weighted inequality measures over persons (each carrying their household's income and weight).

Definitions (issue 13 §1), stated so the report can quote them:
- weights are frequency weights: a weight of 2 is the same as the unit listed twice;
- Gini: Σᵢ Σⱼ wᵢ wⱼ |yᵢ − yⱼ| / (2 W² μ), no small-sample correction;
- Theil T: Σ w (y/μ) ln(y/μ) / W, a zero income contributing 0 (the limit of x ln x);
- GE(0), the mean log deviation: Σ w ln(μ/y) / W, over positive incomes only;
- Atkinson: 1 − (Σ w y^(1−ε) / W)^(1/(1−ε)) / μ, and 1 − exp(Σ w ln y / W) / μ at ε = 1;
  for ε ≥ 1 over positive incomes only (y^(1−ε) has no value at 0);
- both Theil indices decompose exactly into within- and between-group parts;
- quantiles by the inverse CDF: the smallest value whose cumulative weight share reaches q
  (R survey::svyquantile's default).

Measures "over positive incomes only" report how many units they left out (`Positive`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ArrayLike = np.ndarray


@dataclass(frozen=True)
class Positive:
    """A measure defined over positive incomes only, and the units it left out."""

    value: float
    excluded: int  # units with income ≤ 0 (or no weight) not in the measure


@dataclass(frozen=True)
class Decomposition:
    """An index split by groups: total = within + between, exactly (up to rounding of floats)."""

    total: float
    within: float
    between: float
    groups: dict[str, float]  # each group's own index
    excluded: int = 0


def _arrays(y: ArrayLike, w: ArrayLike | None) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=np.float64)
    w = np.ones_like(y) if w is None else np.asarray(w, dtype=np.float64)
    if y.shape != w.shape or y.ndim != 1:
        raise ValueError("incomes and weights must be one-dimensional arrays of the same length")
    if np.isnan(y).any() or np.isnan(w).any() or (w < 0).any():
        raise ValueError("incomes and weights must be known, and weights non-negative")
    keep = w > 0
    return y[keep], w[keep]


def mean(y: ArrayLike, w: ArrayLike | None = None) -> float:
    y, w = _arrays(y, w)
    return float(np.dot(w, y) / w.sum())


def quantile(y: ArrayLike, w: ArrayLike | None, q: float | list[float] | ArrayLike) -> np.ndarray:
    """Weighted quantiles by the inverse CDF: the smallest y whose cumulative weight share ≥ q."""
    y, w = _arrays(y, w)
    order = np.argsort(y, kind="stable")
    y, share = y[order], np.cumsum(w[order])
    share /= share[-1]
    at = np.searchsorted(share, np.atleast_1d(np.asarray(q, dtype=np.float64)), side="left")
    return y[np.minimum(at, len(y) - 1)]


def gini(y: ArrayLike, w: ArrayLike | None = None) -> float:
    """Weighted Gini, no small-sample correction (ties in any order give the same value)."""
    y, w = _arrays(y, w)
    order = np.argsort(y, kind="stable")
    y, w = y[order], w[order]
    total_w, cum = w.sum(), np.cumsum(w)
    # Σᵢ Σⱼ wᵢ wⱼ |yᵢ − yⱼ| = 2 Σᵢ wᵢ yᵢ (Cᵢ₋₁ − (W − Cᵢ)) over y sorted ascending.
    return float(np.dot(w * y, 2 * cum - w - total_w) / (total_w * np.dot(w, y)))


def theil_t(y: ArrayLike, w: ArrayLike | None = None) -> float:
    y, w = _arrays(y, w)
    return _theil(y, w)


def _theil(y: np.ndarray, w: np.ndarray) -> float:
    r = y / (np.dot(w, y) / w.sum())
    terms = np.zeros_like(r)
    pos = r > 0
    terms[pos] = r[pos] * np.log(r[pos])  # 0 · ln 0 = 0
    return float(np.dot(w, terms) / w.sum())


def _positive(y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    keep = y > 0
    return y[keep], w[keep], int((~keep).sum())


def ge0(y: ArrayLike, w: ArrayLike | None = None) -> Positive:
    y, w = _arrays(y, w)
    y, w, excluded = _positive(y, w)
    return Positive(_ge0(y, w), excluded)


def _ge0(y: np.ndarray, w: np.ndarray) -> float:
    mu = np.dot(w, y) / w.sum()
    return float(np.dot(w, np.log(mu / y)) / w.sum())


def atkinson(y: ArrayLike, w: ArrayLike | None, epsilon: float) -> Positive:
    """Atkinson index; for ε ≥ 1 over positive incomes (`excluded` says how many were left out)."""
    y, w = _arrays(y, w)
    excluded = 0
    if epsilon >= 1:
        y, w, excluded = _positive(y, w)
    mu = np.dot(w, y) / w.sum()
    if epsilon == 1:
        ede = np.exp(np.dot(w, np.log(y)) / w.sum())  # the equally distributed equivalent income
    else:
        ede = (np.dot(w, y ** (1 - epsilon)) / w.sum()) ** (1 / (1 - epsilon))
    return Positive(float(1 - ede / mu), excluded)


def _groups(groups: ArrayLike, w_mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(groups).astype(str)
    return np.unique(labels if w_mask is None else labels[w_mask], return_inverse=True)


def theil_t_by(y: ArrayLike, w: ArrayLike | None, groups: ArrayLike) -> Decomposition:
    """Theil T = Σ_g s_g T_g (within) + Σ_g s_g ln(μ_g/μ) (between), s_g the group's income share."""
    y, w, names, idx = _grouped(y, w, groups)
    total_income, mu = np.dot(w, y), np.dot(w, y) / w.sum()
    within = between = 0.0
    own = {}
    for g, name in enumerate(names):
        yg, wg = y[idx == g], w[idx == g]
        income = np.dot(wg, yg)
        own[str(name)] = _theil(yg, wg) if income > 0 else 0.0
        if income > 0:
            share = income / total_income
            within += share * own[str(name)]
            between += share * np.log((income / wg.sum()) / mu)
    return Decomposition(_theil(y, w), float(within), float(between), own)


def ge0_by(y: ArrayLike, w: ArrayLike | None, groups: ArrayLike) -> Decomposition:
    """GE(0) = Σ_g v_g GE0_g (within) + Σ_g v_g ln(μ/μ_g) (between), v_g the group's weight share;
    over positive incomes only."""
    y, w, names, idx = _grouped(y, w, groups)
    keep = y > 0
    excluded = int((~keep).sum())
    y, w, idx = y[keep], w[keep], idx[keep]
    total_w, mu = w.sum(), np.dot(w, y) / w.sum()
    within = between = 0.0
    own = {}
    for g, name in enumerate(names):
        yg, wg = y[idx == g], w[idx == g]
        if len(yg) == 0:
            continue
        own[str(name)] = _ge0(yg, wg)
        share = wg.sum() / total_w
        within += share * own[str(name)]
        between += share * np.log(mu / (np.dot(wg, yg) / wg.sum()))
    return Decomposition(_ge0(y, w), float(within), float(between), own, excluded)


def _grouped(
    y: ArrayLike, w: ArrayLike | None, groups: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    y_all = np.asarray(y, dtype=np.float64)
    w_all = np.ones_like(y_all) if w is None else np.asarray(w, dtype=np.float64)
    labels = np.asarray(groups)
    if labels.shape != y_all.shape:
        raise ValueError("one group label per unit is needed")
    y_kept, w_kept = _arrays(y_all, w_all)
    names, idx = _groups(labels, w_all > 0)
    return y_kept, w_kept, names, idx


def p90_p10(y: ArrayLike, w: ArrayLike | None = None) -> float:
    p10, p90 = quantile(y, w, [0.1, 0.9])
    return float(p90 / p10) if p10 > 0 else float("inf")
