"""The data contract's checks, vectorised over a whole file at once.

`parse_table` turns a frame of strings into typed values (money in fen) and
a list of row errors: every bad cell is reported, with its row (header = 1),
column, value and a reason in Chinese and English. Cross-row checks
(duplicates, unknown households, ID number conflicts) live in `importer`,
which knows the database.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TypeVar

import polars as pl

from minsheng.codes.divisions import divisions
from minsheng.codes.id_number import birth_date_expr, check_char_expr
from minsheng.contract.columns import COLUMNS, MAX_COUNT, MAX_MONEY_FEN, Column
from minsheng.contract.fast_checks import fast_column, typed

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)
ROW = "__row"  # the row number as a user sees it in Excel
VOUCHED = "__vouched"  # every cell of the row passed its fast test
# No cell of the contract legitimately holds a control character: C0 (NUL … US, tab and line
# breaks included), DEL, C1, or the noncharacters U+FDD0–U+FDEF, U+FFFE and U+FFFF. PostgreSQL
# refuses NUL in text outright, SQLite would store it, and either way the name on a page, a
# notice or a linkage key would differ from what anyone can see. (A lone surrogate cannot reach
# here: it is not valid UTF-8 or GB18030, so `contract.files` has refused the file already.)
CONTROL = r"[\x00-\x1F\x7F-\x9F\x{FDD0}-\x{FDEF}\x{FFFE}\x{FFFF}]"

# Reason keys → (Chinese, English). One table so messages stay consistent.
REASONS: dict[str, tuple[str, str]] = {
    "required": ("必填项为空", "required value is missing"),
    "control_char": (
        "含有不可见的控制字符（如NUL、换行、制表符），请删除后重新导入",
        "contains an invisible control character (such as NUL, a line break or a tab): remove it",
    ),
    "too_long": ("内容过长（最多64个字符）", "value too long (at most 64 characters)"),
    "division_format": ("区划代码应为6、9或12位数字", "division code must be 6, 9 or 12 digits"),
    "division_unknown": (
        "区划代码不存在（未知或已撤销）",
        "unknown division code (not in the division list, or retired)",
    ),
    "money_negative": ("金额不能为负数", "negative money is not allowed"),
    "money_format": ("金额格式错误：应为元，最多两位小数", "money must be yuan with at most 2 decimals"),
    "money_too_large": ("金额过大", "amount is implausibly large"),
    "int_negative": ("不能为负数", "must not be negative"),
    "int_format": ("应为整数", "must be a whole number"),
    "decimal_format": ("应为非负数字", "must be a non-negative number"),
    "date_format": (
        "日期格式错误：应为YYYY-MM-DD、YYYY/MM/DD或YYYYMMDD",
        "date must be YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD",
    ),
    "date_unreal": ("不是真实日期", "not a real date"),
    "date_future": ("日期在未来", "date is in the future"),
    "date_too_old": ("日期早于1880年，不合理", "date before 1880 is implausible"),
    "id_length": ("公民身份号码应为18位", "ID number must have 18 characters"),
    "id_characters": ("公民身份号码前17位应为数字，末位为数字或X", "ID number must be 17 digits and a digit or X"),
    "id_region": ("公民身份号码地址码的省份不存在", "ID number region code: unknown province"),
    "id_birth_date": (
        "公民身份号码中的出生日期不是真实日期或在未来",
        "ID number birth date is not a real date or in the future",
    ),
    "id_check_digit": (
        "公民身份号码校验码错误（GB 11643 MOD 11-2）",
        "ID number check digit is wrong (GB 11643 MOD 11-2)",
    ),
    "bool_format": ("应为1/0、true/false或是/否", "must be 1/0, true/false or 是/否"),
    "programme_unknown": ("救助项目编号不存在", "unknown programme id"),
}


def enum_reason(col: Column) -> tuple[str, str]:
    assert col.codes is not None
    allowed_zh = "、".join(f"{code}({zh})" for code, (zh, _en) in list(col.codes.labels.items())[:12])
    more = "…" if len(col.codes.labels) > 12 else ""
    return (
        f"不是允许的值，应为：{allowed_zh}{more}",
        f"not an allowed value; expected one of {', '.join(col.codes.labels)}",
    )


def reason_text(col: Column, key: str) -> tuple[str, str]:
    if key == "enum":
        return enum_reason(col)
    return REASONS[key]


@cache
def _known_divisions() -> pl.Series:
    book = divisions()
    return pl.Series(book.codes("county") + book.codes("township"), dtype=pl.String)


def _blank_to_null(c: pl.Expr) -> pl.Expr:
    c = c.str.strip_chars()
    return pl.when(c == "").then(None).otherwise(c)


def _money(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    s = raw.str.replace_all(",", "", literal=True)
    ok = s.str.contains(r"^[0-9]{1,15}(\.[0-9]{1,2})?$")
    # Decimal, not float: exact to the fen. The regex has already refused a third decimal.
    fen = pl.when(ok).then((s.cast(pl.Decimal(20, 2), strict=False) * 100).cast(pl.Int64))
    reason = (
        pl.when(raw.is_null())
        .then(None)
        .when(s.str.starts_with("-") & s.str.slice(1).str.contains(r"^[0-9]+(\.[0-9]+)?$"))
        .then(pl.lit("money_negative"))
        .when(~ok)
        .then(pl.lit("money_format"))
        .when(fen > MAX_MONEY_FEN)
        .then(pl.lit("money_too_large"))
    )
    return fen, reason


def _int(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    s = pl.when(raw.str.ends_with(".0")).then(raw.str.head(-2)).otherwise(raw)  # Excel writes 2 as 2.0
    ok = s.str.contains(r"^[0-9]{1,6}$")
    value = pl.when(ok).then(s.cast(pl.Int64, strict=False))
    reason = (
        pl.when(raw.is_null())
        .then(None)
        .when(s.str.contains(r"^-[0-9]+$"))
        .then(pl.lit("int_negative"))
        .when(~ok | (value > MAX_COUNT))
        .then(pl.lit("int_format"))
    )
    return value.cast(pl.Int32), reason


def _decimal(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    ok = raw.str.contains(r"^[0-9]{1,9}(\.[0-9]+)?$")
    value = pl.when(ok).then(raw.cast(pl.Float64, strict=False))
    return value, pl.when(raw.is_not_null() & ~ok).then(pl.lit("decimal_format"))


def parse_date(raw: pl.Expr, today: dt.date) -> tuple[pl.Expr, pl.Expr]:
    # Accept YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD; Excel adds " 00:00:00" to date cells.
    s = raw.str.replace(r"[ T]00:00:00(\.0+)?$", "").str.replace_all("/", "-")
    digits = (
        pl.when(s.str.contains(r"^[0-9]{8}$"))
        .then(s)
        .when(s.str.contains(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$"))
        .then(
            s.str.extract(r"^([0-9]{4})", 1)
            + s.str.extract(r"^[0-9]{4}-([0-9]{1,2})", 1).str.zfill(2)
            + s.str.extract(r"-([0-9]{1,2})$", 1).str.zfill(2)
        )
    )
    value = digits.str.to_date("%Y%m%d", strict=False)
    reason = (
        pl.when(raw.is_null())
        .then(None)
        .when(digits.is_null())
        .then(pl.lit("date_format"))
        .when(value.is_null())
        .then(pl.lit("date_unreal"))
        .when(value > pl.lit(today))
        .then(pl.lit("date_future"))
        .when(value < pl.lit(dt.date(1880, 1, 1)))
        .then(pl.lit("date_too_old"))
    )
    return value, reason


def _id_number(raw: pl.Expr, today: dt.date) -> tuple[pl.Expr, pl.Expr]:
    s = raw.str.replace_all(" ", "").str.to_uppercase()
    provinces = pl.Series(divisions().codes("province"), dtype=pl.String)
    birth = birth_date_expr(s)
    reason = (
        pl.when(raw.is_null())
        .then(None)
        .when(s.str.len_chars() != 18)
        .then(pl.lit("id_length"))
        .when(~s.str.contains(r"^[0-9]{17}[0-9X]$"))
        .then(pl.lit("id_characters"))
        .when(~s.str.slice(0, 2).is_in(provinces.implode()))
        .then(pl.lit("id_region"))
        .when(birth.is_null() | (birth > pl.lit(today)) | (birth < pl.lit(dt.date(1880, 1, 1))))
        .then(pl.lit("id_birth_date"))
        .when(check_char_expr(s.str.slice(0, 17)) != s.str.slice(17, 1))
        .then(pl.lit("id_check_digit"))
    )
    return s, reason


def _column(col: Column, today: dt.date) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, reason key or null) for one contract column."""
    raw = _blank_to_null(pl.col(col.name))
    if col.kind in ("text", "id"):
        return raw, pl.when(raw.str.len_chars() > 64).then(pl.lit("too_long"))
    if col.kind == "division":
        key = pl.when(raw.str.len_chars() == 12).then(raw.str.slice(0, 9)).otherwise(raw)
        key = pl.when(key.str.ends_with("000") & (key.str.len_chars() == 9)).then(key.str.slice(0, 6)).otherwise(key)
        reason = (
            pl.when(raw.is_null())
            .then(None)
            .when(~raw.str.contains(r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$"))
            .then(pl.lit("division_format"))
            .when(~key.is_in(_known_divisions().implode()))
            .then(pl.lit("division_unknown"))
        )
        return raw, reason
    if col.kind in ("enum", "bool"):
        assert col.codes is not None
        table = col.codes.accepted()
        value = raw.replace_strict(table, default=None, return_dtype=pl.String)
        bad = pl.lit("enum") if col.kind == "enum" else pl.lit("bool_format")
        out = value if col.kind == "enum" else (value == "1")
        return out, pl.when(raw.is_not_null() & value.is_null()).then(bad)
    if col.kind == "money":
        return _money(raw)
    if col.kind == "int":
        return _int(raw)
    if col.kind == "decimal":
        return _decimal(raw)
    if col.kind == "date":
        return parse_date(raw, today)
    if col.kind == "id_number":
        return _id_number(raw, today)
    if col.kind == "programmes":
        assert col.codes is not None
        items = raw.str.replace_all(r"[；,，]", ";").str.split(";").list.eval(pl.element().str.strip_chars())
        items = items.list.eval(pl.element().filter(pl.element() != ""))
        known = pl.Series(list(col.codes.labels), dtype=pl.String).implode()
        unknown = items.list.eval(~pl.element().is_in(known)).list.any()
        return items, pl.when(unknown).then(pl.lit("programme_unknown"))
    raise ValueError(f"unknown column kind {col.kind}")


def parse_table(frame: pl.DataFrame, kind: str, *, today: dt.date | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed values (contract names, money still named as in the contract but in fen)
    and the errors frame (row, column, value, reason key).

    Two phases, one result: every cell first gets a cheap exact test that vouches for it
    and gives its value (`contract.fast_checks`); only the rows holding a cell it did not
    vouch for go through `check_fully`, whose values and reasons replace theirs. A valid
    file (the usual case) never pays for the reasons."""
    today = today or dt.date.today()
    checked = vouched_plan(frame.lazy(), kind, today).select(_rows(), pl.all()).collect()
    vouched = checked.get_column(VOUCHED)
    parsed = checked.drop(VOUCHED)
    if vouched.all():
        return parsed, empty_errors()
    doubtful = vouched.not_().arg_true()
    values, errors = check_fully(
        frame[doubtful].with_columns((doubtful.cast(pl.Int64) + 2).alias(ROW)), kind, today=today
    )
    return pl.concat([parsed.filter(vouched), values]).sort(ROW), errors


def vouched_plan(source: pl.LazyFrame, kind: str, today: dt.date) -> pl.LazyFrame:
    """The fast phase as a query over cells as read (contract names): every column's typed value
    under its contract name, and VOUCHED, true where the fast tests vouch for every cell of the row.
    (Run on a streaming CSV scan it was no faster than read-then-check, so it runs on the frame.)"""
    every, filled = _contract_columns(source, kind)
    fast = [fast_column(c, today) for c in every]
    return filled.with_columns(value.alias(typed(c)) for c, (value, _) in zip(every, fast, strict=True)).select(
        *(pl.col(typed(c)).alias(c.name) for c in every),
        pl.all_horizontal(vouched for _, vouched in fast).alias(VOUCHED),
    )


def check_fully(frame: pl.DataFrame, kind: str, *, today: dt.date | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`parse_table`'s result by the reasoned check of every cell alone: for the rows the fast
    phase did not vouch for (which carry their ROW), and as the reference its tests hold it to."""
    today = today or dt.date.today()
    every, frame = _contract_columns(frame, kind)
    checked = _full_check(frame if ROW in frame.columns else frame.with_columns(_rows()), every, today)
    parsed = checked.select(ROW, *(pl.col(f"__val_{c.name}").alias(c.name) for c in every))
    return parsed, errors_from(checked, [c.name for c in COLUMNS[kind]])


def _contract_columns(frame: Frame, kind: str) -> tuple[tuple[Column, ...], Frame]:
    """The kind's columns, those in the file first; a missing one is added as empty."""
    names = set(frame.collect_schema().names())
    cols: list[Column] = [c for c in COLUMNS[kind] if c.name in names]
    missing: list[Column] = [c for c in COLUMNS[kind] if c.name not in names]
    frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c.name) for c in missing)
    return (*cols, *missing), frame


def _rows() -> pl.Expr:
    return pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias(ROW)


def _full_check(frame: pl.DataFrame, every: tuple[Column, ...], today: dt.date) -> pl.DataFrame:
    """The reasoned check of every cell: `frame` (strings, with its ROW) plus `__val_<col>`
    (typed value) and `__err_<col>` (reason key or null) for each column."""
    exprs, reasons = [], []
    for col in every:
        value, reason = _column(col, today)
        # Checked on the trimmed value, the one that would be stored: a control character
        # anywhere in it refuses the cell, whatever the column's kind.
        # (The key fits feed_records.id_issue, String(16): a feed keeps a record whose ID
        # number is refused, without the number.)
        control = _blank_to_null(pl.col(col.name)).str.contains(CONTROL)
        reason = pl.when(control).then(pl.lit("control_char")).otherwise(reason)
        value = pl.when(control).then(None).otherwise(value)
        if col.required:
            reason = pl.when(_blank_to_null(pl.col(col.name)).is_null()).then(pl.lit("required")).otherwise(reason)
        exprs.append(value.alias(f"__val_{col.name}"))
        reasons.append(reason.alias(f"__err_{col.name}"))
    # One lazy pass: values and reasons share sub-expressions (common-subexpression elimination).
    return frame.lazy().with_columns(*exprs, *reasons).collect()


def errors_from(checked: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Long error frame from `__err_<col>` columns: one row per bad cell."""
    parts = [
        checked.filter(pl.col(f"__err_{n}").is_not_null()).select(
            pl.col(ROW).alias("row"),
            pl.lit(n).alias("column"),
            # a control character shown as � where it was: visible in a report, storable anywhere
            pl.col(n).cast(pl.String).str.replace_all(CONTROL, "\ufffd").alias("value"),
            pl.col(f"__err_{n}").alias("reason"),
        )
        for n in names
        if f"__err_{n}" in checked.columns
    ]
    return pl.concat(parts) if parts else empty_errors()


def empty_errors() -> pl.DataFrame:
    return pl.DataFrame(schema={"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String})
