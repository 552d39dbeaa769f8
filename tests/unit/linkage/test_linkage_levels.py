"""The shipped model's comparisons on chosen pairs, the exact pass, and routing by thresholds."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from minsheng.linkage.exact import exact_links
from minsheng.linkage.features import prepare
from minsheng.linkage.model import LinkModel, default_model_path
from minsheng.linkage.scoring import LINKED, REVIEW, UNMATCHED, decide, explain

ID = "110105198003070012"  # valid: 1980-03-07, male
PERSON = {
    "name": "张伟明",
    "birth_date": "1980-03-07",
    "sex": "1",
    "id_number": ID,
    "residence_division": "110105001001",
}


@pytest.fixture(scope="module")
def model() -> LinkModel:
    return LinkModel.load(default_model_path())


def levels(model: LinkModel, **feed: Any) -> dict[str, str]:
    out = explain(model, {**PERSON, **feed}, PERSON)
    return {step["comparison"]: step["label"] for step in out["waterfall"] if step["comparison"] != "prior"}


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("张伟明", "exact"),
        ("章伟明", "same pinyin (homophone)"),
        ("张玮明", "same pinyin (homophone)"),
        ("张伟朋", "similar-looking characters"),
        ("赞伟明", "near-homophone (accent)"),
        ("张伟", "one character dropped or added"),
        ("张伟明明", "one character dropped or added"),
        ("张伟光", "one of three characters changed"),
        ("张国庆", "surname only"),
        ("李国庆", "different"),
    ],
)
def test_name_levels(model: LinkModel, name: str, label: str) -> None:
    assert levels(model, name=name)["name"] == label


@pytest.mark.parametrize(
    ("id_number", "label"),
    [
        (ID, "exact"),
        ("110105198003070212", "one digit wrong"),
        ("110105198030070012", "two digits transposed"),
        ("110105198003075678", "differ, a check digit is invalid"),
        ("11010519491231002X", "two valid numbers differ"),
        (None, "missing"),
    ],
)
def test_id_number_levels(model: LinkModel, id_number: str | None, label: str) -> None:
    assert levels(model, id_number=id_number)["id_number"] == label


@pytest.mark.parametrize(
    ("birth_date", "label"),
    [
        ("1980/3/7", "exact"),
        ("1980-07-03", "day and month swapped"),
        ("1980-03-08", "one digit differs"),
        ("1980-11-25", "same year only"),
        ("1975-11-25", "different"),
    ],
)
def test_birth_date_levels(model: LinkModel, birth_date: str, label: str) -> None:
    assert levels(model, birth_date=birth_date, id_number=None)["dob"] == label


def test_residence_and_sex_levels(model: LinkModel) -> None:
    assert levels(model, residence_division="110105002001")["division"] == "same county, different township"
    missing = levels(model, residence_division=None, sex=None)
    assert (missing["division"], missing["sex"]) == ("missing", "missing")
    assert levels(model, sex="2")["sex"] == "different"


def test_the_waterfall_adds_up_to_the_match_weight(model: LinkModel) -> None:
    out = explain(model, {**PERSON, "name": "章伟明", "id_number": None}, PERSON, registry_size=1_000_000)
    assert sum(step["weight"] for step in out["waterfall"]) == pytest.approx(out["match_weight"], abs=1e-3)
    assert out["waterfall"][0]["comparison"] == "prior"


def test_homophone_outweighs_an_unrelated_character_and_a_wrong_number_counts_against(model: LinkModel) -> None:
    def weight(**feed: Any) -> float:
        return float(explain(model, {**PERSON, **feed}, PERSON)["match_weight"])

    assert weight(name="章伟明") > weight(name="张伟朗") > weight(name="李国庆")
    assert weight(id_number="110105198003070212") > weight(id_number="11010519491231002X")


def test_a_valid_id_with_another_name_and_birth_date_is_not_an_exact_link() -> None:
    registry = prepare(pl.DataFrame([{**PERSON, "key": "P1"}]), "key")
    same = prepare(pl.DataFrame([{**PERSON, "key": "F1", "birth_date": None}]), "key")
    wrong = prepare(pl.DataFrame([{**PERSON, "key": "F2", "name": "李秀英", "birth_date": "1949-12-31"}]), "key")
    typo = prepare(pl.DataFrame([{**PERSON, "key": "F3", "name": "章伟明"}]), "key")
    links = exact_links(pl.concat([same, wrong, typo]), registry)
    assert links.rows() == [("F1", "P1")]  # the birth date comes from the number; the others go probabilistic


def best(rows: list[tuple[str, float, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"unique_id": pl.String, "match_weight": pl.Float64, "runner_up": pl.Float64}, orient="row"
    )


def test_thresholds_route_to_linked_review_and_unmatched() -> None:
    frame = best(
        [("a", 12.0, None), ("b", 6.0, -3.0), ("c", 5.9, None), ("d", -2.0, None), ("e", -2.1, None), ("f", 12.0, 9.0)]
    )
    decided = decide(frame, upper=6.0, lower=-2.0, margin=5.0)
    expected = [LINKED, LINKED, REVIEW, REVIEW, UNMATCHED, REVIEW]  # f: a close runner-up (a twin?) → review
    assert_frame_equal(decided.select("decision"), pl.DataFrame({"decision": expected}))
    stricter = decide(frame, upper=10.0, lower=0.0, margin=5.0).get_column("decision").to_list()
    assert stricter == [LINKED, REVIEW, REVIEW, UNMATCHED, UNMATCHED, REVIEW]


def test_the_shipped_model_has_a_bounded_weight_for_every_level(model: LinkModel, tmp_path: Any) -> None:
    levels = model.levels()
    assert {lv.comparison for lv in levels} == {"name", "dob", "id_number", "sex", "division"}
    assert all(lv.weight == 0 for lv in levels if lv.gamma == -1)
    assert all(-25 < lv.weight < 25 for lv in levels)
    exact = {lv.comparison: lv.weight for lv in levels if lv.label == "exact"}
    assert exact["id_number"] > exact["name"] > 0
    again = LinkModel.load(model.save(tmp_path / "model.json"))
    assert [lv.weight for lv in again.levels()] == [lv.weight for lv in levels]
