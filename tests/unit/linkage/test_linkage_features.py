"""Feature frames: dates in the formats departments send, ID numbers normalised and checked."""

from __future__ import annotations

import polars as pl
import pytest

from minsheng.linkage.features import FEATURE_COLUMNS, prepare

VALID = "11010519491231002X"


def one(**record: str | None) -> dict[str, object]:
    base = {
        "key": "r1",
        "name": "王秀英",
        "birth_date": None,
        "sex": "2",
        "id_number": None,
        "residence_division": None,
    }
    frame = pl.DataFrame([{**base, **record}], schema={k: pl.String for k in base})
    return prepare(frame, "key").to_dicts()[0]


@pytest.mark.parametrize(
    "raw", ["1949-12-31", "1949/12/31", "19491231", "1949-12-31 00:00:00", "1949年12月31日", "1949.12.31"]
)
def test_birth_date_formats_are_read_alike(raw: str) -> None:
    assert one(birth_date=raw)["dob"] == "19491231"


def test_day_and_month_swapped_and_year_are_precomputed() -> None:
    row = one(birth_date="1980-03-07")
    assert (row["dob"], row["dob_swap"], row["birth_year"]) == ("19800307", "19800703", "1980")


def test_an_unreadable_date_is_missing() -> None:
    assert one(birth_date="31/12/49")["dob"] is None


@pytest.mark.parametrize(
    "raw", [VALID, "11010519491231002x", " 110105 19491231 002X", "１１０１０５１９４９１２３１００２Ｘ"]
)
def test_id_numbers_are_normalised_and_checked(raw: str) -> None:
    row = one(id_number=raw)
    assert row["id_number"] == VALID
    assert row["id_valid"] is True
    assert row["id14"] == VALID[:14] and row["id_tail"] == VALID[6:]


def test_a_wrong_check_digit_is_kept_but_marked_invalid() -> None:
    row = one(id_number="110105194912310021")
    assert row["id_number"] == "110105194912310021" and row["id_valid"] is False


def test_a_missing_birth_date_comes_from_a_valid_id_number_only() -> None:
    assert one(id_number=VALID)["dob"] == "19491231"
    assert one(id_number="110105194912310021")["dob"] is None


def test_residence_gives_county_and_township() -> None:
    row = one(residence_division="110105001001")
    assert (row["county"], row["township"]) == ("110105", "110105001")
    assert one(residence_division="110105")["township"] is None


def test_the_frame_has_the_feature_columns_only() -> None:
    assert tuple(one()) == FEATURE_COLUMNS
