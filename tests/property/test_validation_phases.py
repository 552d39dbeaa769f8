"""The two phases of the contract's checks agree with the full check on arbitrary cells.

`parse_table` vouches for cells with a cheap test (`contract.fast_checks`) and sends only the
other rows through the reasoned check; `check_fully` runs the reasoned check on every row. For
any file the two must give the same typed value and the same reason for every cell: a fast test
that accepted a cell the full check refuses (a comma in an amount, 2025/8/1, a lower-case x, a
control character) or gave another value would show here.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from minsheng.codes.divisions import divisions
from minsheng.codes.id_number import check_char
from minsheng.contract.columns import COLUMNS, Column
from minsheng.contract.validation import check_fully, parse_table

TODAY = dt.date(2025, 8, 1)

# Cells no kind should accept as they are, and characters that make a cell doubtful.
ODD = ["", " ", "\t", "\x00", "a\x00", "\ufffe", "\u3000", "１２", "NULL", "-", "'=1+1", "0x10", "1e5", "nan", "inf"]
SPACES = st.sampled_from(["", " ", "  ", "\t", "\u3000", "\xa0"])


def _spaced(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A cell with, sometimes, blanks or a control character around or inside it."""
    return st.one_of(
        inner,
        inner,
        inner,
        st.tuples(SPACES, inner, SPACES).map("".join),
        st.tuples(inner, st.sampled_from(["\x00", "\n", "\x7f", "\x85", "\ufdd0"])).map("".join),
    )


def _money() -> st.SearchStrategy[str]:
    plain = st.from_regex(r"-?[0-9]{1,16}(\.[0-9]{0,3})?", fullmatch=True)
    edges = st.sampled_from(
        [
            "0.00",
            "1,234.50",
            "1,2,3",
            "9999999999999.99",
            "10000000000000",
            "10000000000000.01",
            "99999999999999",
            "-0",
            "-1.5",
            "+5",
            ".5",
            "5.",
            "1.234",
            "12.3",
            "00012.30",
            "1 000",
            "100000000000000000",
            "99999999999999999999.99",
            "1" + "0" * 40,
        ]
    )
    return _spaced(st.one_of(plain, edges))


def _int() -> st.SearchStrategy[str]:
    plain = st.from_regex(r"-?[0-9]{1,7}(\.0|\.00|\.5)?", fullmatch=True)
    return _spaced(
        st.one_of(
            plain,
            st.sampled_from(
                ["2.0", "9999", "10000", "10001", "007", "+3", "٣", "99999999999", "-99999999999", "9" * 30]
            ),
        )
    )


def _decimal() -> st.SearchStrategy[str]:
    plain = st.from_regex(r"-?[0-9]{1,10}(\.[0-9]{0,4})?", fullmatch=True)
    return _spaced(st.one_of(plain, st.sampled_from(["1e3", "12.", ".5", "1,5", "1234567890"])))


def _date() -> st.SearchStrategy[str]:
    day = st.dates(dt.date(1860, 1, 1), dt.date(2100, 12, 31))
    layouts = st.sampled_from(
        ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d 00:00:00", "%Y-%m-%dT00:00:00.000", "%Y.%m.%d", "%d/%m/%Y"]
    )
    formatted = st.builds(lambda d, f: d.strftime(f), day, layouts)
    unpadded = st.builds(lambda d: f"{d.year}-{d.month}-{d.day}", day)
    edges = st.sampled_from(
        [
            "2025-8-1",
            "20250801",
            "2025/08/01",
            "2025-08-01 00:00:00",
            "1879-12-31",
            "1880-01-01",
            "2025-08-02",
            "2025-02-29",
            "2024-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-08-1",
            "+025-08-01",
            "02025-08-01",
        ]
    )
    return _spaced(st.one_of(formatted, unpadded, edges, st.just(TODAY.isoformat())))


def _id_number() -> st.SearchStrategy[str]:
    counties = divisions().codes("county")
    region = st.one_of(st.sampled_from(counties), st.from_regex(r"[0-9]{6}", fullmatch=True))
    birth = st.dates(dt.date(1860, 1, 1), dt.date(2100, 12, 31)).map(lambda d: f"{d:%Y%m%d}")
    seq = st.from_regex(r"[0-9]{3}", fullmatch=True)
    body = st.one_of(
        st.builds(lambda r, b, s: r + b + s, region, birth, seq),
        st.from_regex(r"[0-9]{17}", fullmatch=True),
    )
    valid = body.map(lambda b: b + check_char(b))
    wrong = body.map(lambda b: b + "0123456789X"[("0123456789X".index(check_char(b)) + 1) % 11])
    lower = valid.map(lambda v: v.lower())  # a lower-case x
    spaced = valid.map(lambda v: f"{v[:6]} {v[6:14]} {v[14:]}")
    cut = valid.map(lambda v: v[:17])
    long = valid.map(lambda v: v + "1")
    wide = valid.map(lambda v: "１" + v[1:])  # a full-width digit
    return _spaced(st.one_of(valid, valid, wrong, lower, spaced, cut, long, wide))


