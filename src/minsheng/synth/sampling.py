"""Vectorised sampling helpers shared by the generator's stages."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def allocate(total: int, weights: npt.ArrayLike) -> IntArray:
    """Split `total` into integer counts proportional to `weights` (largest remainder),
    so that shares are hit exactly rather than up to sampling noise.

    >>> allocate(10, [1, 1, 2]).tolist()
    [3, 2, 5]
    """
    w = np.asarray(weights, dtype=np.float64)
    exact = total * w / w.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    if short:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


def pick(rng: np.random.Generator, weights: FloatArray, k: int) -> BoolArray:
    """Choose exactly `k` items without replacement, item i with propensity `weights[i]`
    (Efraimidis–Spirakis keys); items of weight 0 are never chosen."""
    n = len(weights)
    chosen = np.zeros(n, dtype=bool)
    positive = weights > 0
    k = int(min(max(k, 0), int(positive.sum())))
    if k == 0:
        return chosen
    keys = np.full(n, np.inf)
    keys[positive] = rng.exponential(size=int(positive.sum())) / weights[positive]
    chosen[np.argpartition(keys, k - 1)[:k]] = True
    return chosen


def categorical(rng: np.random.Generator, probs: FloatArray) -> IntArray:
    """One draw per row of a (n, k) matrix of probabilities (rows need not sum to one)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), probs.shape[1] - 1).astype(np.int64)


def piecewise_uniform(rng: np.random.Generator, n: int, edges: Sequence[float], probs: Sequence[float]) -> FloatArray:
    """Draws from a histogram: bin i = [edges[i], edges[i+1]) with probability probs[i]."""
    p = np.asarray(probs, dtype=np.float64)
    b = rng.choice(len(p), size=n, p=p / p.sum())
    lo = np.asarray(edges[:-1])[b]
    hi = np.asarray(edges[1:])[b]
    return lo + (hi - lo) * rng.random(n)


def bisect(f: Callable[[float], float], lo: float, hi: float, iters: int = 80) -> float:
    """Root of an increasing function on [lo, hi] (f(lo) < 0 < f(hi) assumed)."""
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def group_sum(groups: IntArray, values: npt.ArrayLike, n_groups: int) -> FloatArray:
    sums: FloatArray = np.bincount(groups, weights=np.asarray(values, dtype=np.float64), minlength=n_groups).astype(
        np.float64
    )
    return sums


def weighted_median(values: FloatArray, weights: FloatArray) -> float:
    if len(values) == 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    i = int(np.searchsorted(cum, 0.5 * cum[-1]))
    return float(values[order][i])


def rank_within(values: FloatArray, group: BoolArray) -> FloatArray:
    """Percentile (0–1) of each value within its group (True or False)."""
    rank = np.zeros(len(values))
    for g in (True, False):
        sel = np.flatnonzero(group == g)
        rank[sel[np.argsort(values[sel], kind="stable")]] = (np.arange(len(sel)) + 0.5) / max(len(sel), 1)
    return rank
