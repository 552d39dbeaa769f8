"""Dashboard figures for a jurisdiction (工作台): aggregates only, so analysts may see them.

Households and persons by township, enrolments by programme, alerts by grade and
age, work orders by status, overdue orders, probable links awaiting review, days
from alert to decision, and monthly trends. No row here names a person.

Every count that links to a list is counted with that list's own filter
(`casework.queries.AlertFilter`, the work-order list's status and overdue test), and
`alert_filter` gives the filter a grade × age cell links to: a number equals its list.
(It did not: the grade table counted open *and* being-checked alerts and linked to the
queue's default, open only — red 168 opened a list of 134.)
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from sqlalchemy import Connection, String, case, cast, func, select

from minsheng.casework.queries import AlertFilter
from minsheng.casework.tables import WORK_ORDERS
from minsheng.linkage.tables import LINK_CANDIDATES
from minsheng.monitoring.tables import ALERTS
from minsheng.registry.access import in_scope
from minsheng.registry.queries import summary
from minsheng.registry.tables import ENROLMENTS, HOUSEHOLDS
from minsheng.security.users import Principal

# days since the first event: (label, fewest, most); the last has no upper bound
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7),
    ("8-30", 8, 30),
    ("31-90", 31, 90),
    ("90+", 91, None),
)
OPEN_ORDER = ("new", "assigned", "visited")


def alert_filter(severity: str, age: str | None = None) -> AlertFilter:
    """The alert list a grade × age cell (or a grade's total, `age=None`) of the dashboard counts."""
    bucket = next((b for b in AGE_BUCKETS if b[0] == age), None)
    if bucket is None:
        return AlertFilter(status="unfinished", severity=severity)
    return AlertFilter(status="unfinished", severity=severity, min_age_days=bucket[1], max_age_days=bucket[2])


def figures(conn: Connection, principal: Principal, *, today: dt.date) -> dict[str, Any]:
    scope = in_scope(principal)
    registry = summary(conn, principal.jurisdiction)
    enrolled = conn.execute(
        select(ENROLMENTS.c.programme, HOUSEHOLDS.c.township, func.count())
        .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == ENROLMENTS.c.household_id)
        .where(scope)
        .group_by(ENROLMENTS.c.programme, HOUSEHOLDS.c.township)
        .order_by(ENROLMENTS.c.programme, HOUSEHOLDS.c.township)
    ).all()
    # the youngest bucket whose upper bound the alert meets, as AlertFilter.max_age_days tests it
    age = func.coalesce(
        *[
            case((ALERTS.c.first_event >= today - dt.timedelta(days=most), label))
            for label, _fewest, most in AGE_BUCKETS
            if most is not None
        ],
        AGE_BUCKETS[-1][0],
    )
    # one pass over the alerts gives both the grade × age table and the monthly trend
    month = func.substr(cast(ALERTS.c.first_event, String), 1, 7)
    alert_rows = conn.execute(
        select(ALERTS.c.severity, ALERTS.c.status, age.label("age"), month.label("month"), func.count())
        .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == ALERTS.c.household_id)
        .where(scope)
        .group_by(ALERTS.c.severity, ALERTS.c.status, age, month)
    ).all()
    alerts: dict[tuple[str, str, str], int] = {}
    by_month: dict[str, int] = {}
    for severity, status, age_bucket, first_month, n in alert_rows:
        alerts[(severity, status, age_bucket)] = alerts.get((severity, status, age_bucket), 0) + n
        by_month[first_month] = by_month.get(first_month, 0) + n
    orders = conn.execute(
        select(WORK_ORDERS.c.status, func.count())
        .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == WORK_ORDERS.c.household_id)
        .where(scope)
        .group_by(WORK_ORDERS.c.status)
    ).all()
    overdue = conn.execute(
        select(func.count())
        .select_from(WORK_ORDERS.join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == WORK_ORDERS.c.household_id))
        .where(scope, WORK_ORDERS.c.status.in_(OPEN_ORDER), WORK_ORDERS.c.deadline < today)
    ).scalar_one()
    closed = conn.execute(
        select(ALERTS.c.first_event, WORK_ORDERS.c.closed_at)
        .join(WORK_ORDERS, WORK_ORDERS.c.alert_id == ALERTS.c.id)
        .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == ALERTS.c.household_id)
        .where(scope, WORK_ORDERS.c.status == "closed")
    ).all()
    days = [(c.date() - f).days for f, c in closed if c is not None]
    # probable links waiting for a caseworker (比对复核), counted by the person's household
    pending_links = conn.execute(
        select(func.count())
        .select_from(LINK_CANDIDATES.join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == LINK_CANDIDATES.c.household_id))
        .where(scope, LINK_CANDIDATES.c.status == "pending")
    ).scalar_one()
    return {
        "jurisdiction": principal.jurisdiction,
        "date": today.isoformat(),
        "households": registry.households,
        "persons": registry.persons,
        "townships": [
            {"township": t.township, "name": t.name, "households": t.households, "persons": t.persons}
            for t in registry.townships
        ],
        "enrolled": [{"programme": p, "township": t, "households": n} for p, t, n in enrolled],
        "alerts": [{"severity": s, "status": st, "age": a, "count": n} for (s, st, a), n in sorted(alerts.items())],
        "work_orders": {s: n for s, n in orders},
        "overdue": overdue,
        "pending_links": pending_links,
        "alert_to_decision_days": {
            "closed": len(days),
            "median": statistics.median(days) if days else None,
            "max": max(days) if days else None,
        },
        "alerts_by_month": [{"month": m, "count": n} for m, n in sorted(by_month.items())],
    }
