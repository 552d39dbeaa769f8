"""公民身份号码 (citizen ID number), GB 11643-1999.

Layout of the 18 characters:
    1–6   address code: county of permanent residence at issue (GB/T 2260)
    7–14  birth date YYYYMMDD (GB/T 7408)
    15–17 sequence code: odd for male, even for female
    18    check character, ISO 7064 MOD 11-2 ("X" stands for 10)

>>> parse("11010519491231002X").sex   # the standard's worked example
2
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

import polars as pl

from minsheng.codes.divisions import divisions
from minsheng.errors import IdNumberError

# GB 11643 §5: weight of position i (1-based) is 2^(18-i) mod 11.
WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))
# ISO 7064 MOD 11-2: the check character for each value of (sum mod 11).
CHECK_CHARS = "10X98765432"

# Sequence codes per (region, birth date): 500 odd (male), 499 even 002–998 (female).
MAX_SEQUENCES = {1: 500, 2: 499}

# ASCII digits only: `\d` would also match full-width and other Unicode digits,
# which `int()` accepts, letting "１１０１０５…" through with a non-ASCII value.
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A parsed, valid citizen ID number."""

    value: str
    region: str  # 6-digit address code
    birth_date: dt.date
    sex: int  # GB/T 2261.1: 1 male, 2 female
    region_known: bool  # False: not in the current division list (may be a retired code)


def check_char(body17: str) -> str:
    """The MOD 11-2 check character of the first 17 digits.

    >>> check_char("11010519491231002")
    'X'
    """
    total = sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalise(raw: str) -> str:
    """Strip spaces and upper-case a lower-case x, as clerks type it."""
    return raw.strip().replace(" ", "").upper()


