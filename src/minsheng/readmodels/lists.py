"""Lists that leave the office (名单): enrolled households, open alerts, the latest
discovery list, and the households of a public notice (公示).

Each list is read for a division prefix already checked against the user's jurisdiction
(`within`), and only ever with the stored masked ID and phone numbers: nothing here
reads a ciphertext, so no list can carry a clear number. The household's head is the
member recorded as 户主 (GB/T 4761 code 02), else the first member by relation code.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Select, func, select

from minsheng.casework.queries import OPEN_STATUSES
from minsheng.casework.tables import WORK_ORDERS
from minsheng.codes.divisions import divisions
from minsheng.contract.sheets import unguard
from minsheng.db.store import in_values, starts_with
from minsheng.errors import InvalidInput, NotFound
from minsheng.monitoring.alerts import UNFINISHED
from minsheng.monitoring.tables import ALERTS
from minsheng.privacy.notice_masking import mask_name
from minsheng.registry.access import require_persons
from minsheng.registry.tables import ENROLMENTS, HOUSEHOLDS, PERSONS
from minsheng.security.users import Principal

HEAD = "02"  # GB/T 4761: 户主
DISCOVERY_FILE = Path("discovery") / "discovery.csv"  # where `minsheng demo` has `monitor run` write it
_CHUNK = 900  # household ids per IN (…) list: under SQLite's bound-parameter limit

PEOPLE_SCHEMA = {
    "household_id": pl.String,
    "head_name": pl.String,
    "head_id_number": pl.String,
    "head_phone": pl.String,
    "size": pl.Int64,
}


def within(principal: Principal, division: str = "") -> str:
    """The division prefix to list: the user's jurisdiction, or a township or village in it.
    A division outside the jurisdiction is `NotFound`, like one that does not exist."""
    require_persons(principal)
    code = division.strip()
    if not code:
        return principal.jurisdiction
    if not (code.isascii() and code.isdigit() and len(code) in (6, 9, 12)):
        raise InvalidInput("division", "区划代码应为6、9或12位数字", "a division code has 6, 9 or 12 digits")
    if not principal.covers(code):
        raise NotFound(f"您的辖区内没有区划 {code}", f"no division {code} in your jurisdiction")
    return code


def division_name(code: str) -> str:
    return divisions().full_name(code) if divisions().is_known(code) else code


def areas(conn: Connection, principal: Principal) -> dict[str, list[tuple[str, str, int]]]:
    """The townships and villages of the jurisdiction that have registered households:
    {"townships": [(code, name, households)], "villages": [...]} for filters and the notice."""
    require_persons(principal)
    in_scope = HOUSEHOLDS.c.residence_division.startswith(principal.jurisdiction)
    towns = conn.execute(
        select(HOUSEHOLDS.c.township, func.count())
        .where(in_scope, HOUSEHOLDS.c.township.is_not(None))
        .group_by(HOUSEHOLDS.c.township)
        .order_by(HOUSEHOLDS.c.township)
    ).all()
    villages = conn.execute(
        select(HOUSEHOLDS.c.residence_division, func.count())
        .where(in_scope, func.length(HOUSEHOLDS.c.residence_division) == 12)
        .group_by(HOUSEHOLDS.c.residence_division)
        .order_by(HOUSEHOLDS.c.residence_division)
    ).all()
    return {
        "townships": [
            (str(c), division_name(str(c)), int(n)) for c, n in towns if len(str(c)) > len(principal.jurisdiction)
        ],
        "villages": [(str(c), division_name(str(c)), int(n)) for c, n in villages],
    }


def _people(conn: Connection, households: Select[Any]) -> pl.DataFrame:
    """Head (name, masked ID and phone) and size of each household the query selects."""
    rows = conn.execute(
        select(
            PERSONS.c.household_id,
            PERSONS.c.person_id,
            PERSONS.c.relation,
            PERSONS.c.name,
            PERSONS.c.id_number_masked,
            PERSONS.c.phone_masked,
        ).where(PERSONS.c.household_id.in_(households.scalar_subquery()))
    ).all()
    members = pl.DataFrame(
        rows,
        schema={
            "household_id": pl.String,
            "person_id": pl.String,
            "relation": pl.String,
            "name": pl.String,
            "id_number_masked": pl.String,
            "phone_masked": pl.String,
        },
        orient="row",
    )
    return (
        members.sort(pl.col("relation") != HEAD, "relation", "person_id")
        .group_by("household_id", maintain_order=True)
        .agg(
            pl.col("name").first().alias("head_name"),
            pl.col("id_number_masked").first().alias("head_id_number"),
            pl.col("phone_masked").first().alias("head_phone"),
            pl.len().cast(pl.Int64).alias("size"),
        )
        .cast(PEOPLE_SCHEMA)  # type: ignore[arg-type]
    )


def _yuan(fen: str) -> pl.Expr:
    return (pl.col(fen) / 100).round(2)


def enrolled_households(conn: Connection, prefix: str, programme: str = "") -> pl.DataFrame:
    """Households receiving each programme (one row per household and programme):
    programme, household_id, residence_division, head_name, head_id_number, head_phone,
    size, since, benefit (yuan/month, what is paid now)."""
    where = [HOUSEHOLDS.c.residence_division.startswith(prefix)]
    if programme:
        where.append(ENROLMENTS.c.programme == programme)
    joined = ENROLMENTS.join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == ENROLMENTS.c.household_id)
    rows = conn.execute(
        select(
            ENROLMENTS.c.programme,
            HOUSEHOLDS.c.household_id,
            HOUSEHOLDS.c.residence_division,
            ENROLMENTS.c.since,
            HOUSEHOLDS.c.current_benefit_fen,
        )
        .select_from(joined)
        .where(*where)
        .order_by(ENROLMENTS.c.programme, HOUSEHOLDS.c.residence_division, HOUSEHOLDS.c.household_id)
    ).all()
    frame = pl.DataFrame(
        rows,
        schema={
            "programme": pl.String,
            "household_id": pl.String,
            "residence_division": pl.String,
            "since": pl.Date,
            "current_benefit_fen": pl.Int64,
        },
        orient="row",
    )
    people = _people(conn, select(ENROLMENTS.c.household_id).select_from(joined).where(*where))
    return frame.join(people, on="household_id", how="left", maintain_order="left").select(
        "programme",
        "household_id",
        "residence_division",
        "head_name",
        "head_id_number",
        "head_phone",
        "size",
        "since",
        _yuan("current_benefit_fen").alias("benefit"),
    )


def counts(conn: Connection, prefix: str, programme: str = "") -> dict[str, int]:
    """How many rows the enrolled and the open-alert lists of `prefix` have."""
    in_prefix = HOUSEHOLDS.c.residence_division.startswith(prefix)
    enrolled = (
        select(func.count())
        .select_from(ENROLMENTS.join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == ENROLMENTS.c.household_id))
        .where(in_prefix)
    )
    if programme:
        enrolled = enrolled.where(ENROLMENTS.c.programme == programme)
    alerts = (
        select(func.count())
        .select_from(ALERTS.join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == ALERTS.c.household_id))
        .where(in_prefix, ALERTS.c.status.in_(UNFINISHED))  # 未办结, as the dashboard counts them
    )
    return {"enrolled": int(conn.scalar(enrolled) or 0), "alerts": int(conn.scalar(alerts) or 0)}


def discovery_file(data: Path) -> Path | None:
    """The latest stored discovery list (written by a monitoring run), if there is one."""
    path = data / DISCOVERY_FILE
    return path if path.is_file() else None


DISCOVERY_ORDER = ["kind", "programme", "residence_division", "household_id"]  # the list's own order


@lru_cache(maxsize=4)
def _stored(path: Path, stamp: tuple[int, int]) -> pl.DataFrame:
    """The stored file, parsed and put in the list's order once per version of it (`stamp`: its
    mtime and size): a request's filters keep that order, so a page needs no sort of its own."""
    # written through `contract.sheets` (a cell that would run as a formula has a leading
    # quote): read back as the ids the registry holds
    found = unguard(pl.read_csv(path, infer_schema=False, encoding="utf8-lossy"))
    return found.sort([c for c in DISCOVERY_ORDER if c in found.columns])


