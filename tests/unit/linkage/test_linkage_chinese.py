"""Chinese name keys: homophones share pinyin, accents share the near-homophone key,
look-alike characters share the shape key, surnames are split and read as surnames."""

from __future__ import annotations

import polars as pl
import pytest

from minsheng.linkage.chinese import fuzzy_syllable, name_keys
from minsheng.linkage.shapes import SHAPE_GROUPS, look_alikes, shape_key_of


def keys(*names: str) -> list[dict[str, str]]:
    return name_keys(pl.Series(names)).to_dicts()


@pytest.mark.parametrize(("a", "b"), [("张伟", "章伟"), ("李静", "李婧"), ("王芳", "汪芳"), ("刘洋", "刘阳")])
def test_homophones_share_their_pinyin(a: str, b: str) -> None:
    left, right = keys(a, b)
    assert left["name"] != right["name"]
    assert left["name_py"] == right["name_py"]


@pytest.mark.parametrize(
    ("a", "b", "confusion"),
    [
        ("张伟", "赞伟", "zh/z"),
        ("陈明", "岑明", "ch/c"),
        ("沈强", "森强", "sh/s"),
        ("李宁", "李玲", "n/l and in/ing"),
        ("王刚", "王干", "an/ang"),
        ("郑成", "郑岑", "en/eng"),
        ("林平", "林品", "in/ing"),
    ],
)
def test_near_homophones_share_the_fuzzy_key_but_not_the_pinyin(a: str, b: str, confusion: str) -> None:
    left, right = keys(a, b)
    assert left["name_py"] != right["name_py"], confusion
    assert left["name_fz"] == right["name_fz"], confusion


def test_tones_do_not_count() -> None:
    # mǎ / mā / mà: one toneless syllable
    assert len({k["given_py"] for k in keys("王马", "王妈", "王骂")}) == 1


def test_fuzzy_syllables_keep_what_accents_do_not_confuse() -> None:
    assert fuzzy_syllable("hong") == "hong"  # -ong has no -on counterpart
    assert fuzzy_syllable("zhuang") == "zuan"
    assert fuzzy_syllable("nv") == "lv"


def test_look_alike_characters_share_the_shape_key() -> None:
    assert shape_key_of("王己") == shape_key_of("玉已")
    assert keys("侯明")[0]["name_shape"] == keys("候明")[0]["name_shape"]
    assert shape_key_of("张伟") != shape_key_of("李伟")


def test_every_character_is_in_one_shape_group() -> None:
    chars = [c for group in SHAPE_GROUPS for c in group]
    assert len(chars) == len(set(chars))
    assert all(len(group) >= 2 for group in SHAPE_GROUPS)
    assert set(look_alikes("己")) == {"已", "巳"}
    assert look_alikes("张") == ()


def test_compound_surnames_and_surname_readings() -> None:
    ouyang, shan, single = keys("欧阳明", "单伟", "欧明")
    assert (ouyang["surname"], ouyang["given"]) == ("欧阳", "明")
    assert (single["surname"], single["given"]) == ("欧", "明")
    assert shan["surname_py"] == "shan"  # 单 as a surname, not dān


def test_spaces_and_middle_dots_are_ignored_and_nulls_stay_null() -> None:
    spaced, dotted, missing = keys("张 伟", "阿依·古丽", None)  # type: ignore[arg-type]
    assert spaced["name"] == "张伟"
    assert dotted["name"] == "阿依古丽"
    assert missing["name"] is None and missing["name_py"] is None
