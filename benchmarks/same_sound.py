"""How often the linkage's pinyin keys agree on same-sound and on different-sounding names.

    python benchmarks/same_sound.py

Issue 11 §1: a clerk who hears 乐 may type 越 (yuè) or 勒 (lè); a key that reads each
character only by its most common reading misses half of those. Pairs are built over the
characters of real given names (`independent_names`, not the synthetic generator's) and
their same-sound partners from pypinyin's own dictionary, over ALL readings of the intended
character: (intended, partner) is same-sound when they share a toneless reading. Each pair is
put in the same name frame (surname 王, the character as the given name) and the key
function's values compared: equal strings agree; if the key gives several values per name
(a list or set, e.g. one per reading), the pair agrees when they share one.

Targets (issue 11): same-sound pairs agree ≥ 95 %, different-sounding pairs (no reading in
common) ≤ 1 %. `measure()` returns the shares for intended characters with one reading and
with several, so the linkage engineer can call it with a new key function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import independent_names as N

TARGET_SAME, TARGET_DIFFERENT = 0.95, 0.01
Key = Callable[[Sequence[str]], Sequence[Any]]


def pinyin_key(column: str = "name_sounds") -> Key:
    """The linkage's key (`minsheng.linkage.chinese.name_keys`), one column of it."""

    def key(names: Sequence[str]) -> Sequence[Any]:
        import polars as pl

        from minsheng.linkage.chinese import name_keys

        return name_keys(pl.Series(list(names), dtype=pl.String)).get_column(column).to_list()

    return key


@dataclass(frozen=True, slots=True)
class Shares:
    same_one_reading: float  # same-sound pairs whose intended character has one reading
    same_several: float  # … several readings (polyphonic)
    same_all: float
    different: float  # different-sounding pairs
    pairs: dict[str, int]


def name_characters() -> tuple[str, ...]:
    """Characters used in real given names (both hand-written lists)."""
    return tuple(dict.fromkeys(N.GIVEN_MALE + N.GIVEN_FEMALE))


def same_sound_pairs(chars: Iterable[str]) -> list[tuple[str, str, bool]]:
    """(intended, partner, intended is polyphonic) for every reading of every character."""
    out = []
    for c in chars:
        readings = N.all_readings(c)
        seen: set[str] = set()
        for r in readings:
            for p in N.partners(c, r):
                if p not in seen:
                    seen.add(p)
                    out.append((c, p, len(readings) > 1))
    return out


def different_pairs(chars: Sequence[str], n: int, seed: int = 11) -> list[tuple[str, str]]:
    """`n` random (name character, pool character) pairs with no toneless reading in common."""
    rng = np.random.default_rng(seed)
    pool = N.common_pool()
    out: list[tuple[str, str]] = []
    while len(out) < n:
        c, p = chars[int(rng.integers(len(chars)))], pool[int(rng.integers(len(pool)))]
        if not set(N.all_readings(c)) & set(N.all_readings(p)):
            out.append((c, p))
    return out


def _agree(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    left = {a} if isinstance(a, str) else set(a)
    right = {b} if isinstance(b, str) else set(b)
    return bool(left & right)


def _share(pairs: Sequence[tuple[str, str]], key: Key) -> float:
    if not pairs:
        return float("nan")
    left = key([f"王{a}" for a, _ in pairs])
    right = key([f"王{b}" for _, b in pairs])
    return sum(_agree(x, y) for x, y in zip(left, right, strict=True)) / len(pairs)


def measure(key: Key | None = None, chars: Sequence[str] | None = None) -> Shares:
    """Shares of agreeing keys; `key` maps names to key values (default: `name_sounds`, every
    reading of every character, the key the linkage compares names on)."""
    key = key or pinyin_key()
    chars = tuple(chars or name_characters())
    same = same_sound_pairs(chars)
    one = [(a, b) for a, b, poly in same if not poly]
    several = [(a, b) for a, b, poly in same if poly]
    different = different_pairs(chars, len(same))
    return Shares(
        same_one_reading=_share(one, key),
        same_several=_share(several, key),
        same_all=_share([(a, b) for a, b, _ in same], key),
        different=_share(different, key),
        pairs={"one_reading": len(one), "several": len(several), "different": len(different)},
    )


if __name__ == "__main__":
    for column in ("name_py", "name_fz", "name_sounds"):
        print(column, measure(pinyin_key(column)))
