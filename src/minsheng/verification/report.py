"""核对报告: produce a household's verification report, keep it, and read it back — each step audited.

    with UnitOfWork(engine, principal) as uow:
        report = produce(uow.connection, principal, "A1", as_of=today, params=params)
        uow.commit()
    with UnitOfWork(engine, principal) as uow:
        again = read(uow.connection, principal, report["id"], view="pdf")   # the stored one, as it was
        uow.commit()

`produce` refuses without a valid authorisation (核对授权), reads the household as declared,
the members' linked records of the window, lays the records over the declaration
(`feeds.apply`), compares item by item and re-assesses every programme; the content is
stored in `verification_reports` as JSON (format `minsheng.verification/v1`, money in yuan
with two decimals, ID numbers masked) so the page, the PDF and the API show what was
produced, not what the registry says later.

The window is the last 12 months, reaching back for a household with an alert still open
or in check to the alert's first record, so the claim that raised the alert is on the report
(a fixed year once left it out and read "部门记录 0"). `window` says which (`basis`: year or
alert) and when the members' latest linked record is; if even that lies before the window,
the report says so plainly rather than showing an empty table.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
from sqlalchemy import Connection, func, insert, select

from minsheng.codes.divisions import divisions
from minsheng.errors import Conflict, NotFound
from minsheng.feeds.apply import apply_feeds
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.monitoring.tables import ALERTS
from minsheng.registry import access, population
from minsheng.registry.tables import HOUSEHOLDS, PERSONS
from minsheng.rules.parameters import ParameterSet
from minsheng.security import audit
from minsheng.security.users import Principal
from minsheng.verification.authorisation import authorisations, valid_authorisation
from minsheng.verification.compare import DIFFERS, compare, reassess
from minsheng.verification.records import household_records
from minsheng.verification.tables import VERIFICATION_REPORTS

FORMAT = "minsheng.verification/v1"
WINDOW_MONTHS = 12  # the records of the last year, as the monitoring run reads them
VIEWS = ("json", "page", "pdf")
CASE_STATUSES = ("open", "in_check")  # an alert being worked: its records belong on the report


def produce(
    conn: Connection,
    principal: Principal,
    household_id: str,
    *,
    as_of: dt.date,
    params: ParameterSet,
    window_months: int = WINDOW_MONTHS,
) -> dict[str, Any]:
    """The report of one household of the user's jurisdiction as of `as_of`, stored; the caller commits."""
    division = access.ensure_household(conn, principal, household_id)
    consent = valid_authorisation(conn, household_id, as_of)
    if consent is None:
        raise Conflict(
            f"家庭 {household_id} 没有有效的核对授权书：请先登记家庭成员签署的授权书，再生成核对报告",
            f"household {household_id} has no valid authorisation: record the signed authorisation first",
        )
    year: dt.date = pl.select(pl.lit(as_of).dt.offset_by(f"-{window_months}mo")).item()
    alerts = _open_alerts(conn, household_id)
    start = min([year, *(a["first_event"] for a in alerts)])
    hh, pp = population.load(conn, household_id=household_id)
    found = household_records(conn, household_id, start=start, end=as_of)
    applied = apply_feeds(hh, pp, found.feeds, start=start, end=as_of)
    members = _members(conn, household_id)
    names = {m["person_id"]: m["name"] for m in members}
    items = [
        i | {"name": names.get(i["person_id"])} if i["person_id"] else i
        for i in compare(hh, pp, found.listing, applied)
    ]
    programmes = reassess(hh, pp, applied, household_id, date=as_of, params=params)
    home = hh.row(0, named=True)
    content = {
        "format": FORMAT,
        "household": {
            "household_id": household_id,
            "residence_division": division,
            "residence_name": divisions().full_name(division) if divisions().lookup(division) else None,
            "urban_rural": home["urban_rural"],
        },
        "as_of": as_of.isoformat(),
        "window": _window(conn, household_id, start, as_of, year, alerts),
        "authorisation": {
            "id": consent["id"],
            "signed_by": consent["signed_by"],
            "signed_on": consent["signed_on"].isoformat(),
            "valid_until": consent["valid_until"].isoformat() if consent["valid_until"] else None,
            "document_ref": consent["document_ref"],
        },
        "members": members,
        "items": items,
        "records": [r | {"name": names.get(r["person_id"])} for r in found.listing],
        "programmes": programmes,
        "summary": {
            "records": len(found.listing),
            "items": len(items),
            "differences": sum(i["status"] == DIFFERS for i in items),
            "programmes_changed": sum(p["changed"] for p in programmes),
        },
    }
    t = VERIFICATION_REPORTS.c
    report_id, created_at = conn.execute(
        insert(VERIFICATION_REPORTS)
        .values(
            household_id=household_id,
            county=division[:6],
            authorisation_id=consent["id"],
            as_of=as_of,
            content=json.dumps(content, ensure_ascii=False, sort_keys=True),
            created_by=principal.username,
        )
        .returning(t.id, t.created_at)
    ).one()
    audit.record(
        conn,
        principal.username,
        "produce_verification_report",
        "household",
        household_id,
        {"report_id": report_id, "authorisation_id": consent["id"], "as_of": as_of.isoformat()},
    )
    return {"id": report_id, "created_by": principal.username, "created_at": _iso(created_at), **content}


