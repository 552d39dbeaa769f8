"""Lists of work orders and alerts for a user's jurisdiction (工单与预警队列).

Each query carries the jurisdiction filter; overdue means past its deadline and
not yet decided (a proposal waiting for the county is the county's delay, not
the township's, and is listed by `status=decided`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, func, select

from minsheng.casework import orders
from minsheng.casework.tables import WORK_ORDER_EVENTS, WORK_ORDERS
from minsheng.errors import NotFound
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.monitoring.tables import ALERTS
from minsheng.registry.access import Page, in_scope, require_persons
from minsheng.registry.tables import HOUSEHOLDS
from minsheng.security import audit
from minsheng.security.users import Principal

OPEN_STATUSES = ("new", "assigned", "visited")
MAX_PAGE = 200


def _page(conn: Connection, query: Any, order_by: Any, limit: int, offset: int) -> Page:
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(query.order_by(*order_by).limit(min(max(limit, 1), MAX_PAGE)).offset(max(offset, 0))).mappings()
    return Page(total, [dict(r) for r in rows])


def list_orders(
    conn: Connection,
    principal: Principal,
    *,
    today: dt.date,
    status: str = "",
    township: str = "",
    assignee: str = "",
    overdue: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    require_persons(principal)
    query = (
        select(
            WORK_ORDERS.c.id,
            WORK_ORDERS.c.household_id,
            WORK_ORDERS.c.township,
            WORK_ORDERS.c.reason,
            WORK_ORDERS.c.severity,
            WORK_ORDERS.c.status,
            WORK_ORDERS.c.assignee,
            WORK_ORDERS.c.deadline,
            WORK_ORDERS.c.decision,
            WORK_ORDERS.c.version,
            (WORK_ORDERS.c.conflicts != "[]").label("conflict"),
            (WORK_ORDERS.c.status.in_(OPEN_STATUSES) & (WORK_ORDERS.c.deadline < today)).label("overdue"),
        )
        .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == WORK_ORDERS.c.household_id)
        .where(in_scope(principal))
    )
    if status:
        query = query.where(WORK_ORDERS.c.status == status)
    if township:
        query = query.where(HOUSEHOLDS.c.residence_division.startswith(township))
    if assignee:
        query = query.where(WORK_ORDERS.c.assignee == assignee)
    if overdue:
        query = query.where(WORK_ORDERS.c.status.in_(OPEN_STATUSES), WORK_ORDERS.c.deadline < today)
    return _page(conn, query, (WORK_ORDERS.c.deadline, WORK_ORDERS.c.id), limit, offset)


def order_detail(conn: Connection, principal: Principal, order_id: int) -> dict[str, Any]:
    """The work order with its timeline (audited: it shows a household's findings)."""
    order = orders.load(conn, principal, order_id)
    events = conn.execute(
        select(WORK_ORDER_EVENTS).where(WORK_ORDER_EVENTS.c.work_order_id == order_id).order_by(WORK_ORDER_EVENTS.c.id)
    ).mappings()
    order["events"] = [dict(e) | {"note": json.loads(e["note"])} for e in events]
    audit.record(conn, principal.username, "read_work_order", "work_order", str(order_id))
    return order


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
    limit: int = 50,
    offset: int = 0,
) -> Page:
    require_persons(principal)
    query = (
        select(
            ALERTS.c.id,
            ALERTS.c.household_id,
            ALERTS.c.township,
            ALERTS.c.reason,
            ALERTS.c.direction,
            ALERTS.c.severity,
            ALERTS.c.status,
            ALERTS.c.first_event,
            ALERTS.c.last_event,
            ALERTS.c.version,
        )
        .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == ALERTS.c.household_id)
        .where(in_scope(principal))
    )
    for column, value in ((ALERTS.c.status, status), (ALERTS.c.reason, reason), (ALERTS.c.severity, severity)):
        if value:
            query = query.where(column == value)
    if township:
        query = query.where(HOUSEHOLDS.c.residence_division.startswith(township))
    if min_age_days:
        query = query.where(ALERTS.c.first_event <= today - dt.timedelta(days=min_age_days))
    severity_order = (ALERTS.c.severity != "red", ALERTS.c.severity != "orange", ALERTS.c.first_event, ALERTS.c.id)
    return _page(conn, query, severity_order, limit, offset)


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
