"""Import households and persons (导入家庭及成员) as the data contract says.

    outcome = import_files(engine, households=Path("households.csv"), persons=Path("persons.csv"))

- Every bad cell is reported (file, row, column, value, reason zh/en) and, when
  `report_dir` is given, written to an .xlsx error report.
- All or nothing by default: one bad row and nothing is written.
  `valid_only=True` writes the good rows and puts the rejected ones in a file
  that can be fixed and imported again.
- Idempotent: rows are compared with what the registry holds; unchanged rows
  are not touched, changed ones updated, new ones inserted (upsert by id).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, bindparam
from sqlalchemy.exc import DBAPIError, IntegrityError

from minsheng.codes.id_number import birth_date_expr
from minsheng.errors import ImportRejected, StoreError
from minsheng.registry import counts, files, report
from minsheng.registry.columns import COLUMNS, store_frame
from minsheng.registry.models import ENROLMENTS, HOUSEHOLDS, IMPORT_BATCHES, PERSONS
from minsheng.registry.store import bulk_insert
from minsheng.registry.uow import UnitOfWork
from minsheng.registry.upsert import existing, rows_for_keys, upsert
from minsheng.registry.validation import REASONS, ROW, empty_errors, parse_table, reason_text
from minsheng.security.masking import mask_id_number, mask_phone
from minsheng.security.personal_data import PersonalDataCipher

Progress = Callable[[str], None]

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


@dataclass
class ImportSummary:
    kind: str
    file: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    encoding: str = ""


@dataclass
class ImportOutcome:
    summaries: list[ImportSummary] = field(default_factory=list)
    errors: pl.DataFrame = field(default_factory=lambda: report.errors_frame([]))
    error_report: Path | None = None
    rejects: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.errors.is_empty()


# (conn, (households, their table), (persons, their table), the importer's errors) → all errors
ScopeCheck = Callable[[Connection, tuple[Any, Any], tuple[Any, Any], pl.DataFrame], pl.DataFrame]


def import_files(
    engine: Engine,
    cipher: PersonalDataCipher,
    households: Path | None = None,
    persons: Path | None = None,
    *,
    valid_only: bool = False,
    report_dir: Path | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    scope: ScopeCheck | None = None,
) -> ImportOutcome:
    """Validate and write households and/or persons in one transaction. `scope`, when given,
    adds row errors of its own (a user's jurisdiction rules) inside that same transaction,
    so nothing can change between the check and the write."""
    step = progress or (lambda _s: None)
    today = today or dt.date.today()
    outcome = ImportOutcome()
    try:
        step("read")
        hh_table = files.read(households, "households") if households else None
        p_table = files.read(persons, "persons", sheet=None) if persons else None
    except ImportRejected as exc:
        outcome.errors = report.errors_frame(exc.report if isinstance(exc.report, list) else [])
        _write_report(outcome, report_dir)
        exc.report = outcome
        raise

    with UnitOfWork(engine) as uow:
        conn = uow.connection
        step("validate")
        hh, hh_err = _check_households(conn, hh_table, today) if hh_table else (None, empty_errors())
        hh_ok = hh.filter(~pl.col(ROW).is_in(hh_err["row"].implode())) if hh is not None else None
        p, p_err = _check_persons(conn, cipher, p_table, hh, hh_ok, today) if p_table else (None, empty_errors())
        outcome.errors = pl.concat([_explain(hh_err, hh_table), _explain(p_err, p_table)], how="vertical")
        if scope is not None:
            outcome.errors = scope(conn, (hh, hh_table), (p, p_table), outcome.errors)
        if not outcome.ok and not valid_only:
            _write_report(outcome, report_dir)
            n = outcome.errors.height
            raise ImportRejected(
                f"发现{n}处错误，未写入任何数据。请按错误报告修改后重新导入，或使用 --valid-only 只导入正确的行。",
                f"{n} problems found; nothing was written. Fix them (see the error report) and import again, "
                "or use --valid-only to import only the valid rows.",
                report=outcome,
            )
        step("write")
        try:
            if hh_table is not None and hh_ok is not None:
                outcome.summaries.append(_write_households(conn, hh_table, hh_ok, hh_err))
            if p_table is not None and p is not None:
                p_ok = p.filter(~pl.col(ROW).is_in(p_err["row"].implode()))
                outcome.summaries.append(_write_persons(conn, cipher, p_table, p_ok, p_err))
            for s, path in ((s, households if s.kind == "households" else persons) for s in outcome.summaries):
                assert path is not None
                conn.execute(
                    IMPORT_BATCHES.insert().values(
                        kind=s.kind,
                        file_name=s.file,
                        sha256=_sha256(path),
                        rows=s.rows,
                        inserted=s.inserted,
                        updated=s.updated,
                        unchanged=s.unchanged,
                        rejected=s.rejected,
                    )
                )
            counts.refresh(conn)
            if conn.dialect.name == "postgresql":
                # fresh statistics, so the planner (and the row-security checks) use the indexes
                # at once rather than after autovacuum's next visit, if it runs at all
                conn.exec_driver_sql("ANALYZE households, persons, enrolments")
            uow.commit()
        except (IntegrityError, DBAPIError) as exc:
            raise StoreError(
                "写入数据库失败，已全部回滚，未写入任何数据（可能有人同时在导入同一批数据）",
                f"writing to the registry failed and was rolled back; nothing was written: {exc.orig}",
            ) from exc
    if valid_only and not outcome.ok:
        _write_report(outcome, report_dir)
        if report_dir is not None:
            for kind, table in (("households", hh_table), ("persons", p_table)):
                rejected = outcome.errors.filter(pl.col("file") == (table.file if table else None))
                if table is not None and not rejected.is_empty():
                    path = report_dir / f"{Path(table.file.replace('#', '-')).stem}.rejected.csv"
                    outcome.rejects[kind] = report.write_rejects(table, rejected, path)
    return outcome


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_report(outcome: ImportOutcome, report_dir: Path | None) -> None:
    if report_dir is None or outcome.errors.is_empty():
        return
    labels = {c.name: c.zh for cols in COLUMNS.values() for c in cols}
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    outcome.error_report = report.write_error_report(outcome.errors, report_dir / f"import-errors-{stamp}.xlsx", labels)


def _explain(errors: pl.DataFrame, table: files.Table | None) -> pl.DataFrame:
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


def _check_households(conn: Connection, table: files.Table, today: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
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


def _check_persons(
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


def _write_households(conn: Connection, table: files.Table, hh_ok: pl.DataFrame, errors: pl.DataFrame) -> ImportSummary:
    summary = ImportSummary("households", table.file, rows=table.frame.height, encoding=table.encoding)
    summary.rejected = errors["row"].n_unique()
    rows = store_frame(hh_ok, "households")
    store_cols = [c.name for c in HOUSEHOLDS.columns if c.name in rows.columns]
    summary.inserted, summary.updated, summary.unchanged = upsert(
        conn, HOUSEHOLDS, "household_id", rows.select(store_cols)
    )
    if "enrolled" in table.frame.columns:
        _sync_enrolments(conn, hh_ok)
    return summary


def _sync_enrolments(conn: Connection, hh: pl.DataFrame) -> None:
    """Make each imported household's enrolments exactly what its row lists."""
    want = (
        hh.select("household_id", pl.col("enrolled").alias("programme"), pl.col("enrolled_since").alias("since"))
        .explode("programme")
        .filter(pl.col("programme").is_not_null())
    )
    table = ENROLMENTS
    rows = rows_for_keys(conn, table, "household_id", hh["household_id"], ["programme", "since"])
    have = pl.DataFrame(
        rows, schema={"household_id": pl.String, "programme": pl.String, "since": pl.Date}, orient="row"
    )
    gone = have.join(want, on=["household_id", "programme"], how="anti")
    if not gone.is_empty():
        same = (table.c.household_id == bindparam("h")) & (table.c.programme == bindparam("p"))
        conn.execute(table.delete().where(same), gone.select(h="household_id", p="programme").to_dicts())
    new = want.join(have, on=["household_id", "programme"], how="anti")
    bulk_insert(conn, table, new)
    moved = want.join(have, on=["household_id", "programme"], how="inner", suffix="_db").filter(
        pl.col("since").ne_missing(pl.col("since_db"))
    )
    if not moved.is_empty():
        same = (table.c.household_id == bindparam("h")) & (table.c.programme == bindparam("p"))
        conn.execute(
            table.update().where(same).values(since=bindparam("s")),
            moved.select(h="household_id", p="programme", s="since").to_dicts(),
        )


def _write_persons(
    conn: Connection, cipher: PersonalDataCipher, table: files.Table, p_ok: pl.DataFrame, errors: pl.DataFrame
) -> ImportSummary:
    summary = ImportSummary("persons", table.file, rows=table.frame.height, encoding=table.encoding)
    summary.rejected = errors["row"].n_unique()
    rows = store_frame(p_ok, "persons")
    clear = rows.select("person_id", "id_number", "phone")
    store_cols = [c.name for c in PERSONS.columns if c.name in rows.columns]

    def encrypt(frame: pl.DataFrame) -> pl.DataFrame:
        values = frame.select("person_id").join(clear, on="person_id", how="left")
        return frame.with_columns(
            pl.Series("id_number_enc", cipher.encrypt_all(values.get_column("id_number")), dtype=pl.Binary),
            pl.Series("phone_enc", cipher.encrypt_all(values.get_column("phone")), dtype=pl.Binary),
        )

    summary.inserted, summary.updated, summary.unchanged = upsert(
        conn, PERSONS, "person_id", rows.select(store_cols), encrypt
    )
    return summary


__all__ = ["REASONS", "ImportOutcome", "ImportSummary", "import_files"]
