"""GB 11643-1999 citizen ID numbers: parsing, failure parts, `make`, MOD 11-2."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from minsheng.codes.divisions import divisions
from minsheng.codes.id_number import (
    CHECK_CHARS,
    MAX_SEQUENCES,
    WEIGHTS,
    IdNumber,
    check_char,
    check_char_expr,
    is_valid,
    make,
    normalise,
    parse,
)
from minsheng.errors import CodeError, IdNumberError

EXAMPLE = "11010519491231002X"  # GB 11643's worked example: female, Beijing Chaoyang, 1949-12-31
TODAY = dt.date(2025, 6, 30)
COUNTIES = divisions().codes("county")


def failing_part(raw: str, today: dt.date = TODAY) -> str:
    with pytest.raises(IdNumberError) as info:
        parse(raw, today=today)
    return info.value.part


def with_check(body17: str) -> str:
    return body17 + check_char(body17)


# --- the algorithm ----------------------------------------------------------


def test_weights_are_the_standards_table() -> None:
    assert WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def test_check_char_of_the_worked_example_is_x() -> None:
    # S = 167, 167 mod 11 = 2 → "10X98765432"[2] = X (POLICY-FACTS §11.1)
    assert sum(int(d) * w for d, w in zip(EXAMPLE[:17], WEIGHTS, strict=True)) == 167
    assert check_char(EXAMPLE[:17]) == "X"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("00000000000000000", "1"),  # S = 0
        ("00000000000000001", "X"),  # S = 2 (last weight)
        ("10000000000000000", "5"),  # S = 7 → index 7
        ("11010519491231001", "1"),  # the example's male neighbour: S = 165 → index 0
    ],
)
def test_check_char_known_values(body: str, expected: str) -> None:
    assert check_char(body) == expected


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_char_matches_iso_7064_closed_form(body: str) -> None:
    # ISO 7064 MOD 11-2: value = (12 − S mod 11) mod 11, written X when 10.
    s = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True))
    value = (12 - s % 11) % 11
    assert check_char(body) == ("X" if value == 10 else str(value))
    assert check_char(body) in CHECK_CHARS


def test_check_char_rejects_a_body_of_the_wrong_length() -> None:
    with pytest.raises(ValueError):
        check_char("1101051949123100")


# --- parsing the worked example ---------------------------------------------


def test_parse_worked_example() -> None:
    parsed = parse(EXAMPLE, today=TODAY)
    assert parsed == IdNumber(EXAMPLE, "110105", dt.date(1949, 12, 31), 2, True)


def test_parse_reads_male_from_an_odd_sequence() -> None:
    parsed = parse(with_check("11010519491231001"), today=TODAY)
    assert parsed.sex == 1
    assert parsed.birth_date == dt.date(1949, 12, 31)


def test_sex_comes_from_the_17th_digit_only() -> None:
    # sequence 010: even last digit → female although the sequence has a 1 in it
    assert parse(with_check("11010519491231010"), today=TODAY).sex == 2
    assert parse(with_check("11010519491231101"), today=TODAY).sex == 1


@pytest.mark.parametrize(
    "raw", ["11010519491231002x", " 11010519491231002X ", "110105 19491231 002x", "\t11010519491231002x\n"]
)
def test_clerk_spellings_are_normalised(raw: str) -> None:
    assert normalise(raw) == EXAMPLE
    assert parse(raw, today=TODAY).value == EXAMPLE
    assert is_valid(raw)


def test_is_valid() -> None:
    assert is_valid(EXAMPLE)
    assert not is_valid(EXAMPLE[:-1] + "1")
    assert not is_valid("")


def test_id_number_error_is_a_code_error_with_both_languages() -> None:
    with pytest.raises(CodeError) as info:
        parse("123", today=TODAY)
    err = info.value
    assert isinstance(err, IdNumberError)
    assert "18" in err.zh and "18" in err.en
    assert err.message("zh") == err.zh
    assert err.message("en") == err.en


# --- each failing part ------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "1101051949123100", EXAMPLE[:17], EXAMPLE + "1", EXAMPLE + "X", "1" * 30])
def test_wrong_length(raw: str) -> None:
    assert failing_part(raw) == "length"


def test_length_message_names_the_actual_length() -> None:
    with pytest.raises(IdNumberError) as info:
        parse(EXAMPLE[:17], today=TODAY)
    assert "17" in info.value.en and "17" in info.value.zh


@pytest.mark.parametrize(
    "raw",
    [
        "1101051949123100AX",  # a letter inside the body
        "11010519491231X02X",  # X is allowed only last
        "A1010519491231002X",
        "11010519491231002Y",  # a letter other than X last
        "110105-9491231002X",
        "１１０１０５１９４９１２３１００２X",  # full-width digits
        "110105１９４９１２３１００２X",  # full-width digits after a valid region
        "110105194912310٠2X",  # an Arabic-Indic zero
    ],
)
def test_characters(raw: str) -> None:
    assert failing_part(raw) == "characters"


@pytest.mark.parametrize("region", ["990105", "000000", "720105", "810000"])
def test_unknown_province(region: str) -> None:
    raw = with_check(region + "19491231002")
    with pytest.raises(IdNumberError) as info:
        parse(raw, today=TODAY)
    assert info.value.part == "region"
    assert region in info.value.en and region in info.value.zh


@pytest.mark.parametrize("birth", ["19900230", "19000229", "19991301", "19990001", "19990100", "00000101", "20230229"])
def test_impossible_date(birth: str) -> None:
    assert failing_part(with_check("110105" + birth + "002")) == "birth_date"


def test_leap_day_is_a_real_date() -> None:
    assert parse(with_check("11010520000229002"), today=TODAY).birth_date == dt.date(2000, 2, 29)


def test_future_birth_date_depends_on_today() -> None:
    raw = make("110105", dt.date(2030, 1, 1), 0, 1)
    assert failing_part(raw, today=dt.date(2029, 12, 31)) == "birth_date"
    assert parse(raw, today=dt.date(2030, 1, 1)).birth_date == dt.date(2030, 1, 1)  # born today is fine


def test_far_future_is_rejected_with_the_real_today() -> None:
    with pytest.raises(IdNumberError) as info:
        parse(make("110105", dt.date(9999, 12, 31), 0, 1))
    assert info.value.part == "birth_date"


def test_implausibly_old_birth_date() -> None:
    assert failing_part(make("110105", dt.date(1879, 12, 31), 0, 1)) == "birth_date"
    assert parse(make("110105", dt.date(1880, 1, 1), 0, 1), today=TODAY).birth_date.year == 1880


@pytest.mark.parametrize("wrong", list("0123456789"))
def test_wrong_check_digit_names_the_expected_one(wrong: str) -> None:
    with pytest.raises(IdNumberError) as info:
        parse(EXAMPLE[:17] + wrong, today=TODAY)
    err = info.value
    assert err.part == "check_digit"
    assert "expected X" in err.en and f"got {wrong}" in err.en
    assert "应为X" in err.zh


def test_x_where_a_digit_is_expected() -> None:
    body = "11010519491231001"  # check digit 1
    with pytest.raises(IdNumberError) as info:
        parse(body + "x", today=TODAY)
    assert info.value.part == "check_digit"
    assert "expected 1" in info.value.en


def test_parts_are_checked_in_order() -> None:
    # wrong check digit and impossible date: the date is reported
    assert failing_part("110105199002300020") == "birth_date"
    # unknown province and impossible date: the province is reported
    assert failing_part("990105199002300020") == "region"


def test_retired_county_under_known_province_parses() -> None:
    # 110103 崇文区 and 110104 宣武区 were merged away in 2010; old cards keep them.
    book = divisions()
    for region in ("110103", "110104", "110199"):
        assert not book.is_known(region)
        parsed = parse(with_check(region + "19491231002"), today=TODAY)
        assert parsed.region == region
        assert parsed.region_known is False


def test_known_county_is_region_known() -> None:
    assert parse(make("441900", dt.date(1990, 1, 1), 7, 1), today=TODAY).region_known  # 东莞, padded city code


# --- make ---------------------------------------------------------------------


def test_make_reproduces_the_worked_example() -> None:
    assert make("110105", dt.date(1949, 12, 31), 0, 2) == EXAMPLE


@pytest.mark.parametrize(
    ("sex", "sequence", "digits"),
    [(1, 0, "001"), (1, 1, "003"), (1, 499, "999"), (2, 0, "002"), (2, 1, "004"), (2, 498, "998")],
)
def test_make_sequence_codes(sex: int, sequence: int, digits: str) -> None:
    number = make("320102", dt.date(1985, 7, 4), sequence, sex)
    assert number[14:17] == digits
    parsed = parse(number, today=TODAY)
    assert (parsed.region, parsed.birth_date, parsed.sex) == ("320102", dt.date(1985, 7, 4), sex)


def test_every_sequence_of_each_sex_is_distinct_and_of_that_sex() -> None:
    for sex in (1, 2):
        numbers = {make("110105", dt.date(2000, 1, 1), seq, sex) for seq in range(MAX_SEQUENCES[sex])}
        assert len(numbers) == MAX_SEQUENCES[sex]
        assert {parse(n, today=TODAY).sex for n in numbers} == {sex}
    assert MAX_SEQUENCES == {1: 500, 2: 499}  # 001…999 odd, 002…998 even


@pytest.mark.parametrize(("sex", "sequence"), [(1, -1), (1, 500), (2, -1), (2, 499), (2, 1000)])
def test_make_sequence_out_of_bounds(sex: int, sequence: int) -> None:
    with pytest.raises(ValueError, match="sequence"):
        make("110105", dt.date(2000, 1, 1), sequence, sex)


@pytest.mark.parametrize("sex", [0, 3, 9])
def test_make_unknown_sex(sex: int) -> None:
    with pytest.raises(ValueError, match="sex"):
        make("110105", dt.date(2000, 1, 1), 0, sex)


@settings(max_examples=300)
@given(
    region=st.sampled_from(COUNTIES),
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    sex=st.sampled_from([1, 2]),
    data=st.data(),
)
def test_make_round_trips_through_parse(region: str, birth: dt.date, sex: int, data: st.DataObject) -> None:
    sequence = data.draw(st.integers(0, MAX_SEQUENCES[sex] - 1), label="sequence")
    number = make(region, birth, sequence, sex)
    assert len(number) == 18
    parsed = parse(number, today=TODAY)
    assert parsed == IdNumber(number, region, birth, sex, True)
    assert parse(number.lower(), today=TODAY) == parsed


# --- MOD 11-2 error detection -------------------------------------------------

valid_numbers = st.builds(
    make,
    st.sampled_from(COUNTIES),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    st.integers(0, 498),
    st.sampled_from([1, 2]),
)


@settings(max_examples=200)
@given(number=valid_numbers, position=st.integers(0, 17), data=st.data())
def test_any_single_character_change_is_detected(number: str, position: int, data: st.DataObject) -> None:
    alphabet = "0123456789X" if position == 17 else "0123456789"
    new = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]), label="new")
    changed = number[:position] + new + number[position + 1 :]
    with pytest.raises(IdNumberError):
        parse(changed, today=TODAY)
    if position < 17:  # the check character alone catches it, whatever else is still valid
        assert check_char(changed[:17]) != changed[17]


def test_every_single_digit_change_of_the_example_is_caught_by_the_check_digit() -> None:
    # exhaustive over one number: 17 positions × 9 substitutions
    for i in range(17):
        for d in "0123456789":
            if d != EXAMPLE[i]:
                body = EXAMPLE[:i] + d + EXAMPLE[i + 1 : 17]
                assert check_char(body) != "X", (i, d)


@settings(max_examples=200)
@given(number=valid_numbers, position=st.integers(0, 16))
def test_adjacent_transposition_is_detected(number: str, position: int) -> None:
    a, b = number[position], number[position + 1]
    assume(a != b)  # equal digits swap to the same number
    assume("X" not in (a, b))  # a swapped-in X fails the shape check anyway
    swapped = number[:position] + b + a + number[position + 2 :]
    assert swapped != number
    with pytest.raises(IdNumberError):
        parse(swapped, today=TODAY)
    assert check_char(swapped[:17]) != swapped[17]


# --- vectorised check character ---------------------------------------------


def expr_check_chars(bodies: list[str | None]) -> list[str | None]:
    frame = pl.DataFrame({"body": bodies}, schema={"body": pl.String})
    return frame.select(check_char_expr(pl.col("body")).alias("check"))["check"].to_list()


@given(st.lists(st.text(alphabet="0123456789", min_size=17, max_size=17), min_size=1, max_size=50))
def test_check_char_expr_agrees_with_check_char(bodies: list[str]) -> None:
    assert expr_check_chars(bodies) == [check_char(b) for b in bodies]


def test_check_char_expr_covers_every_check_character() -> None:
    rng = random.Random(11643)
    bodies = ["".join(rng.choice("0123456789") for _ in range(17)) for _ in range(2000)]
    expected = [check_char(b) for b in bodies]
    assert set(expected) == set(CHECK_CHARS)  # the sample hits all 11 values, X included
    assert expr_check_chars(bodies) == expected


def test_check_char_expr_is_null_on_bad_bodies() -> None:
    bodies = [
        EXAMPLE[:17],
        None,
        "1101051949123100a",  # a letter
        "1101051949123100",  # 16 digits
        EXAMPLE[:17] + "0",  # 18 digits
        "",
        " 11010519491231002",
        "１1010519491231002",  # a full-width digit
        "1101051949123100X",
    ]
    assert expr_check_chars(bodies) == ["X", None, None, None, None, None, None, None, None]


@given(st.text(min_size=17, max_size=17).filter(lambda s: not (s.isascii() and s.isdigit())))
def test_check_char_expr_is_null_on_any_non_digit_body(body: str) -> None:
    assert expr_check_chars([body]) == [None]
