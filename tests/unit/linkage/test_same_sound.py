"""Same-sound name pairs and the linkage's pinyin keys (issue 11 §1), measured by
benchmarks/same_sound.py over real given-name characters and pypinyin's own dictionary."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[3] / "benchmarks"))

import same_sound as S


@pytest.fixture(scope="module")
def shares() -> S.Shares:
    return S.measure()


def test_pairs_cover_characters_with_one_reading_and_with_several(shares: S.Shares) -> None:
    assert shares.pairs["one_reading"] > 500 and shares.pairs["several"] > 500


def test_a_key_that_ignores_sound_separates_the_measures() -> None:
    # A key giving every name the same value agrees everywhere; a key of the written name never
    # on two different characters: the measure sees the key, not the pairs.
    chars = S.name_characters()[:40]
    same = S.measure(lambda names: ["x"] * len(names), chars)
    assert same.same_all == 1.0 and same.different == 1.0
    written = S.measure(lambda names: list(names), chars)
    assert written.same_all == 0.0 and written.different == 0.0


def test_same_sound_pairs_agree(shares: S.Shares) -> None:
    assert shares.same_one_reading >= S.TARGET_SAME
    assert shares.same_several >= S.TARGET_SAME


def test_different_sounding_pairs_rarely_agree(shares: S.Shares) -> None:
    assert shares.different <= S.TARGET_DIFFERENT
