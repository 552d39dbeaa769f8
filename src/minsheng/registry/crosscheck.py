"""The importer's cross-row checks (跨行校验): what one cell alone cannot tell.

After `validation.parse_table` has typed each cell, these look across rows and at the
registry: duplicate ids and ID numbers in the file, ID number vs birth date and sex,
a person whose household is unknown or rejected, a household id that belongs to
another county, an ID number already registered to another person. Each problem is
a reason key per (row, column); `explain` turns the keys into zh + en text.

Used by `importer.import_files` (inside its unit of work) and by `check.check_files`
(the same checks for a user, before anything is written).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Connection

from minsheng.codes.id_number import birth_date_expr
from minsheng.contract import files
from minsheng.contract.columns import COLUMNS
from minsheng.contract.validation import ROW, parse_table, reason_text
from minsheng.db.upsert import existing
from minsheng.privacy.masking import mask_id_number, mask_phone
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry import report
from minsheng.registry.tables import HOUSEHOLDS, PERSONS

# Cross-row reasons, added to the validation table's.
CROSS_REASONS: dict[str, tuple[str, str]] = {
    "duplicate_id": ("编号重复：文件中已出现过", "duplicate id: appears earlier in the file"),
    "duplicate_id_number": (
        "公民身份号码重复：文件中另一成员已使用",
        "duplicate ID number: another person in the file has it",
    ),
    "id_number_taken": (
        "公民身份号码已属于库中另一成员",
        "ID number already belongs to another person in the registry",
    ),
    "birth_conflict": ("出生日期与公民身份号码不一致", "birth date disagrees with the ID number"),
    "sex_conflict": ("性别与公民身份号码不一致", "sex disagrees with the ID number"),
    "no_household": (
        "家庭编号不存在（本次导入和库中均无此家庭）",
        "no such household (not in this import nor in the registry)",
    ),
    "household_rejected": ("所属家庭本行已被拒绝", "its household row was rejected"),
    "other_county": (
        "该家庭编号已属于另一区县的数据，不能覆盖",
        "this household id belongs to another county's data and is not overwritten",
    ),
    "birth_missing": ("无公民身份号码时出生日期必填", "birth date is required when there is no ID number"),
}


# --valid-only rejects a household whole (issue §2.3): the reason its other rows carry.
WHOLE_HOUSEHOLD = (
    "同户成员有错误，整户未导入",
    "another member of this household was rejected, so the whole household is not imported",
)


def whole_households(
    errors: pl.DataFrame,
    households: tuple[pl.DataFrame | None, files.Table | None],
    persons: tuple[pl.DataFrame | None, files.Table | None],
) -> pl.DataFrame:
    """`errors` plus a row error for every other row of a household that has a rejected row.

    A household imported without one of its members would be assessed as a smaller household
    (社会救助暂行办法 第九条: income per capita over 共同生活的家庭成员), so it is not imported in part:
    its household row and all its member rows go to the rejects file, to be fixed together."""
    parts = [(frame, table) for frame, table in (households, persons) if frame is not None and table is not None]
    rejected = {table.file: errors.filter(pl.col("file") == table.file)["row"].implode() for _, table in parts}
    bad: set[str] = set()
    for frame, table in parts:
        bad |= set(frame.filter(pl.col(ROW).is_in(rejected[table.file]))["household_id"].drop_nulls().to_list())
    if not bad:
        return errors
    out = [errors.filter(~pl.col("file").is_in([table.file for _, table in parts]).fill_null(True))]
    for frame, table in parts:
        more = frame.filter(
            pl.col("household_id").is_in(sorted(bad)) & ~pl.col(ROW).is_in(rejected[table.file])
        ).select(
            pl.lit(table.file, dtype=pl.String).alias("file"),
            pl.col(ROW).cast(pl.Int64).alias("row"),
            pl.lit("household_id", dtype=pl.String).alias("column"),
            pl.col("household_id").cast(pl.String).alias("value"),
            pl.lit(WHOLE_HOUSEHOLD[0], dtype=pl.String).alias("reason_zh"),
            pl.lit(WHOLE_HOUSEHOLD[1], dtype=pl.String).alias("reason_en"),
        )
        mine = errors.filter(pl.col("file") == table.file)
        out.append(pl.concat([mine, more.cast(mine.schema)], how="vertical").sort("row", "column", nulls_last=True))
    return pl.concat(out, how="vertical")


def explain(errors: pl.DataFrame, table: files.Table | None) -> pl.DataFrame:
    """Add the file name and the messages in both languages to reason keys."""
    if table is None or errors.is_empty():
        return report.errors_frame([])
    cols = {c.name: c for c in COLUMNS[table.kind]}
    texts = {}
    for key in errors["reason"].unique().to_list():
        if key in CROSS_REASONS:
            texts[key] = CROSS_REASONS[key]
    zh, en = [], []
    for column, key in errors.select("column", "reason").iter_rows():
        text = texts.get(key) or reason_text(cols[column], key)
        zh.append(text[0])
        en.append(text[1])
    return errors.select(
        pl.lit(table.file).alias("file"),
        "row",
        "column",
        "value",
        pl.Series("reason_zh", zh, dtype=pl.String),
        pl.Series("reason_en", en, dtype=pl.String),
    ).sort("row", "column")


def _flag(frame: pl.DataFrame, mask: pl.Expr, column: str, reason: str) -> pl.DataFrame:
    return frame.filter(mask).select(
        pl.col(ROW).alias("row"),
        pl.lit(column).alias("column"),
        pl.col(column).cast(pl.String).alias("value"),
        pl.lit(reason).alias("reason"),
    )


def check_households(conn: Connection, table: files.Table, today: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    hh, errors = parse_table(table.frame, "households", today=today)
    hh = hh.with_columns(
        pl.coalesce("hukou_division", "residence_division").alias("hukou_division"),
        pl.col("residence_division").str.slice(0, 6).alias("county"),
        pl.when(pl.col("residence_division").str.len_chars() >= 9)
        .then(pl.col("residence_division").str.slice(0, 9))
        .alias("township"),
    )
    found = [
        errors,
        _flag(
            hh,
            ~pl.col("household_id").is_first_distinct() & pl.col("household_id").is_not_null(),
            "household_id",
            "duplicate_id",
        ),
    ]
    stored = existing(conn, HOUSEHOLDS, "household_id", hh["household_id"].drop_nulls(), ["county"])
    if not stored.is_empty():
        joined = hh.join(stored.rename({"county": "db_county"}), on="household_id", how="inner")
        bad_division = errors.filter(pl.col("column") == "residence_division")["row"].implode()
        moved = (pl.col("db_county") != pl.col("county")) & ~pl.col(ROW).is_in(bad_division)
        found.append(_flag(joined, moved, "household_id", "other_county"))
    return hh, pl.concat(found)


def check_persons(
    conn: Connection,
    cipher: PersonalDataCipher,
    table: files.Table,
    hh_all: pl.DataFrame | None,
    hh_ok: pl.DataFrame | None,
    today: dt.date,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    p, errors = parse_table(table.frame, "persons", today=today)
    bad_id = errors.filter(pl.col("column") == "id_number")["row"].implode()
    idn = pl.when(~pl.col(ROW).is_in(bad_id)).then(pl.col("id_number"))
    id_birth = birth_date_expr(idn)
    id_sex = (
        pl.when(idn.str.slice(16, 1).cast(pl.Int32, strict=False) % 2 == 1).then(pl.lit("1")).otherwise(pl.lit("2"))
    )
    p = p.with_columns(id_birth.alias("__id_birth"), pl.when(idn.is_not_null()).then(id_sex).alias("__id_sex"))
    bad_birth = errors.filter(pl.col("column") == "birth_date")["row"].implode()
    found = [
        errors,
        _flag(
            p, ~pl.col("person_id").is_first_distinct() & pl.col("person_id").is_not_null(), "person_id", "duplicate_id"
        ),
        _flag(
            p,
            ~pl.col("id_number").is_first_distinct() & pl.col("id_number").is_not_null(),
            "id_number",
            "duplicate_id_number",
        ),
        # The contract: birth date and sex derive from the ID number; a conflict is an error.
        _flag(
            p,
            (pl.col("birth_date") != pl.col("__id_birth")) & ~pl.col(ROW).is_in(bad_birth),
            "birth_date",
            "birth_conflict",
        ),
        _flag(p, pl.col("sex") != pl.col("__id_sex"), "sex", "sex_conflict"),
    ]
    p = p.with_columns(
        # Linkage must know a date read from the ID number from a declared one (migration 0014).
        (pl.col("birth_date").is_null() & pl.col("__id_birth").is_not_null()).alias("birth_date_derived"),
        pl.coalesce("birth_date", "__id_birth").alias("birth_date"),
        pl.coalesce("sex", "__id_sex").alias("sex"),
    ).drop("__id_birth", "__id_sex")
    # Household must exist: in this import (and not rejected) or already in the registry.
    ids = p["household_id"].drop_nulls().unique()
    in_db = existing(conn, HOUSEHOLDS, "household_id", ids, [])["household_id"]
    in_file = hh_all["household_id"] if hh_all is not None else pl.Series([], dtype=pl.String)
    ok_in_file = hh_ok["household_id"] if hh_ok is not None else pl.Series([], dtype=pl.String)
    hid = pl.col("household_id")
    found.append(
        _flag(
            p,
            hid.is_not_null() & ~hid.is_in(in_db.implode()) & ~hid.is_in(in_file.implode()),
            "household_id",
            "no_household",
        )
    )
    found.append(
        _flag(
            p,
            hid.is_in(in_file.implode()) & ~hid.is_in(ok_in_file.implode()) & ~hid.is_in(in_db.implode()),
            "household_id",
            "household_rejected",
        )
    )
    # An ID number may not move silently from another registered person to this one.
    p = _protect(p, cipher)
    owners = existing(conn, PERSONS, "id_number_hash", p["id_number_hash"].drop_nulls(), ["person_id"])
    if not owners.is_empty():
        joined = p.join(owners.rename({"person_id": "db_person"}), on="id_number_hash", how="inner")
        moved = (pl.col("db_person") != pl.col("person_id")) & ~pl.col("db_person").is_in(p["person_id"].implode())
        found.append(_flag(joined, moved, "id_number", "id_number_taken"))
    return p, pl.concat(found).unique(subset=["row", "column"], keep="first", maintain_order=True)


def _protect(p: pl.DataFrame, cipher: PersonalDataCipher) -> pl.DataFrame:
    """Blind indexes and masks beside the clear values (encryption waits for the write)."""
    return p.with_columns(
        pl.Series("id_number_hash", cipher.index_all(p.get_column("id_number")), dtype=pl.String),
        mask_id_number(pl.col("id_number")).alias("id_number_masked"),
        pl.Series("phone_hash", cipher.index_all(p.get_column("phone")), dtype=pl.String),
        mask_phone(pl.col("phone")).alias("phone_masked"),
    )
