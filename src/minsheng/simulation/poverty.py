"""Poverty against a line, and how much of the spending reaches the poor (issue 13 §1).

- FGT: Pα = Σ w (1 − y/z)^α 1[y < z] / Σ w, for α = 0 (headcount), 1 (gap), 2 (severity);
  `z` may differ by unit (the household's own dibao standard) or be one line;
- the total gap: Σ w (z − y) 1[y < z], in the unit of y and z (yuan a month per person, say);
- relative lines: a share (40, 50, 60 %) of the baseline's person-weighted median, held fixed
  under a reform;
- target efficiency: the share of spending that reaches units poor before transfers.
"""

from __future__ import annotations

import numpy as np

from minsheng.simulation.inequality import ArrayLike, quantile

RELATIVE_LINES = (0.4, 0.5, 0.6)


def _poverty_inputs(y: ArrayLike, w: ArrayLike | None, z: ArrayLike | float) -> tuple[np.ndarray, ...]:
    y = np.asarray(y, dtype=np.float64)
    w = np.ones_like(y) if w is None else np.asarray(w, dtype=np.float64)
    z = np.broadcast_to(np.asarray(z, dtype=np.float64), y.shape)
    known = ~np.isnan(z)  # a unit whose line is unknown (no standard set) is in no count
    return y[known], w[known], z[known]


def fgt(y: ArrayLike, w: ArrayLike | None, z: ArrayLike | float, alpha: int) -> float:
    return fgt_all(y, w, z)[alpha]


def fgt_all(y: ArrayLike, w: ArrayLike | None, z: ArrayLike | float) -> tuple[float, float, float, float]:
    """(P0, P1, P2, total gap) against one line, in one pass over the poor."""
    y, w, z = _poverty_inputs(y, w, z)
    poor = y < z  # the poor are few: every sum below runs over them alone
    yp, wp, zp = y[poor], w[poor], z[poor]
    share = np.divide(zp - yp, zp, out=np.ones_like(yp), where=zp > 0)  # 1 − y/z
    total = w.sum()
    return (
        float(wp.sum() / total),
        float(np.dot(wp, share) / total),
        float(np.dot(wp, share * share) / total),
        float(np.dot(wp, zp - yp)),
    )


def total_gap(y: ArrayLike, w: ArrayLike | None, z: ArrayLike | float) -> float:
    return fgt_all(y, w, z)[3]


def relative_lines(y: ArrayLike, w: ArrayLike | None) -> dict[float, float]:
    """40 / 50 / 60 % of the person-weighted median (of the baseline: hold them fixed after)."""
    median = float(quantile(y, w, 0.5)[0])
    return {share: share * median for share in RELATIVE_LINES}


def target_efficiency(benefit: ArrayLike, w: ArrayLike | None, poor_before: ArrayLike) -> float:
    """Σ w·benefit over units poor before transfers ÷ Σ w·benefit (NaN when nothing is spent)."""
    b = np.asarray(benefit, dtype=np.float64)
    w = np.ones_like(b) if w is None else np.asarray(w, dtype=np.float64)
    spent = float(np.dot(w, b))
    return float(np.dot(w * b, np.asarray(poor_before, dtype=bool))) / spent if spent else float("nan")
