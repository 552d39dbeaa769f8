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
  another area's household is not moved;
- a refusal never confirms a record outside the jurisdiction (its error is neutral, and
  the conflict is audited for the office above). The rules are `registry.jurisdiction`.

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

from minsheng.contract import files
from minsheng.contract.columns import COLUMNS
from minsheng.contract.validation import ROW
from minsheng.db.uow import UnitOfWork
from minsheng.errors import Forbidden, ImportRejected
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry import jurisdiction, report
from minsheng.registry.access import require_persons
from minsheng.registry.crosscheck import check_households, check_persons, explain
from minsheng.registry.importer import ImportOutcome, import_files
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
        found = [report.errors_frame([])]
        hh = hh_ok = p = None
        if hh_table is not None:
            hh, hh_err = check_households(conn, hh_table, today)
            found.append(explain(hh_err, hh_table))
            hh_ok = hh.filter(~pl.col(ROW).is_in(hh_err["row"].implode()))
        if p_table is not None:
            p, p_err = check_persons(conn, cipher, p_table, hh, hh_ok, today)
            found.append(explain(p_err, p_table))
        scope = jurisdiction.check(conn, principal, (hh, _file(hh_table)), (p, _file(p_table)))
    checked.errors = scope.merged(pl.concat([f.cast(ERROR_SCHEMA) for f in found], how="vertical"))
    jurisdiction.record(engine, principal, scope.conflicts)  # after the check: it is never committed
    return checked


def import_checked(
    engine: Engine,
    cipher: PersonalDataCipher,
    principal: Principal,
    households: Path | None = None,
    persons: Path | None = None,
    *,
    today: dt.date | None = None,
    valid_only: bool = False,
) -> ImportOutcome:
    """Import all or nothing with the jurisdiction rules checked in the writing transaction;
    `ImportRejected` (its `report` an `ImportOutcome` with `.errors`) when anything is wrong.
    With `valid_only`, the good rows only (households with a bad row left out whole), as the
    CLI's --valid-only; the outcome's `.errors` are the rows left out."""
    require_importer(principal)
    conflicts: list[dict[str, object]] = []

    def scope(conn: Connection, hh: tuple[Any, Any], pp: tuple[Any, Any], found: pl.DataFrame) -> pl.DataFrame:
        (hh_frame, hh_table), (p_frame, p_table) = hh, pp
        rules = jurisdiction.check(conn, principal, (hh_frame, _file(hh_table)), (p_frame, _file(p_table)))
        conflicts.extend(rules.conflicts)
        return rules.merged(found)

    try:
        return import_files(engine, cipher, households, persons, valid_only=valid_only, today=today, scope=scope)
    finally:  # audited whether the import is refused or not, outside its transaction
        jurisdiction.record(engine, principal, conflicts)


def _file(table: files.Table | None) -> str | None:
    return table.file if table is not None else None


def errors_of(exc: ImportRejected) -> pl.DataFrame:
    """The row errors a refused check or import carries, whichever step refused it."""
    found = exc.report
    if isinstance(found, list):
        return report.errors_frame(found)
    frame = getattr(found, "errors", None)
    return frame if isinstance(frame, pl.DataFrame) else report.errors_frame([])


def write_report(errors: pl.DataFrame, path: Path) -> Path:
    """The masked errors as the importer's .xlsx error report (Chinese column names beside the contract's)."""
    labels = {c.name: c.zh for cols in COLUMNS.values() for c in cols}
    return report.write_error_report(report.masked(errors), path, labels)
