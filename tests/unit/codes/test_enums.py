"""The data contract's code lists: accepted spellings, GB/T 4761 relations, labels."""

from __future__ import annotations

from collections import defaultdict

import pytest

from minsheng.codes.enums import (
    ALL,
    BOOLEAN,
    DISABILITY_GRADE,
    HEAD_OF_HOUSEHOLD,
    LABOUR_CAPACITY,
    RELATION,
    SELF_CARE,
    SEX,
    SPOUSE_CODES,
    URBAN_RURAL,
    CodeList,
)

LISTS = {code_list.name: code_list for code_list in ALL}


@pytest.mark.parametrize(
    ("code_list", "spelling", "code"),
    [
        (SEX, "男", "1"),
        (SEX, "女", "2"),
        (SEX, "男性", "1"),
        (SEX, "1", "1"),
        (SEX, "2", "2"),
        (URBAN_RURAL, "城镇", "urban"),
        (URBAN_RURAL, "农村", "rural"),
        (URBAN_RURAL, "城市", "urban"),
        (URBAN_RURAL, "rural", "rural"),
        (BOOLEAN, "是", "1"),
        (BOOLEAN, "否", "0"),
        (BOOLEAN, "true", "1"),
        (BOOLEAN, "False", "0"),
        (BOOLEAN, "0", "0"),
        (RELATION, "户主", "02"),
        (RELATION, "配偶", "10"),
        (RELATION, "女", "30"),
        (RELATION, "99", "99"),
        (DISABILITY_GRADE, "无残疾", "0"),
        (DISABILITY_GRADE, "2级", "2"),
        (SELF_CARE, "完全不能自理", "none"),
        (SELF_CARE, "完全自理", "full"),
        (SELF_CARE, "完全", "full"),
        (LABOUR_CAPACITY, "无劳动能力", "none"),
    ],
)
def test_accepted_maps_codes_labels_and_aliases(code_list: CodeList, spelling: str, code: str) -> None:
    assert code_list.accepted()[spelling] == code


def test_accepted_does_not_invent_spellings() -> None:
    assert "男" not in URBAN_RURAL.accepted()
    assert "3" not in SEX.accepted()
    assert "male" not in SEX.accepted()  # English labels are for display, not input
    assert "98" not in RELATION.accepted()


@pytest.mark.parametrize("code_list", ALL, ids=lambda c: c.name)
def test_accepted_covers_every_code_and_label_and_maps_only_to_codes(code_list: CodeList) -> None:
    table = code_list.accepted()
    for code, (zh, _en) in code_list.labels.items():
        assert table[code] == code
        assert table[zh] == code
    for alias, code in code_list.aliases.items():
        assert table[alias] == code
    assert set(table.values()) == set(code_list.labels)


@pytest.mark.parametrize("code_list", ALL, ids=lambda c: c.name)
def test_no_spelling_maps_to_two_codes(code_list: CodeList) -> None:
    # accepted() is a dict: a later spelling would silently overwrite an earlier one.
    meanings: dict[str, set[str]] = defaultdict(set)
    for code, (zh, _en) in code_list.labels.items():
        meanings[code].add(code)
        meanings[zh].add(code)
    for alias, code in code_list.aliases.items():
        meanings[alias].add(code)
    ambiguous = {spelling: codes for spelling, codes in meanings.items() if len(codes) > 1}
    assert ambiguous == {}


@pytest.mark.parametrize("code_list", ALL, ids=lambda c: c.name)
def test_labels_in_both_languages(code_list: CodeList) -> None:
    assert code_list.labels, "a list has codes"
    assert code_list.title_zh.strip()
    for code, (zh, en) in code_list.labels.items():
        assert code.strip() == code and code
        assert zh.strip() and en.strip(), code
        assert code_list.label(code) == zh
        assert code_list.label(code, "zh") == zh
        assert code_list.label(code, "en") == en
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), f"{code_list.name} {code}: {zh!r} is not Chinese"
        assert en.isascii(), f"{code_list.name} {code}: {en!r} is not English"
    zh_labels = [zh for zh, _en in code_list.labels.values()]
    assert len(set(zh_labels)) == len(zh_labels)


def test_label_of_an_unknown_code_raises() -> None:
    with pytest.raises(KeyError):
        SEX.label("3")


def test_list_names_are_unique() -> None:
    assert len(LISTS) == len(ALL)
    assert {"sex", "relation", "boolean", "urban_rural"} <= set(LISTS)


def test_every_relation_code_is_two_digits() -> None:
    for code in RELATION.labels:
        assert len(code) == 2 and code.isascii() and code.isdigit(), code


def test_relation_codes_are_gb_t_4761_2008() -> None:
    # POLICY-FACTS §11.3: 01–02, 10–12, 20–97 and 99; 00, 03–09, 13–19 and 98 are not codes.
    expected = {"01", "02", "10", "11", "12", "99"} | {f"{n:02d}" for n in range(20, 98)}
    assert set(RELATION.labels) == expected
    assert len(RELATION.labels) == 84


@pytest.mark.parametrize(
    ("code", "zh"),
    [
        ("01", "本人"),
        ("20", "子"),
        ("30", "女"),
        ("28", "女婿"),
        ("38", "儿媳"),
        ("51", "父亲"),
        ("77", "妹妹"),
        ("80", "其他"),
        ("97", "其他亲属"),
        ("99", "非亲属"),
    ],
)
def test_relation_labels(code: str, zh: str) -> None:
    assert RELATION.label(code) == zh


def test_relation_labels_lost_in_the_source_are_marked_presumed() -> None:
    assert RELATION.label("52").startswith("母亲") and "推定" in RELATION.label("52")
    assert RELATION.label("78").startswith("妹夫") and "推定" in RELATION.label("78")
    assert "presumed" in RELATION.label("52", "en") and "presumed" in RELATION.label("78", "en")


def test_head_of_household() -> None:
    assert HEAD_OF_HOUSEHOLD == "02"
    assert RELATION.label(HEAD_OF_HOUSEHOLD) == "户主"
    assert RELATION.accepted()["户主"] == HEAD_OF_HOUSEHOLD


def test_spouse_codes() -> None:
    assert frozenset({"10", "11", "12"}) == SPOUSE_CODES
    assert {RELATION.label(c) for c in SPOUSE_CODES} == {"配偶", "夫", "妻"}
    assert SPOUSE_CODES.issubset(RELATION.labels)
    assert HEAD_OF_HOUSEHOLD not in SPOUSE_CODES


def test_sex_codes_follow_gb_t_2261_1() -> None:
    assert SEX.labels == {"1": ("男", "male"), "2": ("女", "female")}


def test_accepted_returns_a_fresh_table() -> None:
    table = SEX.accepted()
    table["x"] = "9"
    assert "x" not in SEX.accepted()