def _discovery_found(conn: Connection, path: Path, prefix: str, programme: str = "", kind: str = "") -> pl.DataFrame:
    """The stored discovery list's rows of households registered in `prefix` now (the file
    may be older than a move), in the list's order."""
    info = path.stat()
    found = _stored(path, (info.st_mtime_ns, info.st_size))
    found = found.filter(pl.col("residence_division").str.starts_with(prefix))
    if programme:
        found = found.filter(pl.col("programme") == programme)
    if kind:
        found = found.filter(pl.col("kind") == kind)
    # the list's households registered in `prefix` now: one statement for the list's ids, so a
    # request reads as many households as the list has, not every household of the county
    listed = found.get_column("household_id").unique().to_list()
    here = conn.scalars(
        select(HOUSEHOLDS.c.household_id).where(
            in_values(HOUSEHOLDS.c.household_id, listed), starts_with(HOUSEHOLDS.c.residence_division, prefix)
        )
    ).all()
    return found.filter(pl.col("household_id").is_in(pl.Series(here, dtype=pl.String).implode()))


def _with_people(conn: Connection, found: pl.DataFrame) -> pl.DataFrame:
    here = found["household_id"].unique().to_list()
    parts = [
        _people(conn, select(HOUSEHOLDS.c.household_id).where(HOUSEHOLDS.c.household_id.in_(here[s : s + _CHUNK])))
        for s in range(0, len(here), _CHUNK)
    ]
    people = pl.concat(parts) if parts else pl.DataFrame(schema=PEOPLE_SCHEMA)
    keep = [
        c
        for c in ("kind", "programme", "household_id", "residence_division", "current_benefit", "computed_benefit")
        if c in found.columns
    ]
    reasons = [c for c in ("failed_conditions", "observed_changes") if c in found.columns]
    extra = [c for c in ("deadline",) if c in found.columns]
    return found.join(people, on="household_id", how="left", maintain_order="left").select(
        *keep, "head_name", "head_id_number", "head_phone", "size", *reasons, *extra
    )


