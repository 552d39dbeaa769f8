"""Lists of work orders and alerts for a user's jurisdiction (工单与预警队列).

Each query carries the jurisdiction filter; overdue means past its deadline and
not yet decided (a proposal waiting for the county is the county's delay, not
the township's, and is listed by `status=decided`).

A row carries what a caseworker scans a queue by (`queues`): the head of household
(name, ID number masked), the residence, the reason, the figure that raised the alert
and the deadline. Paging is on the server: a page is `limit` rows from `offset`, with
the total the filters select. `AlertFilter` is the one definition of an alert list's
filters: the dashboard counts with it and links with it, so a number equals its list.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from minsheng.casework import orders, queues
from minsheng.casework.tables import WORK_ORDER_EVENTS, WORK_ORDERS
from minsheng.db.store import starts_with
from minsheng.errors import NotFound
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.monitoring.alerts import UNFINISHED
from minsheng.monitoring.tables import ALERTS
from minsheng.registry.access import Page, in_scope, require_persons
from minsheng.registry.tables import HOUSEHOLDS
from minsheng.rules.parameters import ParameterSet
from minsheng.security import audit
from minsheng.security.users import Principal

OPEN_STATUSES = ("new", "assigned", "visited")
MAX_PAGE = 200
SORTS = ("grade", "deadline")  # red first and oldest first (the default), or the nearest deadline first


def _page(conn: Connection, query: Any, order_by: Any, limit: int, offset: int) -> Page:
    """One page and the total in one pass over the rows (a window count): on PostgreSQL each
    pass pays for row-level security on every row the filters select."""
    counted = query.add_columns(func.count().over().label("_total"))
    rows = [
        dict(r)
        for r in conn.execute(
            counted.order_by(*order_by).limit(min(max(limit, 1), MAX_PAGE)).offset(max(offset, 0))
        ).mappings()
    ]
    if rows:
        total = rows[0]["_total"]
        return Page(total, [{k: v for k, v in r.items() if k != "_total"} for r in rows])
    # past the last page (or nothing at all): the total needs its own count
    return Page(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one(), [])


def list_orders(
    conn: Connection,
    principal: Principal,
    *,
    today: dt.date,
    status: str = "",
    township: str = "",
    assignee: str = "",
    overdue: bool = False,
    sort: str = "deadline",
    limit: int | None = 50,
    offset: int = 0,
) -> Page:
    """Work orders, nearest deadline first (or `sort="grade"`: red first, then by deadline);
    `limit=None` gives every row (an export)."""
    require_persons(principal)
    query = (
        select(
            WORK_ORDERS.c.id,
            WORK_ORDERS.c.household_id,
            WORK_ORDERS.c.township,
            HOUSEHOLDS.c.residence_division,
            WORK_ORDERS.c.reason,
            WORK_ORDERS.c.severity,
            WORK_ORDERS.c.status,
            WORK_ORDERS.c.assignee,
            WORK_ORDERS.c.deadline,
            WORK_ORDERS.c.decision,
            WORK_ORDERS.c.version,
            WORK_ORDERS.c.alert_id,
            (WORK_ORDERS.c.conflicts != "[]").label("conflict"),
            (WORK_ORDERS.c.status.in_(OPEN_STATUSES) & (WORK_ORDERS.c.deadline < today)).label("overdue"),
        )
        .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == WORK_ORDERS.c.household_id)
        .where(in_scope(principal))
    )
    if status:
        query = query.where(WORK_ORDERS.c.status == status)
    if township:
        query = query.where(starts_with(HOUSEHOLDS.c.residence_division, township))
    if assignee:
        query = query.where(WORK_ORDERS.c.assignee == assignee)
    if overdue:
        query = query.where(WORK_ORDERS.c.status.in_(OPEN_STATUSES), WORK_ORDERS.c.deadline < today)
    order = (
        (WORK_ORDERS.c.severity != "red", WORK_ORDERS.c.severity != "orange", WORK_ORDERS.c.deadline, WORK_ORDERS.c.id)
        if sort == "grade"
        else (WORK_ORDERS.c.deadline, WORK_ORDERS.c.id)
    )
    if limit is None:
        items = [dict(r) for r in conn.execute(query.order_by(*order)).mappings()]
        page = Page(len(items), items)
    else:
        page = _page(conn, query, order, limit, offset)
    chunks = range(0, len(page.items), queues.CHUNK)
    return Page(page.total, [o for i in chunks for o in queues.enrich_orders(conn, page.items[i : i + queues.CHUNK])])


def order_detail(conn: Connection, principal: Principal, order_id: int) -> dict[str, Any]:
    """The work order with its timeline (audited: it shows a household's findings)."""
    order = orders.load(conn, principal, order_id)
    events = conn.execute(
        select(WORK_ORDER_EVENTS).where(WORK_ORDER_EVENTS.c.work_order_id == order_id).order_by(WORK_ORDER_EVENTS.c.id)
    ).mappings()
    order["events"] = [dict(e) | {"note": json.loads(e["note"])} for e in events]
    audit.record(conn, principal.username, "read_work_order", "work_order", str(order_id))
    return order


@dataclass(frozen=True)
class AlertFilter:
    """An alert list's filters. `status`: one of `monitoring.alerts.STATUSES`, "unfinished"
    (open or being checked: 未办结) or "" (any). Ages are whole days since the first event."""

    status: str = "open"
    reason: str = ""
    severity: str = ""
    township: str = ""  # a division prefix (township or village)
    min_age_days: int = 0
    max_age_days: int | None = None

    def where(self, today: dt.date) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.status == "unfinished":
            out.append(ALERTS.c.status.in_(UNFINISHED))
        elif self.status:
            out.append(ALERTS.c.status == self.status)
        if self.reason:
            out.append(ALERTS.c.reason == self.reason)
        if self.severity:
            out.append(ALERTS.c.severity == self.severity)
        if self.township:
            out.append(starts_with(HOUSEHOLDS.c.residence_division, self.township))
        if self.min_age_days:
            out.append(ALERTS.c.first_event <= today - dt.timedelta(days=self.min_age_days))
        if self.max_age_days is not None:
            out.append(ALERTS.c.first_event >= today - dt.timedelta(days=self.max_age_days))
        return out


def list_alerts(
    conn: Connection,
    principal: Principal,
    *,
    today: dt.date,
    status: str = "open",
    reason: str = "",
    severity: str = "",
    township: str = "",
    min_age_days: int = 0,
    max_age_days: int | None = None,
    sort: str = "grade",
    params: ParameterSet | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> Page:
    """Alerts, red and oldest first, or nearest deadline first (`sort="deadline"`: see
    `queues.alert_deadline`). Each row with its head, residence, figure and deadline.
    `limit=None` gives every row (an export), else at most `MAX_PAGE`."""
    require_persons(principal)
    filters = AlertFilter(status, reason, severity, township, min_age_days, max_age_days)
    scoped = (
        select(ALERTS.c.id)
        .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == ALERTS.c.household_id)
        .where(in_scope(principal), *filters.where(today))
    )
    size, skip = None if limit is None else min(max(limit, 1), MAX_PAGE), max(offset, 0)
    if sort == "deadline":
        # a deadline counts working days, which SQL cannot: the filtered alerts' keys are sorted here
        keys = queues.deadline_keys(conn, scoped, params)
        total = keys.height
        ids = keys.sort("deadline", "id", nulls_last=True).slice(skip, size).get_column("id").to_list()
    else:
        severity_order = (ALERTS.c.severity != "red", ALERTS.c.severity != "orange", ALERTS.c.first_event, ALERTS.c.id)
        if size is None:
            ids = list(conn.execute(scoped.order_by(*severity_order)).scalars())
            total = len(ids)
        else:
            page = _page(conn, scoped, severity_order, size, skip)
            total, ids = page.total, [r["id"] for r in page.items]
    rows = [
        row
        for start in range(0, len(ids), queues.CHUNK)
        for row in queues.alert_rows(conn, ids[start : start + queues.CHUNK], today=today, params=params)
    ]
    return Page(total, rows)


def alert_detail(conn: Connection, principal: Principal, alert_id: int) -> dict[str, Any]:
    """The alert with its evidence: the department records behind it (ID numbers masked; audited)."""
    require_persons(principal)
    alert = (
        conn.execute(
            select(ALERTS)
            .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == ALERTS.c.household_id)
            .where(ALERTS.c.id == alert_id, in_scope(principal))
        )
        .mappings()
        .first()
    )
    if alert is None:
        raise NotFound(f"辖区内没有预警 {alert_id}", f"no alert {alert_id} in your jurisdiction")
    out = dict(alert)
    keys = json.loads(alert["evidence"])
    evidence = conn.execute(
        select(
            FEED_RECORDS.c.feed_key,
            FEED_RECORDS.c.source,
            FEED_RECORDS.c.kind,
            FEED_RECORDS.c.event_date,
            FEED_RECORDS.c.name,
            FEED_RECORDS.c.id_number_masked,
            FEED_RECORDS.c.person_id,
            FEED_RECORDS.c.payload,
        )
        .where(FEED_RECORDS.c.feed_key.in_(keys), FEED_RECORDS.c.household_id == alert["household_id"])
        .order_by(FEED_RECORDS.c.event_date)
    ).mappings()
    out["evidence"] = [dict(e) | {"payload": json.loads(e["payload"])} for e in evidence]
    out["work_order_id"] = conn.execute(select(WORK_ORDERS.c.id).where(WORK_ORDERS.c.alert_id == alert_id)).scalar()
    audit.record(conn, principal.username, "read_alert", "alert", str(alert_id))
    return out
