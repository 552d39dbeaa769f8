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
    return (y, w) if keep.all() else (y[keep], w[keep])


def mean(y: ArrayLike, w: ArrayLike | None = None) -> float:
    y, w = _arrays(y, w)
    return float(np.dot(w, y) / w.sum())


def ranking(y: ArrayLike) -> np.ndarray:
    """The order that sorts incomes ascending (stable): pass it as `order=` to measures of the
    same incomes and weights (with no zero weight) so they sort once, not each."""
    return np.argsort(np.asarray(y, dtype=np.float64), kind="stable")


def _order(y: np.ndarray, order: np.ndarray | None) -> np.ndarray:
    if order is None:
        return ranking(y)
    if len(order) != len(y):
        raise ValueError("order= was made for other incomes (units of zero weight are left out of the measures)")
    return order


def quantile(
    y: ArrayLike, w: ArrayLike | None, q: float | list[float] | ArrayLike, *, order: np.ndarray | None = None
) -> np.ndarray:
    """Weighted quantiles by the inverse CDF: the smallest y whose cumulative weight share ≥ q."""
    y, w = _arrays(y, w)
    order = _order(y, order)
    y, share = y[order], np.cumsum(w[order])
    share /= share[-1]
    at = np.searchsorted(share, np.atleast_1d(np.asarray(q, dtype=np.float64)), side="left")
    return y[np.minimum(at, len(y) - 1)]


def gini(y: ArrayLike, w: ArrayLike | None = None, *, order: np.ndarray | None = None) -> float:
    """Weighted Gini, no small-sample correction (ties in any order give the same value)."""
    y, w = _arrays(y, w)
    order = _order(y, order)
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


@dataclass(frozen=True)
class Groups:
    """Group labels as integer codes (made once, reused for every income vector)."""

    codes: np.ndarray  # int64, one per unit
    names: tuple[str, ...]

    @classmethod
    def of(cls, labels: ArrayLike) -> Groups:
        names, codes = np.unique(np.asarray(labels).astype(str), return_inverse=True)
        return cls(codes.astype(np.int64), tuple(str(n) for n in names))


def theil_t_by(y: ArrayLike, w: ArrayLike | None, groups: ArrayLike | Groups) -> Decomposition:
    """Theil T = Σ_g s_g T_g (within) + Σ_g s_g ln(μ_g/μ) (between), s_g the group's income share."""
    y, w, g, names = _grouped(y, w, groups)
    k = len(names)
    weight, income = np.bincount(g, w, k), np.bincount(g, w * y, k)
    has = income > 0
    mu_g = np.divide(income, weight, out=np.zeros(k), where=weight > 0)
    r = np.divide(y, mu_g[g], out=np.zeros_like(y), where=mu_g[g] > 0)
    terms = np.zeros_like(r)
    pos = r > 0
    terms[pos] = r[pos] * np.log(r[pos])  # 0 · ln 0 = 0
    own = np.divide(np.bincount(g, w * terms, k), weight, out=np.zeros(k), where=weight > 0)
    share, mu = income / income.sum(), income.sum() / weight.sum()
    within = float(np.dot(share[has], own[has]))
    between = float(np.dot(share[has], np.log(mu_g[has] / mu)))
    return Decomposition(_theil(y, w), within, between, _named(names, own, weight > 0))


def ge0_by(y: ArrayLike, w: ArrayLike | None, groups: ArrayLike | Groups) -> Decomposition:
    """GE(0) = Σ_g v_g GE0_g (within) + Σ_g v_g ln(μ/μ_g) (between), v_g the group's weight share;
    over positive incomes only."""
    y, w, g, names = _grouped(y, w, groups)
    keep = y > 0
    excluded = int((~keep).sum())
    y, w, g = y[keep], w[keep], g[keep]
    k = len(names)
    weight, income = np.bincount(g, w, k), np.bincount(g, w * y, k)
    has = weight > 0
    mu_g = np.divide(income, weight, out=np.zeros(k), where=has)
    own = np.divide(np.bincount(g, w * np.log(mu_g[g] / y), k), weight, out=np.zeros(k), where=has)
    share, mu = weight / weight.sum(), income.sum() / weight.sum()
    within = float(np.dot(share[has], own[has]))
    between = float(np.dot(share[has], np.log(mu / mu_g[has])))
    return Decomposition(_ge0(y, w), within, between, _named(names, own, has), excluded)


def _named(names: tuple[str, ...], values: np.ndarray, present: np.ndarray) -> dict[str, float]:
    return {name: float(v) for name, v, p in zip(names, values, present, strict=True) if p}


def _grouped(
    y: ArrayLike, w: ArrayLike | None, groups: ArrayLike | Groups
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    y_all = np.asarray(y, dtype=np.float64)
    w_all = np.ones_like(y_all) if w is None else np.asarray(w, dtype=np.float64)
    groups = groups if isinstance(groups, Groups) else Groups.of(groups)
    if groups.codes.shape != y_all.shape:
        raise ValueError("one group label per unit is needed")
    y_kept, w_kept = _arrays(y_all, w_all)
    return y_kept, w_kept, groups.codes[w_all > 0], groups.names


def p90_p10(y: ArrayLike, w: ArrayLike | None = None, *, order: np.ndarray | None = None) -> float:
    p10, p90 = quantile(y, w, [0.1, 0.9], order=order)
    return float(p90 / p10) if p10 > 0 else float("inf")
