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
    # The 17 digits fit in an Int64; taking digits arithmetically is far faster than
    # slicing strings over a million rows.
    number = body17.str.to_integer(base=10, strict=False)
    total = pl.sum_horizontal((number // 10 ** (16 - i)) % 10 * w for i, w in enumerate(WEIGHTS))
    char = (total % 11).replace_strict(dict(enumerate(CHECK_CHARS)), return_dtype=pl.String)
    # ASCII digits only (the regex engine's `\d` is Unicode): a full-width digit
    # casts to null, which `sum_horizontal` would silently skip.
    return pl.when(body17.str.contains(r"^[0-9]{17}$")).then(char)