def _division() -> st.SearchStrategy[str]:
    book = divisions()
    county = st.sampled_from(book.codes("county"))
    township = st.sampled_from(book.codes("township"))
    known = st.one_of(
        county,
        township,
        county.map(lambda c: c + "000"),
        township.map(lambda t: t + "001"),
        county.map(lambda c: c + "000000"),
        county.map(lambda c: c + "000123"),
    )
    other = st.from_regex(r"[0-9]{4,13}", fullmatch=True)
    return _spaced(st.one_of(known, known, other, st.sampled_from(["110000", "11", "1101", "110105 001"])))


def _codes(col: Column) -> st.SearchStrategy[str]:
    assert col.codes is not None
    spellings = list(col.codes.accepted())
    return _spaced(
        st.one_of(st.sampled_from(spellings), st.sampled_from(spellings).map(str.upper), st.sampled_from(["x", "是否"]))
    )


def _programmes(col: Column) -> st.SearchStrategy[str]:
    assert col.codes is not None
    ids = st.sampled_from([*col.codes.labels, "unknown", "", " dibao"])
    joined = st.builds(
        lambda items, sep: sep.join(items), st.lists(ids, max_size=3), st.sampled_from([";", "；", ",", "，", "; "])
    )
    return _spaced(joined)


def _text() -> st.SearchStrategy[str]:
    return _spaced(
        st.one_of(st.text(max_size=8), st.text(min_size=60, max_size=70), st.sampled_from(["张三", "O'Brien"]))
    )


def _valid(col: Column) -> st.SearchStrategy[str]:
    """A cell the fast test should vouch for: most cells of a real file."""
    book = divisions()
    if col.kind == "money":
        return st.from_regex(r"[0-9]{1,13}(\.[0-9]{1,2})?", fullmatch=True)
    if col.kind == "int":
        return st.from_regex(r"[0-9]{1,4}", fullmatch=True)
    if col.kind == "decimal":
        return st.from_regex(r"[0-9]{1,9}(\.[0-9]{1,3})?", fullmatch=True)
    if col.kind == "date":
        return st.dates(dt.date(1880, 1, 1), TODAY).map(dt.date.isoformat)
    if col.kind == "id_number":
        body = st.builds(
            lambda r, d, s: f"{r}{d:%Y%m%d}{s:03d}",
            st.sampled_from(book.codes("county")),
            st.dates(dt.date(1880, 1, 1), TODAY),
            st.integers(0, 999),
        )
        return body.map(lambda b: b + check_char(b))
    if col.kind == "division":
        return st.sampled_from(book.codes("county") + book.codes("township"))
    if col.kind in ("enum", "bool"):
        assert col.codes is not None
        return st.sampled_from(list(col.codes.accepted()))
    if col.kind == "programmes":
        assert col.codes is not None
        return st.lists(st.sampled_from(list(col.codes.labels)), min_size=1, max_size=3).map(";".join)
    letters = st.characters(categories=["L", "N"])
    return st.text(letters, min_size=1, max_size=12)


def _any(col: Column) -> st.SearchStrategy[str]:
    """Any cell of the column's kind: valid, nearly valid, or not at all."""
    if col.kind in ("enum", "bool"):
        return _codes(col)
    if col.kind == "programmes":
        return _programmes(col)
    kinds = {"money": _money, "int": _int, "decimal": _decimal, "date": _date, "id_number": _id_number}
    return {**kinds, "division": _division, "text": _text, "id": _text}[col.kind]()


def cell(col: Column) -> st.SearchStrategy[str | None]:
    """Mostly valid (so rows of valid cells and rows of doubtful ones meet in one file)."""
    valid = _valid(col)
    return st.one_of(st.none(), valid, valid, valid, _any(col), _any(col), st.sampled_from(ODD))


@st.composite
def files(draw: st.DrawFn, kind: str) -> pl.DataFrame:
    """A file of `kind`: a few rows, some optional columns left out."""
    columns = [c for c in COLUMNS[kind] if c.required or draw(st.integers(0, 5)) > 0]
    rows = draw(st.integers(1, 8))
    data = {c.name: [draw(cell(c)) for _ in range(rows)] for c in columns}
    return pl.DataFrame(data, schema={c.name: pl.String for c in columns})


