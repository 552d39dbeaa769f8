"""An import checked before it is written (导入预检), for a user acting in a jurisdiction.

    checked = check_files(engine, cipher, principal, households=hh, persons=pp)
    if checked.ok:
        outcome = import_checked(engine, cipher, principal, households=hh, persons=pp)

`check_files` runs the importer's own validation steps (the very functions
`import_files` runs, so a check and an import cannot disagree) in a unit of work
that is never committed: nothing is written. It adds the rules a user's import must
keep, because the importer itself trusts its caller with the whole registry:

- every household lives in the user's jurisdiction (residence_division);
- a household number registered outside the jurisdiction is not overwritten: that
  would move another township's family into this one;
- a person joins only a household of the jurisdiction, and a person registered in
  another area's household is not moved.

`import_checked` hands the same jurisdiction rules to `import_files` (its `scope`
hook), which runs them inside the transaction that writes: nothing can change
between the check and the write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine

from minsheng.codes.divisions import divisions
from minsheng.contract import files
from minsheng.contract.columns import COLUMNS
from minsheng.contract.validation import ROW
from minsheng.db.uow import UnitOfWork
from minsheng.db.upsert import existing
from minsheng.errors import Forbidden, ImportRejected
from minsheng.privacy.notice_masking import looks_like_id_number, mask_id_text, mask_phone_text
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry import report
from minsheng.registry.access import require_persons
from minsheng.registry.crosscheck import check_households, check_persons, explain
from minsheng.registry.importer import ImportOutcome, import_files
from minsheng.registry.tables import HOUSEHOLDS, PERSONS
from minsheng.security.users import Principal

# Who may import. Township caseworkers, county reviewers and administrators. Not a village
# caseworker: the township government receives and checks applications and the county
# approves (社会救助暂行办法 Art. 11, POLICY-FACTS.md §1.1); the village only helps. An
# import rewrites whole households' incomes and assets at once, so letting the worker
# closest to the families (and most exposed to 人情保/关系保 pressure) do it would skip the
# township's check. Village caseworkers record what they find on site in work orders.
IMPORTERS = frozenset({"township_caseworker", "county_reviewer", "administrator"})

ERROR_SCHEMA = report.errors_frame([]).schema
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".parquet")  # what `files.read` reads


@dataclass
class Checked:
    """What a check found: the row errors (empty when the files may be imported) and what
    the files hold."""

    errors: pl.DataFrame = field(default_factory=lambda: report.errors_frame([]))
    files: dict[str, str] = field(default_factory=dict)  # kind → file name as rows are reported
    rows: dict[str, int] = field(default_factory=dict)  # kind → data rows

    @property
    def ok(self) -> bool:
        return self.errors.is_empty()


def require_importer(principal: Principal) -> None:
    require_persons(principal)
    if principal.role not in IMPORTERS:
        raise Forbidden(
            "村级经办人员不能导入数据：导入会整体改写家庭的收入和财产，须由乡镇（街道）经办人员办理",
            "village caseworkers may not import: an import rewrites households' incomes and assets, "
            "so the township's caseworkers do it",
        )


def check_uploads(
    engine: Engine, cipher: PersonalDataCipher, principal: Principal, paths: list[Path], *, today: dt.date | None = None
) -> Checked:
    """`check_files` for files given in any order: which holds households and which persons
    is read from their headers or sheet names (one workbook may hold both)."""
    require_importer(principal)
    unsupported = [p for p in paths if p.suffix.lower() not in SUFFIXES]
    if unsupported:  # say so before guessing the kind from a header that is not text
        found = unsupported[0].suffix or "（无）"
        return Checked(
            errors=report.errors_frame(
                [
                    files.RowError(
                        unsupported[0].name,
                        None,
                        None,
                        None,
                        f"不支持的文件类型{found}：请在Excel中另存为 .xlsx 或“CSV UTF-8”后再上传",
                        f"unsupported file type {found}: save it from Excel as .xlsx or 'CSV UTF-8' and upload again",
                    )
                ]
            )
        )
    try:
        kinds = files.sort_by_kind(paths)
    except ImportRejected as exc:
        return Checked(errors=errors_of(exc))
    return check_files(engine, cipher, principal, kinds.get("households"), kinds.get("persons"), today=today)


def import_uploads(
    engine: Engine, cipher: PersonalDataCipher, principal: Principal, paths: list[Path], *, today: dt.date | None = None
) -> ImportOutcome:
    """`import_checked` for files given in any order."""
    require_importer(principal)
    kinds = files.sort_by_kind(paths)
    return import_checked(engine, cipher, principal, kinds.get("households"), kinds.get("persons"), today=today)


def check_files(
    engine: Engine,
    cipher: PersonalDataCipher,
    principal: Principal,
    households: Path | None = None,
    persons: Path | None = None,
    *,
    today: dt.date | None = None,
) -> Checked:
    """Every problem `import_files` would refuse, plus the jurisdiction rules; writes nothing."""
    require_importer(principal)
    today = today or dt.date.today()
    checked = Checked()
    try:
        hh_table = files.read(households, "households") if households else None
        p_table = files.read(persons, "persons", sheet=None) if persons else None
    except ImportRejected as exc:
        checked.errors = errors_of(exc)
        return checked
    for table in (hh_table, p_table):
        if table is not None:
            checked.files[table.kind] = table.file
            checked.rows[table.kind] = table.frame.height
    # The importer's unit of work acts for no user (it must see every county to refuse an id
    # of another one); so does this check, and it is never committed.
    with UnitOfWork(engine) as uow:
        conn = uow.connection
        parts = []
        hh = None
        if hh_table is not None:
            hh, hh_err = check_households(conn, hh_table, today)
            scope = _households_outside(conn, principal, hh, hh_table.file)
            parts.append(_merge(explain(hh_err, hh_table), scope))
            hh_ok = hh.filter(~pl.col(ROW).is_in(hh_err["row"].implode()))
        else:
            hh_ok = None
        if p_table is not None:
            p, p_err = check_persons(conn, cipher, p_table, hh, hh_ok, today)
            scope = _persons_outside(conn, principal, p, hh, p_table.file)
            parts.append(_merge(explain(p_err, p_table), scope))
    if parts:
        checked.errors = pl.concat(parts, how="vertical")
    return checked


def import_checked(
    engine: Engine,
    cipher: PersonalDataCipher,
    principal: Principal,
    households: Path | None = None,
    persons: Path | None = None,
    *,
    today: dt.date | None = None,
) -> ImportOutcome:
    """Import all or nothing with the jurisdiction rules checked in the writing transaction;
    `ImportRejected` (its `report` an `ImportOutcome` with `.errors`) when anything is wrong."""
    require_importer(principal)

    def scope(conn: Connection, hh: tuple[Any, Any], pp: tuple[Any, Any], found: pl.DataFrame) -> pl.DataFrame:
        (hh_frame, hh_table), (p_frame, p_table) = hh, pp
        parts = [found]
        if hh_frame is not None:
            parts.append(_households_outside(conn, principal, hh_frame, hh_table.file))
        if p_frame is not None:
            parts.append(_persons_outside(conn, principal, p_frame, hh_frame, p_table.file))
        return _merge(parts[0], pl.concat(parts[1:], how="vertical")) if len(parts) > 1 else found

    return import_files(engine, cipher, households, persons, today=today, scope=scope)


def errors_of(exc: ImportRejected) -> pl.DataFrame:
    """The row errors a refused check or import carries, whichever step refused it."""
    found = exc.report
    if isinstance(found, list):
        return report.errors_frame(found)
    frame = getattr(found, "errors", None)
    return frame if isinstance(frame, pl.DataFrame) else report.errors_frame([])


def masked(errors: pl.DataFrame) -> pl.DataFrame:
    """Row errors fit to show on a page or in a downloadable report: an ID number (or a value
    that looks like one, in whatever column) and a phone number keep only their ends."""

    def mask(column: str | None, value: str | None) -> str | None:
        if column == "phone":
            return mask_phone_text(value)
        if column == "id_number" or looks_like_id_number(value):
            return mask_id_text(value)
        return value

    values = [mask(c, v) for c, v in errors.select("column", "value").iter_rows()]
    return errors.with_columns(pl.Series("value", values, dtype=pl.String))


def write_report(errors: pl.DataFrame, path: Path) -> Path:
    """The masked errors as the importer's .xlsx error report (Chinese column names beside the contract's)."""
    labels = {c.name: c.zh for cols in COLUMNS.values() for c in cols}
    return report.write_error_report(masked(errors), path, labels)


def _where(principal: Principal) -> tuple[str, str]:
    """The jurisdiction as the messages name it: code and name in Chinese, code in English."""
    name = divisions().full_name(principal.jurisdiction) if divisions().is_known(principal.jurisdiction) else ""
    return f"{principal.jurisdiction}{name}", principal.jurisdiction


def _flags(frame: pl.DataFrame, mask: pl.Expr, file: str, column: str, value: str, zh: str, en: str) -> pl.DataFrame:
    return frame.filter(mask).select(
        pl.lit(file, dtype=pl.String).alias("file"),
        pl.col(ROW).cast(pl.Int64).alias("row"),
        pl.lit(column, dtype=pl.String).alias("column"),
        pl.col(value).cast(pl.String).alias("value"),
        pl.lit(zh, dtype=pl.String).alias("reason_zh"),
        pl.lit(en, dtype=pl.String).alias("reason_en"),
    )


def _households_outside(conn: Connection, principal: Principal, hh: pl.DataFrame, file: str) -> pl.DataFrame:
    zh_where, en_where = _where(principal)
    j = principal.jurisdiction
    division = pl.col("residence_division")
    found = [
        _flags(
            hh,
            division.is_not_null() & ~division.str.starts_with(j),
            file,
            "residence_division",
            "residence_division",
            f"居住地不在您的辖区（{zh_where}）内，不能导入",
            f"the residence is outside your jurisdiction ({en_where}) and cannot be imported",
        )
    ]
    stored = existing(conn, HOUSEHOLDS, "household_id", hh["household_id"].drop_nulls(), ["residence_division"])
    if not stored.is_empty():
        joined = hh.join(stored.rename({"residence_division": "db_division"}), on="household_id", how="inner")
        found.append(
            _flags(
                joined,
                ~pl.col("db_division").str.starts_with(j),
                file,
                "household_id",
                "household_id",
                f"该家庭编号已登记在您的辖区（{zh_where}）以外，不能覆盖",
                f"this household id is registered outside your jurisdiction ({en_where}) and is not overwritten",
            )
        )
    return pl.concat(found, how="vertical")


def _persons_outside(
    conn: Connection, principal: Principal, p: pl.DataFrame, hh: pl.DataFrame | None, file: str
) -> pl.DataFrame:
    zh_where, en_where = _where(principal)
    j = principal.jurisdiction
    in_file = (
        hh.select("household_id", pl.col("residence_division").alias("file_division"))
        .filter(pl.col("household_id").is_not_null())
        .unique("household_id", keep="first")
        if hh is not None
        else pl.DataFrame(schema={"household_id": pl.String, "file_division": pl.String})
    )
    in_db = existing(
        conn, HOUSEHOLDS, "household_id", p["household_id"].drop_nulls().unique(), ["residence_division"]
    ).rename({"residence_division": "db_division"})
    homes = (
        p.select(ROW, "household_id")
        .join(in_file, on="household_id", how="left")
        .join(in_db, on="household_id", how="left")
        .with_columns(pl.coalesce("file_division", "db_division").alias("division"))
    )
    found = [
        _flags(
            homes,
            pl.col("division").is_not_null() & ~pl.col("division").str.starts_with(j),
            file,
            "household_id",
            "household_id",
            f"所属家庭不在您的辖区（{zh_where}）内",
            f"the household is outside your jurisdiction ({en_where})",
        )
    ]
    people = existing(conn, PERSONS, "person_id", p["person_id"].drop_nulls().unique(), ["household_id"])
    if not people.is_empty():
        their = existing(conn, HOUSEHOLDS, "household_id", people["household_id"].unique(), ["residence_division"])
        placed = people.rename({"household_id": "db_household"}).join(
            their.rename({"household_id": "db_household"}), on="db_household", how="left"
        )
        joined = p.select(ROW, "person_id").join(placed, on="person_id", how="inner")
        found.append(
            _flags(
                joined,
                pl.col("residence_division").is_not_null() & ~pl.col("residence_division").str.starts_with(j),
                file,
                "person_id",
                "person_id",
                f"该成员编号已登记在您的辖区（{zh_where}）以外的家庭中，不能移动",
                f"this person id is registered in a household outside your jurisdiction ({en_where}) and is not moved",
            )
        )
    return pl.concat(found, how="vertical")


def _merge(importer: pl.DataFrame, scope: pl.DataFrame) -> pl.DataFrame:
    """One error per cell (the importer's reason first), in row order."""
    return (
        pl.concat([importer.cast(ERROR_SCHEMA), scope.cast(ERROR_SCHEMA)], how="vertical")
        .unique(subset=["row", "column"], keep="first", maintain_order=True)
        .sort("row", "column", nulls_last=True, maintain_order=True)
    )
