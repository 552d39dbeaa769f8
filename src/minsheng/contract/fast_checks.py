"""The first, fast phase of the contract's per-cell checks (`contract.validation`).

For every cell of a column, one cheap exact test says "valid, and this is its value"
(`fast_column`). It never gives a reason: a cell it does not vouch for goes, with the
rest of its row, through the full reasoned check, which alone writes reasons. So the
fast test may pass over more than it must (a comma in an amount, 2025/8/1, 14-digit
money, a name with an unassigned character), never less; and where it vouches for a
cell, its value is the full check's value. `tests/property/test_validation_phases.py`
holds the two to that on arbitrary cells.

Why it is fast: a valid file's cells are plain (digits, a code, ISO dates), and each
test here is one or two whole-column operations on the cell as read, where the full
check evaluates every branch, regex and extract of its reasons for every cell.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache, partial

import polars as pl

from minsheng.codes.divisions import divisions
from minsheng.codes.id_number import valid_as_written
from minsheng.contract.columns import Column

EARLIEST_DATE = dt.date(1880, 1, 1)  # as the full check: earlier is date_too_old
# Nothing the full check would strip (edge whitespace) or refuse as a control character:
# Cc is C0, DEL and C1; Cn holds the noncharacters U+FDD0–U+FDEF, U+FFFE, U+FFFF (and
# unassigned code points, which only send a cell to the full check).
_PLAIN_TEXT = r"[\p{Cc}\p{Cn}]|^\s|\s$"
# At most 13 integer digits: under MAX_MONEY_FEN (10^15 fen) without a comparison.
_PLAIN_MONEY = r"^[0-9]{1,13}(\.[0-9]{1,2})?$"
_PLAIN_INT = r"^[0-9]{1,4}$"  # at most 9,999: under MAX_COUNT (10,000)
_PLAIN_DECIMAL = r"^[0-9]{1,9}(\.[0-9]+)?$"  # the full check's own test: it has no other
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DIVISION_SHAPE = r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$"


@cache
def _division_keys() -> pl.Series:
    """The first 9 characters of every division code the full check knows: counties (6),
    townships (9), and a county padded to 9 (110105000); a village's first 9 are its township."""
    book = divisions()
    counties = book.codes("county")
    townships = [t for t in book.codes("township") if not t.endswith("000")]  # 9-digit "…000" is its county
    return pl.Series([*counties, *townships, *(c + "000" for c in counties)], dtype=pl.String)


def _plain_spellings(col: Column) -> dict[str, str]:
    """The column's accepted spellings that the full check would neither strip nor refuse."""
    assert col.codes is not None
    return {k: v for k, v in col.codes.accepted().items() if k and k == k.strip() and k.isprintable()}


def typed(col: Column) -> str:
    """The name under which `parse_table` keeps a column's fast typed value while it checks."""
    return f"__typed_{col.name}"


def fast_column(col: Column, today: dt.date) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, vouched) for one contract column; where `vouched` is true the value is
    the full check's value and the full check finds nothing wrong with the cell.

    `vouched` reads the cell as read (`col.name`) and its typed value as `typed(col)`: the
    caller computes the values first, so a conversion is done once, not once per use."""
    raw = pl.col(col.name)
    value, plain = _kind(col, raw, pl.col(typed(col)), today)
    # An empty cell: valid (null) unless the column is required. A blank one ("", "  ") is
    # not plain for any kind, so the full check judges it.
    vouched = raw.is_null() if not col.required else pl.lit(False)
    return value, (vouched | plain).fill_null(False)


def _kind(col: Column, raw: pl.Expr, value: pl.Expr, today: dt.date) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, plain: a non-empty cell the full check would accept with that value)."""
    if col.kind in ("text", "id"):
        n = raw.str.len_chars()
        return raw, (n > 0) & (n <= 64) & ~raw.str.contains(_PLAIN_TEXT)
    if col.kind == "division":
        known = raw.str.slice(0, 9).is_in(_division_keys().implode())
        return raw, raw.str.contains(_DIVISION_SHAPE) & known
    if col.kind in ("enum", "bool"):
        code = raw.replace_strict(_plain_spellings(col), default=None, return_dtype=pl.String)
        return (code if col.kind == "enum" else code == "1"), value.is_not_null()
    if col.kind == "money":
        # Exact to the fen through a float, where the cell is plain (the only cells this value is
        # used for): at most 13 + 2 digits, so the nearest double is within 2^-53 of it, times
        # 100 is under 10^15, and the errors together stay far below half a fen — rounding gives
        # the full check's Decimal value exactly, at a third of the cost. The value is computed
        # for every cell, plain or not, so a huge one (10^20) must become null, not stop the run.
        fen = (raw.cast(pl.Float64, strict=False) * 100).round(0).cast(pl.Int64, strict=False)
        return fen, raw.str.contains(_PLAIN_MONEY)
    if col.kind == "int":
        return raw.cast(pl.Int64, strict=False).cast(pl.Int32, strict=False), raw.str.contains(_PLAIN_INT)
    if col.kind == "decimal":
        return raw.cast(pl.Float64, strict=False), raw.str.contains(_PLAIN_DECIMAL)
    if col.kind == "date":
        in_range = value.is_between(pl.lit(EARLIEST_DATE), pl.lit(today))
        return raw.str.to_date("%Y-%m-%d", strict=False), raw.str.contains(_ISO_DATE) & in_range
    if col.kind == "id_number":
        check = partial(valid_as_written, today=today)
        return raw, raw.map_batches(check, return_dtype=pl.Boolean, is_elementwise=True)
    if col.kind == "programmes":
        assert col.codes is not None
        one = "|".join(re.escape(code) for code in col.codes.labels)
        return raw.str.split(";"), raw.str.contains(f"^({one})(;({one}))*$")
    raise ValueError(f"unknown column kind {col.kind}")
