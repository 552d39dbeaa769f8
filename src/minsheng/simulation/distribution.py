"""Who is where in the distribution, and who gains or loses (issue 13 §1).

- Deciles are person-weighted and never split a household: households are ordered by their
  (equivalised) income, each carrying persons × weight, and a household falls in the decile
  that holds the midpoint of its own weight — so a decile may hold a little more or less than
  a tenth of persons, never half a household.
- Palma: the income of the top decile over the income of the bottom four (by those deciles).
- Winners and losers in five bands of the change in a household's income (after − before):
  no change when the change is under 0.1 % or under 1 yuan a month; otherwise gain (or loss)
  of 0.1–5 % or of more than 5 %. A household with no income before is classed by the
  absolute change alone: any change of 1 yuan a month or more is more than 5 % of nothing.
"""

from __future__ import annotations

import numpy as np

from minsheng.simulation.inequality import ArrayLike, ranking

BANDS = ("loss_over_5", "loss_under_5", "no_change", "gain_under_5", "gain_over_5")
BAND_LABELS = {
    "loss_over_5": ("减少5%以上", "lose more than 5 %"),
    "loss_under_5": ("减少0.1%–5%", "lose 0.1–5 %"),
    "no_change": ("基本不变", "no change"),
    "gain_under_5": ("增加0.1%–5%", "gain 0.1–5 %"),
    "gain_over_5": ("增加5%以上", "gain more than 5 %"),
}
NO_CHANGE_SHARE = 0.001  # 0.1 %
NO_CHANGE_FEN = 100  # 1 yuan a month
LARGE_SHARE = 0.05


def deciles(income: ArrayLike, persons_weight: ArrayLike, *, order: np.ndarray | None = None) -> np.ndarray:
    """Decile 1–10 of each household; `persons_weight` is its persons × its weight."""
    y = np.asarray(income, dtype=np.float64)
    w = np.asarray(persons_weight, dtype=np.float64)
    if len(y) == 0:
        return np.empty(0, dtype=np.int8)
    order = ranking(y) if order is None else order
    cum = np.cumsum(w[order])
    midpoint = (cum - w[order] / 2) / cum[-1]
    out = np.empty(len(y), dtype=np.int8)
    out[order] = np.minimum(np.floor(midpoint * 10).astype(np.int64) + 1, 10)
    return out


def palma(
    income: ArrayLike, persons_weight: ArrayLike, decile: ArrayLike | None = None, *, order: np.ndarray | None = None
) -> float:
    """Top decile's income over the bottom four deciles' (per-capita income × persons × weight)."""
    y = np.asarray(income, dtype=np.float64)
    w = np.asarray(persons_weight, dtype=np.float64)
    d = deciles(y, w, order=order) if decile is None else np.asarray(decile)
    bottom = float(np.dot(w[d <= 4], y[d <= 4]))
    top = float(np.dot(w[d == 10], y[d == 10]))
    return top / bottom if bottom > 0 else float("inf")


def bands(before_fen: ArrayLike, after_fen: ArrayLike) -> np.ndarray:
    """Each household's band (an index into BANDS) from its monthly income before and after, in fen."""
    before = np.asarray(before_fen, dtype=np.float64)
    change = np.asarray(after_fen, dtype=np.float64) - before
    has_income = before > 0
    share = np.divide(change, before, out=np.zeros_like(change), where=has_income)
    small = (np.abs(change) < NO_CHANGE_FEN) | (has_income & (np.abs(share) < NO_CHANGE_SHARE))
    large = ~has_income | (np.abs(share) > LARGE_SHARE)
    out = np.where(change > 0, np.where(large, 4, 3), np.where(large, 0, 1))
    return np.where(small, 2, out).astype(np.int8)
