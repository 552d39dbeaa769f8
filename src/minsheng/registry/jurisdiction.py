"""An import's jurisdiction rules (辖区规则): what a user acting for a jurisdiction may import,
and what a refusal may tell them.

- A household lives in the user's jurisdiction (its residence_division in this file);
- a household id, person id or ID number already registered *outside* the jurisdiction is not
  overwritten or moved, and the row error says so neutrally ("cannot be imported in your
  jurisdiction; contact the civil-affairs office above"): it never confirms that the record
  exists elsewhere, or where (security finding #8; 社会救助暂行办法 第六十一条: workers keep the
  personal information they learn confidential). Each such conflict is audited, naming the
  record met, so the county above can resolve it;
- a person's household must be in this file or registered in the jurisdiction: one registered
  elsewhere reads exactly like one that does not exist.

A record inside the jurisdiction may be named ("ID number already belongs to another person"):
the user may see it anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import Connection, Engine

from minsheng.codes.divisions import divisions
from minsheng.contract.validation import ROW
from minsheng.db.upsert import existing
from minsheng.registry import report
from minsheng.registry.tables import HOUSEHOLDS, PERSONS
from minsheng.security import audit
from minsheng.security.users import Principal

ERROR_SCHEMA = report.errors_frame([]).schema
AUDIT_ACTION = "import_conflict_outside_jurisdiction"
ABOVE = "请联系上级民政部门", "contact the civil-affairs office above"
NEUTRAL = {
    "id_number": ("此身份证号不能在本辖区导入", "this ID number cannot be imported in your jurisdiction"),
    "household_id": ("此家庭编号不能在本辖区导入", "this household id cannot be imported in your jurisdiction"),
    "person_id": ("此成员编号不能在本辖区导入", "this person id cannot be imported in your jurisdiction"),
}
NO_HOUSEHOLD_HERE = (
    "家庭编号不存在（本次导入和本辖区登记中均无此家庭）",
    "no such household (not in this import nor in your jurisdiction's registry)",
)


@dataclass
class Scope:
    """What the jurisdiction rules found: errors that replace the importer's for the same cell
    (`first`: they must not be outshouted by a message that names the other record), errors
    added after the importer's (`after`), and the conflicts to audit."""

    first: list[pl.DataFrame] = field(default_factory=list)
    after: list[pl.DataFrame] = field(default_factory=list)
    conflicts: list[dict[str, object]] = field(default_factory=list)

    def merged(self, importer: pl.DataFrame) -> pl.DataFrame:
        """One error per cell of each file, these rules' neutral reasons first, in row order."""
        parts = [*self.first, importer, *self.after]
        return (
            pl.concat([p.cast(ERROR_SCHEMA) for p in parts], how="vertical")
            .unique(subset=["file", "row", "column"], keep="first", maintain_order=True)
            .sort("file", "row", "column", nulls_last=True, maintain_order=True)
        )


def check(
    conn: Connection,
    principal: Principal,
    households: tuple[pl.DataFrame | None, str | None],
    persons: tuple[pl.DataFrame | None, str | None],
) -> Scope:
    """The jurisdiction rules over parsed frames (the importer's, with `ROW`; persons with their
    `id_number_hash`), each frame with its file name as rows are reported."""
    scope = Scope()
    hh, hh_file = households
    p, p_file = persons
    if hh is not None and hh_file is not None:
        _households(conn, principal, hh, hh_file, scope)
    if p is not None and p_file is not None:
        _persons(conn, principal, p, hh, p_file, scope)
    return scope


def record(engine: Engine, principal: Principal, conflicts: list[dict[str, object]]) -> None:
    """Audit each conflict in a transaction of its own: it must outlive a refused import."""
    for c in conflicts:
        detail = {k: v for k, v in c.items() if k not in ("kind", "id")}
        audit.record_now(engine, principal.username, AUDIT_ACTION, str(c["kind"]), str(c["id"]), detail)


def _where(principal: Principal) -> tuple[str, str]:
    """The jurisdiction as the messages name it: code and name in Chinese, code in English."""
    name = divisions().full_name(principal.jurisdiction) if divisions().is_known(principal.jurisdiction) else ""
    return f"{principal.jurisdiction}{name}", principal.jurisdiction


def _flags(frame: pl.DataFrame, mask: pl.Expr, file: str, column: str, zh: str, en: str) -> pl.DataFrame:
    return frame.filter(mask).select(
        pl.lit(file, dtype=pl.String).alias("file"),
        pl.col(ROW).cast(pl.Int64).alias("row"),
        pl.lit(column, dtype=pl.String).alias("column"),
        pl.col(column).cast(pl.String).alias("value"),
        pl.lit(zh, dtype=pl.String).alias("reason_zh"),
        pl.lit(en, dtype=pl.String).alias("reason_en"),
    )


def _neutral(frame: pl.DataFrame, mask: pl.Expr, file: str, column: str) -> pl.DataFrame:
    zh, en = NEUTRAL[column]
    return _flags(frame, mask, file, column, f"{zh}，{ABOVE[0]}", f"{en}; {ABOVE[1]}")


