"""GB/T 2260 + NBS division codes: levels, padding, names, parents, containment."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minsheng.codes.divisions import DATA_YEAR, LEVELS, Division, DivisionBook, canonical, divisions
from minsheng.errors import CodeError, DivisionError

BOOK = divisions()
TOWNSHIPS = BOOK.codes("township")


def test_divisions_is_read_once() -> None:
    assert divisions() is BOOK


def test_shipped_counts_match_the_data_readme() -> None:
    # domain/divisions/README.md: 31 provinces, 342 prefectures, 2,978 counties, 41,352 townships
    assert [len(BOOK.codes(level)) for level in ("province", "city", "county", "township")] == [31, 342, 2978, 41352]
    assert DATA_YEAR == 2023


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("11", "province"),
        ("1101", "city"),
        ("110105", "county"),
        ("110105001", "township"),
        ("110105001001", "village"),
    ],
)
def test_level_by_length(code: str, level: str) -> None:
    assert BOOK.level(code) == level
    assert LEVELS[len(code)] == level


@pytest.mark.parametrize(
    ("code", "canon", "level"),
    [
        ("110000", "11", "province"),
        ("110000000", "11", "province"),
        ("110000000000", "11", "province"),
        ("1100", "11", "province"),
        ("110100", "1101", "city"),
        ("110100000000", "1101", "city"),
        ("110105000", "110105", "county"),
        ("110105000000", "110105", "county"),
        ("110105001000", "110105001", "township"),
        ("110105001001", "110105001001", "village"),
        ("110105100", "110105100", "township"),  # only a whole level of zeros is padding
        ("110005", "110005", "county"),
        (" 110105 ", "110105", "county"),
    ],
)
def test_padded_forms(code: str, canon: str, level: str) -> None:
    assert canonical(code) == canon
    assert BOOK.level(code) == level


def test_padded_forms_look_up_the_same_division() -> None:
    assert BOOK.lookup("110000") == BOOK.lookup("11") == Division("11", "北京市", "province")
    assert BOOK.lookup("110100") == Division("1101", "市辖区", "city")
    assert BOOK.lookup("110105000000") == Division("110105", "朝阳区", "county")


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("110105", "朝阳区"),
        ("110105001", "建外街道"),
        ("13", "河北省"),
        ("130000", "河北省"),
        ("1301", "石家庄市"),
        ("441900", "东莞市"),
        ("419001", "济源市"),
    ],
)
def test_names(code: str, name: str) -> None:
    assert BOOK.name(code) == name


def test_lookup_levels() -> None:
    assert BOOK.lookup("13") == Division("13", "河北省", "province")
    assert BOOK.lookup("110105001") == Division("110105001", "建外街道", "township")
    village = BOOK.lookup("110105001001")
    assert village is not None
    assert (village.code, village.level) == ("110105001001", "village")
    assert "001" in village.name


def test_parents_chain_from_province_down() -> None:
    chain = BOOK.parents("110105001001")
    assert [d.code for d in chain] == ["11", "1101", "110105", "110105001", "110105001001"]
    assert [d.level for d in chain] == ["province", "city", "county", "township", "village"]
    assert [d.name for d in chain[:4]] == ["北京市", "市辖区", "朝阳区", "建外街道"]


def test_parents_of_a_padded_code_stop_at_its_level() -> None:
    assert [d.code for d in BOOK.parents("110105000000")] == ["11", "1101", "110105"]
    assert [d.code for d in BOOK.parents("110000")] == ["11"]


def test_parents_skip_unknown_levels() -> None:
    # 110103 崇文区 is retired: the chain keeps the known levels only
    assert [d.code for d in BOOK.parents("110103001")] == ["11", "1101"]


def test_parents_list_a_city_without_counties_once() -> None:
    # 东莞 has no county level: NBS pads it as county 441900, which is the city 4419 again.
    chain = BOOK.parents("441900003")
    assert [d.code for d in chain] == ["44", "4419", "441900003"]
    assert BOOK.full_name("441900003") == "广东省东莞市" + chain[-1].name


def test_parents_list_a_padded_township_once() -> None:
    # 金门县 350527 is listed with a placeholder township 350527000, i.e. itself.
    assert [d.code for d in BOOK.parents("350527000")] == ["35", "3505", "350527"]


@given(st.sampled_from(TOWNSHIPS))
def test_every_township_chain_is_strictly_nested(code: str) -> None:
    chain = BOOK.parents(code)
    codes = [d.code for d in chain]
    assert len(set(codes)) == len(codes)
    assert codes[0] == code[:2]
    assert codes[-1] == canonical(code)
    for outer, inner in itertools.pairwise(codes):
        assert len(outer) < len(inner)
        assert inner.startswith(outer)


def test_full_name_of_a_village() -> None:
    # 市辖区 is a placeholder at the city level of a municipality; it is left out
    name = BOOK.full_name("110105001001")
    assert name.startswith("北京市朝阳区建外街道")
    assert "市辖区" not in name
    assert name == "北京市朝阳区建外街道" + BOOK.name("110105001001")


def test_full_name_of_ordinary_and_municipal_divisions() -> None:
    assert BOOK.full_name("130102") == "河北省石家庄市长安区"
    assert BOOK.full_name("500229") == "重庆市" + BOOK.name("500229")  # under 5002 县
    assert BOOK.full_name("13") == "河北省"


def test_full_name_leaves_out_directly_administered_placeholders() -> None:
    assert BOOK.name("4190") == "省直辖县级行政区划"
    assert BOOK.full_name("419001") == "河南省济源市"
    assert BOOK.full_name("659001") == "新疆维吾尔自治区石河子市"


def test_contains() -> None:
    assert BOOK.contains("110105", "110105001001")
    assert BOOK.contains("110105", "110105001")
    assert BOOK.contains("110105", "110105")
    assert BOOK.contains("11", "110105001001")
    assert BOOK.contains("110000", "110105")  # padded outer
    assert BOOK.contains("110105000000", "110105001")
    assert not BOOK.contains("110105", "110106001001")
    assert not BOOK.contains("110106", "110105001001")
    assert not BOOK.contains("110105001001", "110105")  # inner is bigger
    assert not BOOK.contains("12", "110105")
    assert not BOOK.contains("110105001", "110105002001")


def test_townships_of_chaoyang() -> None:
    towns = BOOK.townships("110105")
    assert len(towns) == 43
    assert all(t.code.startswith("110105") and len(t.code) == 9 and t.level == "township" for t in towns)
    assert Division("110105001", "建外街道", "township") in towns
    assert [t.code for t in towns] == sorted(t.code for t in towns)
    assert BOOK.townships("110105000") == towns  # padded county


def test_townships_of_a_city_without_counties() -> None:
    towns = BOOK.townships("441900")
    assert len(towns) == 36
    assert all(t.code.startswith("441900") and t.level == "township" for t in towns)
    assert BOOK.townships("4419") == towns
    assert BOOK.children("4419") == towns
    assert BOOK.children("441900") == towns


def test_townships_of_a_city_or_province_are_empty() -> None:
    assert BOOK.townships("1101") == []
    assert BOOK.townships("11") == []
    assert BOOK.townships("110105001") == []


def test_children_one_level_down() -> None:
    beijing = BOOK.children("11")
    assert [d.code for d in beijing] == ["1101"]
    districts = BOOK.children("1101")
    assert len(districts) == 16
    assert all(d.level == "county" and len(d.code) == 6 and d.code.startswith("1101") for d in districts)
    assert BOOK.children("110105") == BOOK.townships("110105")
    assert BOOK.children("110105001") == []
    assert BOOK.children("110105001001") == []


@pytest.mark.parametrize("level", ["county", "township"])
def test_children_never_include_the_division_itself(level: str) -> None:
    # The data holds padded aliases (441900 = 4419, 350527000 = 350527). Listing
    # one as its own child would make a walk down the tree loop forever.
    aliases = [c for c in BOOK.codes(level) if canonical(c) != c]
    assert aliases, "the 2023 list has padded codes at this level"
    for alias in aliases:
        for child in BOOK.children(alias):
            assert canonical(child.code) != canonical(alias)
            assert len(child.code) > len(canonical(alias))


@pytest.mark.parametrize(("root", "reached"), [("4419", "441900003"), ("3505", "350527"), ("4604", "460400100")])
def test_a_walk_down_the_tree_terminates(root: str, reached: str) -> None:
    seen: set[str] = set()
    stack = [root]
    while stack:
        code = stack.pop()
        assert code not in seen
        seen.add(code)
        stack.extend(d.code for d in BOOK.children(code))
    assert reached in seen
    assert not any(canonical(c) != c for c in seen)  # padded aliases are not nodes of their own


def test_a_city_without_counties_is_a_child_of_its_province() -> None:
    assert Division("4419", "东莞市", "city") in BOOK.children("44")


def test_unknown_code() -> None:
    assert BOOK.lookup("999999") is None
    assert not BOOK.is_known("999999")
    with pytest.raises(DivisionError) as info:
        BOOK.lookup_or_raise("999999")
    err = info.value
    assert isinstance(err, CodeError)
    assert "999999" in err.zh and "999999" in err.en
    assert str(DATA_YEAR) in err.en


@pytest.mark.parametrize("code", ["99", "1199", "110103", "110105999"])
def test_unknown_codes_at_each_level(code: str) -> None:
    assert BOOK.lookup(code) is None
    assert not BOOK.is_known(code)
    with pytest.raises(DivisionError):
        BOOK.name(code)


def test_village_under_unknown_township_is_reported() -> None:
    code = "110105999001"
    assert BOOK.lookup(code) is None
    assert not BOOK.is_known(code)
    with pytest.raises(DivisionError) as info:
        BOOK.lookup_or_raise(code)
    assert code in info.value.en and "110105999" in info.value.en
    assert code in info.value.zh and "110105999" in info.value.zh
    assert BOOK.level(code) == "village"  # well-formed, just unknown


def test_village_under_known_township_is_known() -> None:
    assert BOOK.is_known("110105001001")
    assert BOOK.is_known("110105001999")


MALFORMED = [
    "12345",
    "abc",
    "",
    "   ",
    "1",
    "123",
    "1234567",
    "1234567890",
    "12345678901",
    "1234567890123",
    "11-0105",
    "11 0105",
    "１１",
    "１１０１０５",
    "1²",
    "١١",
    "11010a",
    "-11",
    "+11",
]


@pytest.mark.parametrize("code", MALFORMED)
def test_malformed_codes_raise_division_error_everywhere(code: str) -> None:
    calls = [
        lambda: canonical(code),
        lambda: BOOK.lookup_or_raise(code),
        lambda: BOOK.name(code),
        lambda: BOOK.level(code),
        lambda: BOOK.parents(code),
        lambda: BOOK.full_name(code),
        lambda: BOOK.children(code),
        lambda: BOOK.townships(code),
        lambda: BOOK.contains(code, "110105"),
        lambda: BOOK.contains("11", code),
    ]
    for call in calls:
        with pytest.raises(DivisionError) as info:
            call()
        assert "2、4、6、9或12位" in info.value.zh
        assert "malformed" in info.value.en


@pytest.mark.parametrize("code", MALFORMED)
def test_malformed_codes_are_unknown_not_errors_for_lookup(code: str) -> None:
    assert BOOK.lookup(code) is None
    assert not BOOK.is_known(code)


@given(st.text(max_size=14))
def test_lookup_never_raises_anything_but_division_error(code: str) -> None:
    try:
        found = BOOK.lookup_or_raise(code)
    except DivisionError:
        assert BOOK.lookup(code) is None
    else:
        assert BOOK.lookup(code) == found
        assert found.code == canonical(code)
        assert found.code.isascii() and found.code.isdigit()


def test_a_small_book_from_rows() -> None:
    book = DivisionBook([("11", "北京市"), ("1101", "市辖区"), ("110105", "朝阳区"), ("110105001", "建外街道")])
    assert book.codes("county") == ["110105"]
    assert book.full_name("110105001002") == "北京市朝阳区建外街道002号村（社区）"
    assert not book.is_known("12")
