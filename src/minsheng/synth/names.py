"""Chinese names (姓名) for synthetic persons.

Surname shares: the 2010 top 20 (PF2 §4.3); ranks 21–100 in the MPS 2020
order, their shares decaying geometrically from rank 20 so that the top 100
cover 85.9% (PF2 §4.2); the remaining 14.1% over the tail list, decaying like
1/rank. Children take the father's surname, the mother's one time in 13
(households.py). Given names: one or two characters from cohort- and
sex-specific pools (names_data.py).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl

from minsheng.synth import names_data as D
from minsheng.synth import targets as T
from minsheng.synth.households import S_OWN, Members
from minsheng.synth.sampling import FloatArray, IntArray, bisect


@cache
def surname_table() -> tuple[tuple[str, ...], FloatArray]:
    """All surnames, most common first, and their population shares (sum 1)."""
    top20 = [s for s, _ in D.TOP20]
    head = [share / 100 for _, share in D.TOP20]
    ranks = list(D.RANK_21_100)
    rest = T.TOP100_SURNAME_SHARE.value - sum(head)
    last = head[-1]
    k = np.arange(1, len(ranks) + 1)

    def gap(q: float) -> float:
        return float((last * q**k).sum() - rest)

    q = bisect(gap, 0.5, 0.9999)
    seen = set(top20 + ranks)
    tail = [s for s in dict.fromkeys(D.TAIL) if s not in seen]
    tail_w = 1 / np.arange(1, len(tail) + 1)
    shares = np.concatenate([head, last * q**k, (1 - T.TOP100_SURNAME_SHARE.value) * tail_w / tail_w.sum()])
    return tuple(top20 + ranks + tail), shares / shares.sum()


def draw(m: Members, rng: np.random.Generator) -> tuple[pl.Series, IntArray]:
    """Full names, and each person's surname as an index into `surname_table()`."""
    names, shares = surname_table()
    n_hh, n = len(m.kind), len(m.hh)
    # Household-level surnames for the slots S_HEAD … S_ABSENT, and each person's own.
    slots = rng.choice(len(names), size=(n_hh, S_OWN), p=shares)
    own = rng.choice(len(names), size=n, p=shares)
    family = slots[m.hh, np.minimum(m.surname_slot, S_OWN - 1)]
    surname = np.where(m.surname_slot == S_OWN, own, family)

    year = m.birth.astype("datetime64[Y]").astype(np.int64) + 1970
    cohort = np.select([year < 1970, year < 2000], [0, 1], 2)
    pools = [*D.MALE, *D.FEMALE]  # pool index = 3 × (sex − 1) + cohort
    chars = [c for pool in pools for c in pool] + [""]
    sizes = np.array([len(p) for p in pools])
    offsets = np.cumsum(sizes) - sizes
    pool = 3 * (m.sex - 1) + cohort
    first = offsets[pool] + np.floor(rng.random(n) * sizes[pool]).astype(np.int64)
    second = offsets[pool] + np.floor(rng.random(n) * sizes[pool]).astype(np.int64)
    one_char = rng.random(n) < np.asarray(D.ONE_CHAR_SHARE)[cohort]
    second = np.where(one_char, len(chars) - 1, second)

    char_series = pl.Series(chars, dtype=pl.String)
    frame = pl.DataFrame(
        {
            "s": pl.Series(names, dtype=pl.String).gather(surname),
            "a": char_series.gather(first),
            "b": char_series.gather(second),
        }
    )
    return frame.select(pl.concat_str(["s", "a", "b"]).alias("name")).to_series(), surname