def parse(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate and parse an ID number, or raise `IdNumberError` naming the wrong part."""
    value = normalise(raw)
    if len(value) != 18:
        raise IdNumberError(
            "length", f"身份号码应为18位，实际为{len(value)}位", f"ID number must have 18 characters, got {len(value)}"
        )
    if not _SHAPE.fullmatch(value):
        raise IdNumberError(
            "characters",
            "身份号码前17位须为数字，第18位为数字或X",
            "ID number must be 17 digits followed by a digit or X",
        )
    region = value[:6]
    book = divisions()
    # The address code is the county at the time of issue; codes retire when
    # divisions change, so an unknown county under a known province is kept
    # (region_known=False) while an unknown province is an error.
    if not book.is_known(region[:2]):
        raise IdNumberError(
            "region", f"身份号码地址码{region}的省级代码不存在", f"ID number region code {region}: unknown province"
        )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdNumberError(
            "birth_date",
            f"身份号码中的出生日期{value[6:14]}不是真实日期",
            f"ID number birth date {value[6:14]} is not a real date",
        ) from None
    if birth > (today or dt.date.today()) or birth.year < 1880:
        raise IdNumberError(
            "birth_date",
            f"身份号码中的出生日期{birth}不在合理范围",
            f"ID number birth date {birth} is in the future or implausible",
        )
    expected = check_char(value[:17])
    if value[17] != expected:
        raise IdNumberError(
            "check_digit",
            f"身份号码校验码错误：应为{expected}，实际为{value[17]}",
            f"ID number check digit wrong: expected {expected}, got {value[17]}",
        )
    sex = 1 if int(value[16]) % 2 == 1 else 2
    return IdNumber(value, region, birth, sex, book.is_known(region))


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except IdNumberError:
        return False
    return True


def make(region: str, birth_date: dt.date, sequence: int, sex: int) -> str:
    """Build a valid ID number; `sequence` picks one of the codes of that sex
    (male 001, 003 … 999: 0–499; female 002, 004 … 998: 0–498).

    >>> make("110105", dt.date(1949, 12, 31), 0, 2)
    '11010519491231002X'
    """
    if sex not in MAX_SEQUENCES:
        raise ValueError(f"sex must be 1 (male) or 2 (female), got {sex!r}")
    if not 0 <= sequence < MAX_SEQUENCES[sex]:
        raise ValueError(f"sequence must be in 0..{MAX_SEQUENCES[sex] - 1} for sex {sex}")
    seq = 2 * sequence + (1 if sex == 1 else 2)  # odd for male, even for female
    body = f"{region}{birth_date:%Y%m%d}{seq:03d}"
    return body + check_char(body)


def birth_date_expr(ids: pl.Expr) -> pl.Expr:
    """Vectorised: the birth date in characters 7-14 of ID numbers (null where not a date).
    Trust it only for a number that passed validation: a wrong number may be wrong there."""
    return ids.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)


def check_char_expr(body17: pl.Expr) -> pl.Expr:
    """Vectorised `check_char` over a string column of 17-digit bodies (null where not digits)."""
    # ASCII digits only (the regex engine's `\d` is Unicode, and `to_integer` takes a sign):
    # anything else is null rather than a check character computed from part of it.
    number = pl.when(body17.str.contains(r"^[0-9]{17}$")).then(body17.str.to_integer(base=10, strict=False))
    total = number.map_batches(_weighted_sums, return_dtype=pl.Int64, is_elementwise=True)
    return total.replace_strict(dict(enumerate(CHECK_CHARS)), return_dtype=pl.String)


def valid_as_written(ids: pl.Series, *, today: dt.date) -> pl.Series:
    """Vectorised `parse` without reasons, for a column as read: true where the value is a valid
    number exactly as written (18 ASCII characters, an upper-case X, a known province, a real
    birth date from 1880 to `today`, the right check character), false or null elsewhere — also
    where `normalise` would make it valid (a space, a lower-case x).

    The 17 digits are read once, as an integer, and every part is arithmetic on it."""
    provinces = pl.Series([int(code) for code in divisions().codes("province")], dtype=pl.Int64)
    n, born = pl.col("number"), pl.col("born")
    year, month, day = born // 10_000, born // 100 % 100, born % 100
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = pl.when(month == 2).then(28 + leap.cast(pl.Int64)).when(month.is_in([4, 6, 9, 11])).then(30).otherwise(31)
    earliest, latest = 18800101, today.year * 10_000 + today.month * 100 + today.day
    return (
        pl.DataFrame({"id": ids})
        .lazy()
        .with_columns(pl.col("id").str.head(17).str.to_integer(base=10, strict=False).alias("number"))
        .with_columns((n // 1000 % 10**8).alias("born"), _weighted_sum_mod_11(n).alias("sum"))
        .select(
            pl.col("id").str.contains(r"^[0-9]{17}[0-9X]$")
            & (n // 10**15).is_in(provinces.implode())
            & month.is_between(1, 12)
            & day.is_between(pl.lit(1), days)
            & born.is_between(earliest, latest)
            # ISO 7064 MOD 11-2: the weighted sum of all 18 characters, X counting 10, is 1 mod 11
            & ((pl.col("sum") + pl.col("id").str.slice(17).str.to_integer(strict=False).fill_null(10)) % 11 == 1)
        )
        .collect()
        .to_series()
    )


# The 17 weighted digits are summed by looking up four chunks of the body read as one
# integer (digits 1–5, 6–9, 10–13, 14–17) in tables of each chunk's weighted sum mod 11:
# a few integer passes and four look-ups over a column instead of 17 digit extractions.
# (Tables of 10^5 and 10^4 entries: built in milliseconds, and they stay in cache.)
_CHUNKS = ((12, WEIGHTS[0:5]), (8, WEIGHTS[5:9]), (4, WEIGHTS[9:13]), (0, WEIGHTS[13:17]))


@cache
def _chunk_table(weights: tuple[int, ...]) -> pl.Series:
    """Weighted digit sum mod 11 of every number of len(weights) digits (index = the number)."""
    k = len(weights)
    n = pl.int_range(10**k, dtype=pl.Int64)
    terms = ((n // 10 ** (k - 1 - j)) % 10 * w for j, w in enumerate(weights))
    return pl.select(pl.sum_horizontal(terms) % 11).to_series().cast(pl.Int64)


def _weighted_sum_mod_11(number: pl.Expr) -> pl.Expr:
    """Σ digit × weight mod 11 of 17-digit bodies given as integers (null stays null)."""
    # One batch function, so the integer column is computed once and read four times.
    return number.map_batches(_weighted_sums, return_dtype=pl.Int64, is_elementwise=True)


def _weighted_sums(number: pl.Series) -> pl.Series:
    parts = [_chunk_table(w).gather(number // 10**below % 10 ** len(w)) for below, w in _CHUNKS]
    return (parts[0] + parts[1] + parts[2] + parts[3]) % 11  # `+` keeps a null body null
