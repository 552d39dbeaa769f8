"""Records as Splink compares them (比对特征): one frame layout for both sides.

`prepare` turns feed records or registry persons (clear ID numbers: this runs
inside the trusted batch job, never on a page) into the columns the
comparisons and blocking rules read, computed once per record:

| column | what |
|---|---|
| `unique_id` | feed key or person id |
| `name`, `surname`, `given`, `*_py`, `*_fz`, `name_shape` | see `chinese.name_keys` |
| `dob`, `dob_swap`, `birth_year`, `birth_md` | birth date as `YYYYMMDD`, with day and month swapped, its year, its month and day |
| `dob_derived` | the birth date was not declared but read from the ID number (at import, ingest or here) |
| `sex` | 1 / 2 |
| `id_number`, `id14`, `id_tail`, `id_ends`, `id_sorted`, `id_valid`, `has_id` | normalised ID number; its first 14 characters (region + birth date); its last 12 (birth date, sequence, check); its first 6 and last 4 (region, sequence, check: the birth date mistyped); its characters sorted (a transposition keeps them); check digit valid; a number at all |
| `county`, `township` | first 6 / 9 digits of the residence division |

A missing birth date is taken from a valid ID number, as ingest does, and
marked `dob_derived` (so is one the input marks `birth_date_derived`, as the
registry import and feed ingest do): it is the ID number's evidence, and the
`dob` comparison does not count it a second time (see `comparisons`).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from minsheng.codes.id_number import birth_date_expr, check_char_expr
from minsheng.contract.validation import parse_date
from minsheng.linkage.chinese import KEY_COLUMNS, name_keys

FEATURE_COLUMNS = (
    "unique_id",
    *KEY_COLUMNS,
    "dob",
    "dob_swap",
    "birth_year",
    "birth_md",
    "dob_derived",
    "sex",
    "id_number",
    "id14",
    "id_tail",
    "id_ends",
    "id_sorted",
    "id_valid",
    "has_id",
    "county",
    "township",
)
# Full-width digits and x, as some input methods type them.
_FULL_WIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {"Ｘ": "X", "ｘ": "X"}


def normalise_id(raw: pl.Expr) -> pl.Expr:
    """Spaces removed, full-width digits made ASCII, x upper-cased; blank → null."""
    s = raw.cast(pl.String).str.replace_all(r"[\s\u3000-]", "")
    for wide, ascii_ in _FULL_WIDTH.items():
        s = s.str.replace_all(wide, ascii_, literal=True)
    s = s.str.to_uppercase()
    return pl.when(s.str.len_chars() > 0).then(s)


def id_is_valid(ids: pl.Expr) -> pl.Expr:
    """18 characters and the GB 11643 check character agrees (false for null)."""
    ok = ids.str.contains(r"^[0-9]{17}[0-9X]$") & (check_char_expr(ids.str.slice(0, 17)) == ids.str.slice(17, 1))
    return ok.fill_null(False)


def normalise_date(raw: pl.Expr, today: dt.date | None = None) -> pl.Expr:
    """A birth date from the formats departments send: 1980-01-02, 1980/1/2, 19800102,
    1980.01.02, 1980年1月2日, with or without a time; anything else → null."""
    s = raw.cast(pl.String).str.strip_chars()
    s = s.str.replace(r"日.*$", "").str.replace_all(r"[年月.]", "-")
    value, _reason = parse_date(s, today or dt.date.today())
    return value


def birth_dates(frame: pl.DataFrame, column: str = "birth_date") -> pl.Expr:
    dtype = frame.schema[column]
    if dtype == pl.Date:
        return pl.col(column)
    if isinstance(dtype, pl.Datetime):
        return pl.col(column).dt.date()
    return normalise_date(pl.col(column))


def prepare(frame: pl.DataFrame, id_column: str) -> pl.DataFrame:
    """The feature frame of records with `name`, `birth_date`, `sex`, `id_number`
    (clear) and `residence_division`; `id_column` becomes `unique_id`."""
    ids = normalise_id(pl.col("id_number"))
    declared_derived = (
        pl.col("birth_date_derived").fill_null(False) if "birth_date_derived" in frame.columns else pl.lit(False)
    )
    base = frame.select(
        pl.col(id_column).cast(pl.String).alias("unique_id"),
        ids.alias("id_number"),
        birth_dates(frame).alias("_birth"),
        declared_derived.alias("_derived"),
        pl.col("sex").cast(pl.String).alias("sex"),
        pl.col("residence_division").cast(pl.String).alias("_division"),
    ).with_columns(
        id_is_valid(pl.col("id_number")).alias("id_valid"), pl.col("id_number").is_not_null().alias("has_id")
    )
    id_birth = pl.when(pl.col("id_valid")).then(birth_date_expr(pl.col("id_number")))
    dob = pl.coalesce("_birth", id_birth).dt.strftime("%Y%m%d")
    derived = (pl.col("_derived") & pl.col("_birth").is_not_null()) | (pl.col("_birth").is_null() & pl.col("id_valid"))
    base = base.with_columns(dob.alias("dob"), derived.alias("dob_derived")).with_columns(
        (pl.col("dob").str.slice(0, 4) + pl.col("dob").str.slice(6, 2) + pl.col("dob").str.slice(4, 2)).alias(
            "dob_swap"
        ),
        pl.col("dob").str.slice(0, 4).alias("birth_year"),
        pl.col("dob").str.slice(4, 4).alias("birth_md"),
        pl.when(pl.col("id_number").str.len_chars() >= 14).then(pl.col("id_number").str.slice(0, 14)).alias("id14"),
        pl.when(pl.col("id_number").str.len_chars() == 18).then(pl.col("id_number").str.slice(6)).alias("id_tail"),
        pl.when(pl.col("id_number").str.len_chars() == 18)
        .then(pl.col("id_number").str.slice(0, 6) + pl.col("id_number").str.slice(14))
        .alias("id_ends"),
        pl.col("id_number").str.split("").list.sort().list.join("").alias("id_sorted"),
        pl.when(pl.col("sex").is_in(["1", "2"])).then(pl.col("sex")).alias("sex"),
        pl.col("_division").str.slice(0, 6).alias("county"),
        pl.when(pl.col("_division").str.len_chars() >= 9).then(pl.col("_division").str.slice(0, 9)).alias("township"),
    )
    keys = name_keys(frame.get_column("name"))
    return pl.concat([base, keys], how="horizontal").select(FEATURE_COLUMNS)
