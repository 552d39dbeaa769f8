"""Issue 11 §1, one test per cause: blocking without a birth date or township and with a
mistyped birth date inside the ID number; location compared at the finest common level and
never rewarding disagreement; a birth date read from someone else's ID number not counted twice;
polyphonic homophones; name frequencies; records with neither ID nor birth date never linked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from minsheng.codes.id_number import check_char
from minsheng.linkage import comparisons as C
from minsheng.linkage.chinese import all_readings, same_sound
from minsheng.linkage.exact import exact_links
from minsheng.linkage.features import prepare
from minsheng.linkage.model import LinkModel, default_model_path
from minsheng.linkage.pipeline import link_records
from minsheng.linkage.scoring import LINKED, LOWER, REVIEW, UNMATCHED, UPPER, best_candidates, decide, explain


def valid(first17: str) -> str:
    return first17 + check_char(first17)


ID_A = valid("11010519800307001")  # 1980-03-07, male
ID_B = valid("11010519650912003")  # 1965-09-12, male
PERSON_A = {
    "name": "张伟明",
    "birth_date": "1980-03-07",
    "sex": "1",
    "id_number": ID_A,
    "residence_division": "110105001001",
}
PERSON_B = {"name": "欧阳建国", "birth_date": None, "sex": "1", "id_number": ID_B, "residence_division": "110105002001"}
SCHEMA = {"key": pl.String, "name": pl.String, "birth_date": pl.String, "sex": pl.String, "id_number": pl.String}
SCHEMA |= {"residence_division": pl.String}


@pytest.fixture(scope="module")
def model() -> LinkModel:
    return LinkModel.load(default_model_path())


def frame(*records: dict[str, Any]) -> pl.DataFrame:
    return prepare(pl.DataFrame(list(records), schema=SCHEMA), "key")


def registry(extra: int = 200) -> list[dict[str, Any]]:
    """Persons A and B and `extra` others (distinct names, so A's name and sex are unique)."""
    others = [
        {
            "key": f"P{i}",
            "name": f"{'王李赵钱孙'[i % 5]}{'一二三四五六七八九十'[i // 20 % 10]}{'甲乙丙丁戊己庚辛壬癸'[i % 10]}",
            "birth_date": f"19{50 + i % 40}-0{1 + i % 9}-1{i % 10}",
            "sex": "2",
            "id_number": None,
            "residence_division": "110105003001",
        }
        for i in range(extra)
    ]
    return [{**PERSON_A, "key": "A"}, {**PERSON_B, "key": "B"}, *others]


# Blocking ----------------------------------------------------------------------------------


def pairs_reached(feed: pl.DataFrame, people: pl.DataFrame) -> list[bool]:
    joined = feed.rename(lambda c: f"{c}_l").join(people.rename(lambda c: f"{c}_r"), how="cross")
    return joined.select(C.reached()).to_series().to_list()


def test_a_record_without_birth_date_or_township_still_reaches_its_person(model: LinkModel) -> None:
    feed = frame({**PERSON_A, "key": "F", "birth_date": None, "id_number": None, "residence_division": "110105"})
    person = frame({**PERSON_A, "key": "A"})
    assert pairs_reached(feed, person) == [True]
    # and Splink blocks it too: the candidate is scored
    best = best_candidates(feed, frame(*registry()), model)
    assert best.get_column("person_id").to_list() == ["A"]


@pytest.mark.parametrize("position", range(7, 15))
def test_an_id_with_one_wrong_digit_in_the_birth_date_still_blocks(position: int) -> None:
    digit = str((int(ID_A[position - 1]) + 3) % 10)
    typo = ID_A[: position - 1] + digit + ID_A[position:]
    # a different given name and no declared date: only the number can bring the pair together
    feed = frame({**PERSON_A, "key": "F", "name": "张国强", "birth_date": None, "id_number": typo})
    assert feed.get_column("dob").to_list() == [None]  # an invalid number gives no birth date
    assert pairs_reached(feed, frame({**PERSON_A, "key": "A"})) == [True]


def test_ids_with_wrong_digits_are_scored_against_their_person(model: LinkModel) -> None:
    typos = [ID_A[: p - 1] + str((int(ID_A[p - 1]) + 3) % 10) + ID_A[p:] for p in range(7, 15)]
    records = [{**PERSON_A, "key": f"F{i}", "birth_date": None, "id_number": t} for i, t in enumerate(typos)]
    best = best_candidates(frame(*records), frame(*registry()), model)
    assert sorted(best.filter(pl.col("person_id") == "A").get_column("unique_id")) == [f"F{i}" for i in range(8)]


def test_a_transposition_across_the_fragments_edge_still_blocks() -> None:
    swapped = ID_A[:13] + ID_A[14] + ID_A[13] + ID_A[15:]  # positions 14 and 15
    if swapped == ID_A:
        pytest.skip("the two digits are equal")
    feed = frame({**PERSON_A, "key": "F", "name": "张国强", "birth_date": None, "id_number": swapped})
    assert pairs_reached(feed, frame({**PERSON_A, "key": "A"})) == [True]


# Location ----------------------------------------------------------------------------------


def division_level(model: LinkModel, feed: str | None, person: str | None) -> tuple[str, float]:
    out = explain(model, {**PERSON_A, "residence_division": feed}, {**PERSON_A, "residence_division": person})
    step = next(s for s in out["waterfall"] if s["comparison"] == "division")
    return step["label"], step["weight"]


@pytest.mark.parametrize(
    ("feed", "person", "label"),
    [
        ("110105001001", "110105001002", "same township"),
        ("110105", "110105001001", "same county"),  # the finest level both have is the county
        ("110105001001", "110105", "same county"),
        ("110105001001", "110105002001", "same county, different township"),
        ("110105", "110106001001", "different county"),
        ("110106001001", "110105001001", "different county"),
    ],
)
def test_residence_is_compared_at_the_finest_level_both_records_have(
    model: LinkModel, feed: str, person: str, label: str
) -> None:
    assert division_level(model, feed, person)[0] == label


def test_the_shipped_model_never_rewards_disagreement(model: LinkModel) -> None:
    levels = {(lv.comparison, lv.label): lv.weight for lv in model.levels()}
    assert all(levels[key] <= 0 for key in C.DISAGREEMENT)
    assert levels[("division", "same county")] >= 0  # agreeing on a 6-digit code is no evidence against
    assert levels[("division", "same township")] > levels[("division", "same county, different township")]


def test_a_model_trained_to_reward_disagreement_is_capped(model: LinkModel, tmp_path: Path) -> None:
    data = json.loads(default_model_path().read_text(encoding="utf-8"))
    for comparison in data["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("label_for_charts") in ("different county", "same county, different township", "different"):
                level["m_probability"], level["u_probability"] = 0.9, 0.01  # +6.5 bits as trained
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    bad = LinkModel.load(tmp_path / "bad.json")
    assert all(lv.weight <= 0 for lv in bad.levels() if (lv.comparison, lv.label) in C.DISAGREEMENT)
    assert division_level(bad, "110105001001", "110106001001")[1] <= 0


# A birth date read from the ID number ------------------------------------------------------


def test_a_date_derived_from_the_records_own_number_is_not_counted_twice(model: LinkModel) -> None:
    # The feed holds B's valid number (no declared date: ingest read it from the number) and A's name.
    feed = {**PERSON_A, "birth_date": None, "id_number": ID_B}
    steps = {s["comparison"]: s for s in explain(model, feed, PERSON_B)["waterfall"]}
    assert steps["dob"]["label"] == "missing"  # the number's own date adds nothing to the number
    assert steps["id_number"]["label"] == "exact"
    # declared, the same date is evidence of its own (here: against)
    declared = {s["comparison"]: s for s in explain(model, {**feed, "birth_date": "1980-03-07"}, PERSON_B)["waterfall"]}
    assert declared["dob"]["label"] == "different"


def test_another_persons_valid_id_with_a_wholly_different_name_is_not_linked(model: LinkModel) -> None:
    feed = {**PERSON_A, "birth_date": None, "id_number": ID_B}
    weight = explain(model, feed, PERSON_B, registry_size=1_000_000)["match_weight"]
    assert weight < UPPER
    feed_frame = pl.DataFrame([{**feed, "feed_key": "F"}], schema_overrides={"birth_date": pl.String})
    people = pl.DataFrame([{**r, "person_id": r.pop("key")} for r in registry(2_000)], schema_overrides=SCHEMA)
    result = link_records(feed_frame, people, model)
    assert result.filter(pl.col("status") == LINKED).is_empty()


def test_the_exact_pass_requires_the_name_when_the_date_came_from_the_number() -> None:
    people = frame({**PERSON_B, "key": "B"})
    other_name = frame({**PERSON_A, "key": "F1", "birth_date": None, "id_number": ID_B})
    same_name = frame({**PERSON_B, "key": "F2", "birth_date": None})
    assert other_name.get_column("dob_derived").to_list() == [True]
    assert exact_links(pl.concat([other_name, same_name]), people).rows() == [("F2", "B")]


def test_a_date_marked_derived_at_ingest_is_derived() -> None:
    raw = pl.DataFrame(
        [{**PERSON_B, "key": "F", "birth_date": "1965-09-12", "birth_date_derived": True}],
        schema_overrides=SCHEMA,
    )
    assert prepare(raw, "key").get_column("dob_derived").to_list() == [True]
    assert prepare(raw.drop("birth_date_derived"), "key").get_column("dob_derived").to_list() == [False]


# Homophones through polyphonic characters --------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"), [("张乐", "张月"), ("王长", "王章"), ("李重", "李虫"), ("刘行", "刘航"), ("陈觉", "陈教")]
)
def test_polyphonic_homophones_agree_on_some_reading(model: LinkModel, a: str, b: str) -> None:
    assert same_sound(a, b)
    out = explain(model, {**PERSON_A, "name": a}, {**PERSON_A, "name": b})
    assert next(s["label"] for s in out["waterfall"] if s["comparison"] == "name") == "same pinyin (homophone)"


@pytest.mark.parametrize(("a", "b"), [("张乐", "张伟"), ("王长", "王东"), ("李重", "李明"), ("刘行", "刘平")])
def test_different_sounding_names_stay_apart(a: str, b: str) -> None:
    assert not same_sound(a, b)


def test_every_reading_most_common_first() -> None:
    assert all_readings("乐")[0] == "le" and "yue" in all_readings("乐")
    assert all_readings("A") == ("A",)


# Name frequency ----------------------------------------------------------------------------


def test_a_common_name_is_weaker_evidence_than_a_rare_one(model: LinkModel) -> None:
    common = [
        {**PERSON_A, "key": f"C{i}", "name": "张伟", "birth_date": f"19{60 + i}-01-01", "id_number": None}
        for i in range(30)
    ]
    rare = {**PERSON_A, "key": "R", "name": "欧阳娜娜", "birth_date": "1999-01-01", "id_number": None}
    feed = frame({**common[0], "key": "F1"}, {**rare, "key": "F2"})
    best = best_candidates(feed, frame(*common, rare), model).sort("unique_id")
    assert best.get_column("person_id").to_list() == ["C0", "R"]
    tf_common, tf_rare = best.get_column("tf_name").to_list()
    assert tf_common < tf_rare
    assert best.get_column("match_weight")[0] < best.get_column("match_weight")[1]


# Records with neither an ID number nor a birth date ----------------------------------------


def decided(**row: Any) -> str:
    base = {"unique_id": "f", "person_id": "p", "match_weight": 0.0, "runner_up": None, "undated": False}
    frame_ = pl.DataFrame([{**base, **row}], schema_overrides={"runner_up": pl.Float64, "unique_person": pl.String})
    return str(decide(frame_, upper=UPPER, lower=LOWER).get_column("decision")[0])


def test_a_record_with_neither_id_nor_birth_date_is_never_linked_automatically() -> None:
    assert decided(match_weight=30.0) == LINKED
    assert decided(match_weight=30.0, undated=True) == REVIEW  # stands out: a caseworker decides
    assert decided(match_weight=30.0, runner_up=28.0, undated=True) == UNMATCHED  # nobody stands out
    assert decided(match_weight=LOWER - 1, undated=True) == UNMATCHED


def test_the_one_person_of_that_name_and_sex_in_the_county_goes_to_review() -> None:
    low = {"match_weight": LOWER - 3, "unique_person": "p", "contradicts": False}
    assert decided(**low) == REVIEW
    assert decided(**low, undated=True) == REVIEW
    assert decided(**{**low, "contradicts": True}) == UNMATCHED  # something speaks against it
    assert decided(**{**low, "unique_person": "q"}) == UNMATCHED  # the unique one is someone else


def test_an_undated_record_goes_to_review_not_to_a_link(model: LinkModel) -> None:
    feed = pl.DataFrame(
        [{**PERSON_A, "feed_key": "F", "birth_date": None, "id_number": None, "residence_division": "110105"}],
        schema_overrides={"birth_date": pl.String, "id_number": pl.String},
    )
    people = pl.DataFrame([{**r, "person_id": r.pop("key")} for r in registry()], schema_overrides=SCHEMA)
    result = link_records(feed, people, model)
    assert result.select("status", "person_id").row(0) == (REVIEW, "A")
