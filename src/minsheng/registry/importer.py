"""Import households and persons (导入家庭及成员) as the data contract says.

    outcome = import_files(engine, households=Path("households.csv"), persons=Path("persons.csv"))

- Every bad cell is reported (file, row, column, value, reason zh/en) and, when
  `report_dir` is given, written to an .xlsx error report.
- All or nothing by default: one bad row and nothing is written.
  `valid_only=True` writes the good rows and puts the rejected ones in a file
  that can be fixed and imported again.
- Idempotent: rows are compared with what the registry holds; unchanged rows
  are not touched, changed ones updated, new ones inserted (upsert by id).

This module runs the steps and holds the write phase (the diff-upsert, enrolments,
the import batch record); the cross-row checks are in `crosscheck`.
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

from minsheng.contract import files
from minsheng.contract.columns import COLUMNS, store_frame
from minsheng.contract.validation import REASONS, ROW, empty_errors
from minsheng.db.store import bulk_insert
from minsheng.db.uow import UnitOfWork
from minsheng.db.upsert import rows_for_keys, upsert
from minsheng.errors import ImportRejected, StoreError
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry import counts, crosscheck, report
from minsheng.registry.tables import ENROLMENTS, HOUSEHOLDS, IMPORT_BATCHES, PERSONS

Progress = Callable[[str], None]


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
        hh, hh_err = crosscheck.check_households(conn, hh_table, today) if hh_table else (None, empty_errors())
        hh_ok = hh.filter(~pl.col(ROW).is_in(hh_err["row"].implode())) if hh is not None else None
        p, p_err = (
            crosscheck.check_persons(conn, cipher, p_table, hh, hh_ok, today) if p_table else (None, empty_errors())
        )
        outcome.errors = pl.concat(
            [crosscheck.explain(hh_err, hh_table), crosscheck.explain(p_err, p_table)], how="vertical"
        )
        if scope is not None:
            outcome.errors = scope(conn, (hh, hh_table), (p, p_table), outcome.errors)
        if valid_only:  # the good rows are written: never part of a household
            outcome.errors = crosscheck.whole_households(outcome.errors, (hh, hh_table), (p, p_table))
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
            # What is written leaves out every row with an error of any step (cell, cross-row,
            # scope, whole household).
            if hh_table is not None and hh is not None:
                hh_bad = _rejected_rows(outcome.errors, hh_table)
                hh_ok = hh.filter(~pl.col(ROW).is_in(hh_bad.implode()))
                outcome.summaries.append(_write_households(conn, hh_table, hh_ok, hh_bad))
            if p_table is not None and p is not None:
                p_bad = _rejected_rows(outcome.errors, p_table)
                p_ok = p.filter(~pl.col(ROW).is_in(p_bad.implode()))
                outcome.summaries.append(_write_persons(conn, cipher, p_table, p_ok, p_bad))
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


def _rejected_rows(errors: pl.DataFrame, table: files.Table) -> pl.Series:
    return errors.filter(pl.col("file") == table.file)["row"].drop_nulls().unique()


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


def _write_households(conn: Connection, table: files.Table, hh_ok: pl.DataFrame, rejected: pl.Series) -> ImportSummary:
    summary = ImportSummary("households", table.file, rows=table.frame.height, encoding=table.encoding)
    summary.rejected = rejected.len()
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
    conn: Connection, cipher: PersonalDataCipher, table: files.Table, p_ok: pl.DataFrame, rejected: pl.Series
) -> ImportSummary:
    summary = ImportSummary("persons", table.file, rows=table.frame.height, encoding=table.encoding)
    summary.rejected = rejected.len()
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