def _conflicts(
    scope: Scope, principal: Principal, met: pl.DataFrame, file: str, column: str, kind: str, id_column: str
) -> None:
    """Note each row that met a record outside the jurisdiction, for the audit (ids, never values)."""
    for row, record_id, division in met.select(ROW, id_column, "db_division").iter_rows():
        scope.conflicts.append(
            {
                "kind": kind,
                "id": record_id,
                "file": file,
                "row": row,
                "column": column,
                "jurisdiction": principal.jurisdiction,
                "registered_in": (division or "")[:6],
            }
        )


def _outside(principal: Principal) -> pl.Expr:
    return pl.col("db_division").is_not_null() & ~pl.col("db_division").str.starts_with(principal.jurisdiction)


def _divisions_of(conn: Connection, household_ids: pl.Series) -> pl.DataFrame:
    found = existing(conn, HOUSEHOLDS, "household_id", household_ids.drop_nulls().unique(), ["residence_division"])
    return found.rename({"residence_division": "db_division"})


def _households(conn: Connection, principal: Principal, hh: pl.DataFrame, file: str, scope: Scope) -> None:
    zh_where, en_where = _where(principal)
    division = pl.col("residence_division")
    # The file's own value: saying it is outside the jurisdiction tells the user nothing new.
    scope.after.append(
        _flags(
            hh,
            division.is_not_null() & ~division.str.starts_with(principal.jurisdiction),
            file,
            "residence_division",
            f"居住地不在您的辖区（{zh_where}）内，不能导入",
            f"the residence is outside your jurisdiction ({en_where}) and cannot be imported",
        )
    )
    met = hh.join(_divisions_of(conn, hh["household_id"]), on="household_id", how="inner").filter(_outside(principal))
    scope.first.append(_neutral(met, pl.lit(True), file, "household_id"))
    _conflicts(scope, principal, met, file, "household_id", "household", "household_id")


def _persons(
    conn: Connection, principal: Principal, p: pl.DataFrame, hh: pl.DataFrame | None, file: str, scope: Scope
) -> None:
    zh_where, en_where = _where(principal)
    in_file = (
        hh.select("household_id", pl.col("residence_division").alias("file_division"))
        .filter(pl.col("household_id").is_not_null())
        .unique("household_id", keep="first")
        if hh is not None
        else pl.DataFrame(schema={"household_id": pl.String, "file_division": pl.String})
    )
    homes = (
        p.select(ROW, "household_id")
        .join(in_file, on="household_id", how="left")
        .join(_divisions_of(conn, p["household_id"]), on="household_id", how="left")
    )
    file_division = pl.col("file_division")
    scope.after.append(
        _flags(
            homes,
            file_division.is_not_null() & ~file_division.str.starts_with(principal.jurisdiction),
            file,
            "household_id",
            f"所属家庭不在您的辖区（{zh_where}）内",
            f"the household is outside your jurisdiction ({en_where})",
        )
    )
    # Not in this file, and not registered in the jurisdiction: whether it exists elsewhere is
    # not the user's to learn, so both read the same.
    nowhere_here = (
        pl.col("household_id").is_not_null()
        & pl.col("household_id").is_in(in_file["household_id"].implode()).not_()
        & (pl.col("db_division").is_null() | _outside(principal))
    )
    scope.first.append(_flags(homes, nowhere_here, file, "household_id", *NO_HOUSEHOLD_HERE))
    met = homes.filter(pl.col("household_id").is_in(in_file["household_id"].implode()).not_() & _outside(principal))
    _conflicts(scope, principal, met, file, "household_id", "household", "household_id")

    # A person id registered in a household outside the jurisdiction is not moved.
    people = existing(conn, PERSONS, "person_id", p["person_id"].drop_nulls().unique(), ["household_id"])
    placed = people.join(_divisions_of(conn, people["household_id"]), on="household_id", how="left")
    met = p.select(ROW, "person_id").join(placed.drop("household_id"), on="person_id").filter(_outside(principal))
    scope.first.append(_neutral(met, pl.lit(True), file, "person_id"))
    _conflicts(scope, principal, met, file, "person_id", "person", "person_id")

    # An ID number registered to another person outside the jurisdiction: neither who nor where.
    owners = existing(
        conn, PERSONS, "id_number_hash", p["id_number_hash"].drop_nulls().unique(), ["person_id", "household_id"]
    ).rename({"person_id": "owner"})
    owned = owners.join(_divisions_of(conn, owners["household_id"]), on="household_id", how="left")
    met = (
        p.select(ROW, "person_id", "id_number", "id_number_hash")
        .join(owned.drop("household_id"), on="id_number_hash")
        .filter(
            (pl.col("owner") != pl.col("person_id"))
            & ~pl.col("owner").is_in(p["person_id"].implode())  # the same as the importer's check
            & _outside(principal)
        )
    )
    scope.first.append(_neutral(met, pl.lit(True), file, "id_number"))
    _conflicts(scope, principal, met, file, "id_number", "person", "owner")