def _agree(frame: pl.DataFrame, kind: str) -> None:
    parsed, errors = parse_table(frame, kind, today=TODAY)
    expected_parsed, expected_errors = check_fully(frame, kind, today=TODAY)
    assert_frame_equal(parsed, expected_parsed)
    assert_frame_equal(errors, expected_errors)


FILES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COLUMN_CELLS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FILES
@given(files("persons"))
def test_persons_phases_agree_with_the_full_check(frame: pl.DataFrame) -> None:
    _agree(frame, "persons")


@FILES
@given(files("households"))
def test_households_phases_agree_with_the_full_check(frame: pl.DataFrame) -> None:
    _agree(frame, "households")


@FILES
@given(files("feed:medical_claim"))
def test_feed_phases_agree_with_the_full_check(frame: pl.DataFrame) -> None:
    _agree(frame, "feed:medical_claim")


# Every column of every kind, one column's cells at a time (one per row, the rest of the row valid):
# many cells per example, so each kind's edge cases are met, and a disagreement names its column.
KINDS = ("persons", "households", "feed:medical_claim")
EVERY_COLUMN = {(kind, c.name): c for kind in KINDS for c in COLUMNS[kind]}


@pytest.mark.parametrize(("kind", "name"), list(EVERY_COLUMN))
@COLUMN_CELLS
@given(data=st.data())
def test_each_columns_cells_agree(kind: str, name: str, data: st.DataObject) -> None:
    col = EVERY_COLUMN[kind, name]
    cells = data.draw(
        st.lists(st.one_of(st.none(), _valid(col), _any(col), st.sampled_from(ODD)), min_size=1, max_size=40)
    )
    required = {c.name: _filler(c) for c in COLUMNS[kind] if c.required and c.name != name}
    frame = pl.DataFrame(
        {**{n: [v] * len(cells) for n, v in required.items()}, name: cells},
        schema={**{n: pl.String for n in required}, name: pl.String},
    )
    _agree(frame, kind)


def _filler(col: Column) -> str:
    """A valid value for a required column beside the one under test."""
    if col.codes is not None:
        return next(iter(col.codes.labels))
    return {"id": "X1", "text": "张三", "division": "110105", "date": "2025-07-01", "money": "1.00"}[col.kind]


def test_a_valid_file_is_vouched_for_whole() -> None:
    """The usual file: every cell plain, so no row needs the full check, and the values are typed."""
    frame = pl.DataFrame(
        {
            "person_id": ["P1", "P2"],
            "household_id": ["H1", "H1"],
            "id_number": ["11010519491231002X", None],
            "name": ["张三", "李四"],
            "relation": ["02", "10"],
            "birth_date": ["1949-12-31", "1950-01-01"],
            "wage_income": ["1234.5", "0.00"],
            "medical_insurance_years": ["3", None],
        }
    )
    parsed, errors = parse_table(frame, "persons", today=TODAY)
    assert errors.is_empty()
    assert parsed.get_column("wage_income").to_list() == [123450, 0]
    assert parsed.get_column("birth_date").to_list() == [dt.date(1949, 12, 31), dt.date(1950, 1, 1)]
    assert_frame_equal(parsed, check_fully(frame, "persons", today=TODAY)[0])


def test_rows_with_errors_keep_their_place_and_their_reasons() -> None:
    """Doubtful rows go through the full check and come back in file order, with Excel row numbers."""
    frame = pl.DataFrame(
        {
            "person_id": ["P1", "P2", "P3", "P4"],
            "household_id": ["H1", "H1", "H1", "H1"],
            "name": ["a", "b", "c", "d"],
            "relation": ["02", "10", "20", "20"],
            "birth_date": ["1949-12-31", "2025/8/1", "1879-12-31", "20250802"],
            "wage_income": ["1,234.5", "1", "-3", "1.234"],
        }
    )
    parsed, errors = parse_table(frame, "persons", today=TODAY)
    assert parsed.get_column("__row").to_list() == [2, 3, 4, 5]
    assert parsed.get_column("wage_income").to_list() == [123450, 100, None, None]
    assert parsed.get_column("birth_date")[:2].to_list() == [dt.date(1949, 12, 31), dt.date(2025, 8, 1)]
    assert_frame_equal(parsed, check_fully(frame, "persons", today=TODAY)[0])
    assert sorted(errors.select("row", "column", "reason").rows()) == [
        (4, "birth_date", "date_too_old"),
        (4, "wage_income", "money_negative"),
        (5, "birth_date", "date_future"),
        (5, "wage_income", "money_format"),
    ]
