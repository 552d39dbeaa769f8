"""Citizen ID numbers (公民身份号码, GB 11643) and phone numbers.

The address code is the hukou county, the date the birth date and the
sequence code's parity the sex. Sequences are ranks inside each (county,
birth date, sex) group, shifted by a random offset per group, so numbers are
unique across the population. The check character comes from
`minsheng.codes.id_number.check_char_expr`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from minsheng.codes.id_number import MAX_SEQUENCES, check_char_expr
from minsheng.synth.households import Members
from minsheng.synth.sampling import BoolArray, IntArray, pick

# Mobile prefixes 13x, 15x, 18x, 19x in use.
_PREFIXES = np.array(
    [
        *range(130, 140),
        150,
        151,
        152,
        153,
        155,
        156,
        157,
        158,
        159,
        *range(180, 190),
        191,
        193,
        195,
        196,
        197,
        198,
        199,
    ],
    dtype=np.int64,
)


def id_numbers(m: Members, region: IntArray, urban: BoolArray, coverage: float, rng: np.random.Generator) -> pl.Series:
    """ID numbers, null for the (1 − coverage) share without one on file: mostly
    infants not yet registered, rural elderly and other children (assumption)."""
    n = len(m.hh)
    birth_day = m.birth.astype(np.int64)
    order = np.lexsort((rng.random(n), m.sex, birth_day, region))
    key_r, key_b, key_s = region[order], birth_day[order], m.sex[order]
    start = np.r_[True, (key_r[1:] != key_r[:-1]) | (key_b[1:] != key_b[:-1]) | (key_s[1:] != key_s[:-1])]
    group = np.cumsum(start) - 1
    starts = np.flatnonzero(start)
    size = np.diff(np.r_[starts, n])
    limit = np.where(key_s[starts] == 1, MAX_SEQUENCES[1], MAX_SEQUENCES[2])
    if (size > limit).any():
        raise ValueError("more persons share a county, birth date and sex than GB 11643 has sequence codes")
    offset = np.floor(rng.random(len(starts)) * (limit - size + 1)).astype(np.int64)
    seq_sorted = offset[group] + np.arange(n) - starts[group]
    seq = np.empty(n, dtype=np.int64)
    seq[order] = seq_sorted
    code = 2 * seq + np.where(m.sex == 1, 1, 2)  # odd for men, even for women (GB 11643 §4)

    ymd = _yyyymmdd(m.birth)
    body = pl.Series("body", region * 10**11 + ymd * 1000 + code).cast(pl.String)
    frame = pl.DataFrame({"body": body}).select((pl.col("body") + check_char_expr(pl.col("body"))).alias("id_number"))
    missing_w = np.select([m.age < 1, (m.age >= 75) & ~urban, m.age < 16], [6.0, 4.0, 2.0], 0.3)
    missing = pick(rng, missing_w, round((1 - coverage) * n))
    return frame.to_series().scatter(np.flatnonzero(missing), None)


def _yyyymmdd(days: npt.NDArray[np.datetime64]) -> IntArray:
    months = days.astype("datetime64[M]").astype(np.int64)
    day = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    return (months // 12 + 1970) * 10_000 + (months % 12 + 1) * 100 + day


def phones(age: IntArray, rng: np.random.Generator) -> pl.Series:
    """Unique 11-digit mobile numbers for most adults and some teenagers (assumption:
    97% of 16–64, 85% of 65–79, 60% of 80+, 30% of 13–15)."""
    n = len(age)
    has = rng.random(n) < np.select([age < 13, age < 16, age < 65, age < 80], [0.0, 0.3, 0.97, 0.85], 0.6)
    k = int(has.sum())
    numbers = _PREFIXES[rng.integers(0, len(_PREFIXES), k)] * 10**8 + rng.integers(0, 10**8, k)
    while True:  # redraw the rare duplicates until all are distinct
        order = np.argsort(numbers, kind="stable")
        dup = order[1:][numbers[order][1:] == numbers[order][:-1]]
        if len(dup) == 0:
            break
        numbers[dup] = _PREFIXES[rng.integers(0, len(_PREFIXES), len(dup))] * 10**8 + rng.integers(0, 10**8, len(dup))
    full = np.zeros(n, dtype=np.int64)
    full[has] = numbers
    return pl.Series("phone", full).cast(pl.String).scatter(np.flatnonzero(~has), None)