def read(conn: Connection, principal: Principal, report_id: int, *, view: str = "json") -> dict[str, Any]:
    """A stored report of the user's jurisdiction, as it was produced; every read is audited
    (`view`: json, page or pdf). Another area's report is as missing as one that does not exist."""
    access.require_persons(principal)
    t = VERIFICATION_REPORTS.c
    row = (
        conn.execute(
            select(t.id, t.household_id, t.created_by, t.created_at, t.content)
            .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == t.household_id)
            .where(t.id == report_id, access.in_scope(principal))
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(
            f"辖区内没有编号为 {report_id} 的核对报告", f"no verification report {report_id} in your jurisdiction"
        )
    audit.record(
        conn,
        principal.username,
        "read_verification_report",
        "household",
        row["household_id"],
        {"report_id": report_id, "view": view if view in VIEWS else "json"},
    )
    return {
        "id": row["id"],
        "created_by": row["created_by"],
        "created_at": _iso(row["created_at"]),
        **json.loads(row["content"]),
    }


def overview(conn: Connection, principal: Principal, household_id: str, *, today: dt.date) -> dict[str, Any]:
    """What the verification page shows of a household of the user's jurisdiction: its members'
    names (who may sign), the authorisations, the one in force today and the reports; audited."""
    division = access.ensure_household(conn, principal, household_id)
    found = {
        "household_id": household_id,
        "residence_name": divisions().full_name(division) if divisions().lookup(division) else division,
        "members": [m["name"] for m in _members(conn, household_id)],
        "authorisations": authorisations(conn, household_id),
        "valid": valid_authorisation(conn, household_id, today),
        "reports": reports(conn, household_id),
    }
    audit.record(conn, principal.username, "read_verification", "household", household_id)
    return found


def _open_alerts(conn: Connection, household_id: str) -> list[dict[str, Any]]:
    """The household's alerts still open or in check (the case the report is for)."""
    rows = conn.execute(
        select(ALERTS.c.id, ALERTS.c.first_event)
        .where(ALERTS.c.household_id == household_id, ALERTS.c.status.in_(CASE_STATUSES))
        .order_by(ALERTS.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def _window(
    conn: Connection, household_id: str, start: dt.date, end: dt.date, year: dt.date, alerts: list[dict[str, Any]]
) -> dict[str, Any]:
    """start, end; basis (`year`, or `alert` when an open alert reaches further back) with the
    alerts' ids; latest_record: the members' latest linked record, and whether it lies outside
    the window (`latest_outside`: before it, or dated after the report's date)."""
    members = select(PERSONS.c.person_id).where(PERSONS.c.household_id == household_id)
    latest = conn.execute(
        select(func.max(FEED_RECORDS.c.event_date)).where(
            FEED_RECORDS.c.link_status == "linked",
            FEED_RECORDS.c.person_id.in_(members),
        )
    ).scalar()
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "basis": "alert" if start < year else "year",
        "alerts": [a["id"] for a in alerts],
        "latest_record": latest.isoformat() if latest else None,
        "latest_outside": latest is not None and not start <= latest <= end,
    }


def reports(conn: Connection, household_id: str) -> list[dict[str, Any]]:
    """The household's reports, newest first: id, as_of, created_by, created_at (the caller checked the scope)."""
    t = VERIFICATION_REPORTS.c
    rows = conn.execute(
        select(t.id, t.as_of, t.created_by, t.created_at).where(t.household_id == household_id).order_by(t.id.desc())
    ).mappings()
    return [dict(r) for r in rows]


def _iso(at: Any) -> str:
    """A stored timestamp as ISO text (SQLite hands back a naive datetime, PostgreSQL an aware one)."""
    return at.replace(microsecond=0).isoformat() if isinstance(at, dt.datetime) else str(at)


def _members(conn: Connection, household_id: str) -> list[dict[str, Any]]:
    """Members as the report names them: the stored masked ID number only (110105********002X)."""
    rows = conn.execute(
        select(PERSONS.c.person_id, PERSONS.c.name, PERSONS.c.relation, PERSONS.c.id_number_masked)
        .where(PERSONS.c.household_id == household_id)
        .order_by(PERSONS.c.relation, PERSONS.c.person_id)
    ).mappings()
    return [dict(r) for r in rows]
