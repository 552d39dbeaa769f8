"""The independent test county (benchmarks/independent_county.py, issue 11 §1)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import polars as pl
import pytest

BENCH = Path(__file__).parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import independent_county as I  # noqa: E402
import independent_names as N  # noqa: E402
from minsheng.codes.id_number import is_valid  # noqa: E402


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", ["independent_county.py", "independent_names.py", "same_sound.py"])
def test_the_generator_imports_nothing_from_synth(module: str) -> None:
    found = imported(BENCH / module)
    assert not {m for m in found if m == "minsheng.synth" or m.startswith("minsheng.synth.")}
    # From minsheng only the contract (codes, columns) and, for the measure, the linkage keys.
    allowed = ("minsheng.codes", "minsheng.contract", "minsheng.linkage")
    assert all(m.startswith(allowed) for m in found if m.startswith("minsheng"))


@pytest.fixture(scope="module")
def county() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    return I.generate(12_000, 8_000, seed=3, profile="harsh")


def test_registry_follows_the_contract(county: tuple[pl.DataFrame, ...]) -> None:
    households, people, _feed, _truth = county
    assert people.height == 12_000
    assert set(people.get_column("household_id")) <= set(households.get_column("household_id"))
    ids = people.get_column("id_number").drop_nulls()
    assert ids.n_unique() == ids.len() and all(is_valid(x) for x in ids)
    heads = people.filter(pl.col("relation") == "02")
    assert heads.height == households.height
    assert (people.get_column("name").str.len_chars() >= 2).all()


def test_feed_has_the_harsh_rates_and_the_truth(county: tuple[pl.DataFrame, ...]) -> None:
    _households, people, feed, truth = county
    assert feed.select(pl.col("id_number").is_null().mean()).item() == pytest.approx(0.30, abs=0.02)
    assert feed.select(pl.col("birth_date").is_null().mean()).item() == pytest.approx(0.15, abs=0.02)
    assert (feed.get_column("residence_division") == "110105").all()
    assert truth.get_column("person_id").is_null().mean() == pytest.approx(0.10, abs=0.015)
    other = truth.filter(pl.col("noise").str.contains("id_other_person"))
    assert other.height > 0
    wrong = feed.join(other, on=["source", "record_id"]).join(
        people.select("person_id", pl.col("id_number").alias("true_id")), on="person_id"
    )
    # The number is another registry person's valid one, not the record's own.
    assert (wrong.get_column("id_number") != wrong.get_column("true_id")).all()
    assert wrong.get_column("id_number").is_in(people.get_column("id_number").implode()).all()


def test_homophones_use_every_reading_of_a_character() -> None:
    # 乐 read yuè gives 越-like partners, read lè gives 勒-like ones: both must be drawn.
    import numpy as np

    rng = np.random.default_rng(1)
    out = {I._name_op("王乐", "homophone", rng) for _ in range(400)}
    readings = {r for name in out if name for r in N.all_readings(name[1])}
    assert {"le", "yue"} <= readings


def test_frames_match_the_evaluation(county: tuple[pl.DataFrame, ...]) -> None:
    registry, feed, truth = I.frames(3_000, 1_000, seed=2, profile="default")
    assert registry.columns == [
        "person_id",
        "household_id",
        "id_number",
        "name",
        "birth_date",
        "sex",
        "residence_division",
    ]
    assert feed.columns == ["feed_key", "id_number", "name", "birth_date", "sex", "residence_division"]
    assert truth.columns == ["feed_key", "person_id", "noise"]
    assert feed.get_column("feed_key").n_unique() == feed.height == truth.height