def discovery_list(conn: Connection, path: Path, prefix: str, programme: str = "") -> pl.DataFrame:
    """The stored discovery list, kept to households registered in `prefix` now (the
    file may be older than a move), with each household's head."""
    found = _discovery_found(conn, path, prefix, programme)
    return _with_people(conn, found).sort(DISCOVERY_ORDER)


def notice_households(conn: Connection, village: str, programme: str, since: dt.date | None = None) -> pl.DataFrame:
    """The households of a public notice: receiving `programme` in `village` (enrolled on or
    after `since`, when given), head's name masked (张*) and ID number masked
    (110105********002X), household size, monthly benefit (yuan), date enrolled."""
    where = [HOUSEHOLDS.c.residence_division.startswith(village), ENROLMENTS.c.programme == programme]
    if since is not None:
        where.append(ENROLMENTS.c.since >= since)
    joined = ENROLMENTS.join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == ENROLMENTS.c.household_id)
    rows = conn.execute(
        select(HOUSEHOLDS.c.household_id, ENROLMENTS.c.since, HOUSEHOLDS.c.current_benefit_fen)
        .select_from(joined)
        .where(*where)
        .order_by(HOUSEHOLDS.c.household_id)
    ).all()
    frame = pl.DataFrame(
        rows,
        schema={"household_id": pl.String, "since": pl.Date, "current_benefit_fen": pl.Int64},
        orient="row",
    )
    people = _people(conn, select(ENROLMENTS.c.household_id).select_from(joined).where(*where))
    frame = frame.join(people, on="household_id", how="left", maintain_order="left")
    names = [mask_name(n) for n in frame["head_name"].to_list()]
    return frame.select(
        pl.Series("head_name", names, dtype=pl.String),
        "head_id_number",
        "size",
        _yuan("current_benefit_fen").alias("benefit"),
        "since",
    )


DISCOVERY_SORTS = ("kind", "deadline")


def discovery_page(
    conn: Connection,
    path: Path,
    prefix: str,
    *,
    programme: str = "",
    kind: str = "",
    sort: str = "kind",
    limit: int | None = 50,
    offset: int = 0,
) -> tuple[int, pl.DataFrame]:
    """(rows the filters select, the page of them): the stored discovery list kept to households
    registered in `prefix` now, each row with its head and the deadline of the household's
    earliest open work order (an entry of the list has no deadline of its own until a work
    order takes it up). Sorted by kind, programme and residence, or nearest deadline first."""
    found = _discovery_found(conn, path, prefix, programme, kind)
    if sort == "deadline":
        # a stable sort: equal deadlines keep the list's order
        due = _open_deadlines(conn, prefix, found.get_column("household_id").to_list())
        found = found.join(due, on="household_id", how="left", maintain_order="left")
        page = found.sort("deadline", nulls_last=True, maintain_order=True).slice(max(offset, 0), limit)
    else:
        page = found.slice(max(offset, 0), limit)
        due = _open_deadlines(conn, prefix, page.get_column("household_id").to_list())
        page = page.join(due, on="household_id", how="left", maintain_order="left")
    return found.height, _with_people(conn, page)  # heads for the page's rows only


def _open_deadlines(conn: Connection, prefix: str, households: list[str] | None = None) -> pl.DataFrame:
    """household → the deadline of its earliest open work order, in `prefix` (or of `households`)."""
    query = (
        select(WORK_ORDERS.c.household_id, func.min(WORK_ORDERS.c.deadline))
        .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == WORK_ORDERS.c.household_id)
        .where(starts_with(HOUSEHOLDS.c.residence_division, prefix), WORK_ORDERS.c.status.in_(OPEN_STATUSES))
        .group_by(WORK_ORDERS.c.household_id)
    )
    if households is not None:
        ids = sorted(set(households))
        # a page's few ids as a plain list, which both planners look up by household; the whole
        # list's thousands as one JSON value (`in_values`)
        column = WORK_ORDERS.c.household_id
        query = query.where(column.in_(ids) if len(ids) <= _CHUNK else in_values(column, ids))
    return pl.DataFrame(
        conn.execute(query).all(), schema={"household_id": pl.String, "deadline": pl.Date}, orient="row"
    )
