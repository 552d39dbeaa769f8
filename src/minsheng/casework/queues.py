"""What a queue's row shows beyond its own table (工单与预警队列的列): the head of household
(name; ID number only as stored masked, 110105********002X), the residence, the figure
that raised the alert (`monitoring.figures`) and the deadline.

An alert's deadline (限时核查): its work order's deadline once one is open; before that, the
grade's check limit (parameters casework.check_days_<grade>, the county's own choice)
counted in working days (`codes.working_days`) from the alert's first event — the same
clock as its age, so an alert left unopened shows as late as it is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import polars as pl
from sqlalchemy import Connection, Select, select

from minsheng.casework.tables import WORK_ORDERS
from minsheng.codes.working_days import add_working_days
from minsheng.localparams.store import parameters_for
from minsheng.monitoring.figures import figures
from minsheng.monitoring.tables import ALERTS
from minsheng.programmes.registry import baseline
from minsheng.registry.tables import HOUSEHOLDS, PERSONS
from minsheng.rules.parameters import ParameterSet

HEAD = "02"  # GB/T 4761: 户主
CHUNK = 900  # ids per IN (…): under SQLite's bound-parameter limit


def heads(conn: Connection, household_ids: Iterable[str]) -> dict[str, tuple[str, str | None, str | None]]:
    """household → (head's name, masked ID number, masked phone): the member recorded as 户主,
    else the first member by relation code and person id."""
    ids = sorted(set(household_ids))
    found: dict[str, tuple[str, str, str | None, str | None]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = conn.execute(
            select(
                PERSONS.c.household_id,
                PERSONS.c.relation,
                PERSONS.c.person_id,
                PERSONS.c.name,
                PERSONS.c.id_number_masked,
                PERSONS.c.phone_masked,
            ).where(PERSONS.c.household_id.in_(ids[start : start + CHUNK]))
        ).all()
        for household, relation, person, name, masked, phone in rows:
            rank = ("0" if relation == HEAD else "1") + (relation or "") + person
            if household not in found or rank < found[household][0]:
                found[household] = (rank, name, masked, phone)
    return {h: v[1:] for h, v in found.items()}


@cache
def _limit(params: ParameterSet, severity: str, county: str, day: dt.date) -> int | None:
    days = params.value(f"casework.check_days_{severity}", county, day)
    return None if days is None else int(days)


def alert_deadline(
    params: ParameterSet, severity: str, county: str, first_event: dt.date, order_deadline: dt.date | None
) -> dt.date | None:
    """See the module docstring; None where the county has no limit for the grade."""
    if order_deadline is not None:
        return order_deadline
    days = _limit(params, severity, county, first_event)
    return None if days is None else add_working_days(first_event, days)


def deadline_keys(conn: Connection, scoped: Select[Any], params: ParameterSet | None) -> pl.DataFrame:
    """id and deadline of every alert `scoped` (a query of alert ids, joined to households)
    selects, read in the same pass as the filters (one pass: see `queries._page`). The working
    days are counted once per grade, county and first event, not once per alert: thousands of
    open alerts share a few hundred of them."""
    params = params or parameters_for(conn, baseline())  # a county's own check limits, where approved
    keys = scoped.add_columns(
        ALERTS.c.severity, ALERTS.c.county, ALERTS.c.first_event, WORK_ORDERS.c.deadline
    ).outerjoin(WORK_ORDERS, WORK_ORDERS.c.alert_id == ALERTS.c.id)
    schema = {"id": pl.Int64, "severity": pl.String, "county": pl.String, "first_event": pl.Date, "due": pl.Date}
    alerts = pl.DataFrame(conn.execute(keys).all(), schema=schema, orient="row")
    limits = alerts.filter(pl.col("due").is_null()).select("severity", "county", "first_event").unique()
    limits = limits.with_columns(
        pl.Series(
            "limit",
            [alert_deadline(params, severity, county, first, None) for severity, county, first in limits.iter_rows()],
            dtype=pl.Date,
        )
    )
    return alerts.join(limits, on=["severity", "county", "first_event"], how="left").select(
        "id", pl.coalesce("due", "limit").alias("deadline")
    )


def alert_rows(
    conn: Connection, ids: Sequence[int], *, today: dt.date, params: ParameterSet | None
) -> list[dict[str, Any]]:
    """The alerts `ids`, in that order, as queue rows."""
    if not ids:
        return []
    params = params or parameters_for(conn, baseline())
    rows = conn.execute(
        select(
            ALERTS.c.id, ALERTS.c.household_id, ALERTS.c.township, HOUSEHOLDS.c.residence_division,
            ALERTS.c.county, ALERTS.c.reason, ALERTS.c.direction, ALERTS.c.severity, ALERTS.c.status,
            ALERTS.c.first_event, ALERTS.c.last_event, ALERTS.c.version, ALERTS.c.evidence,
            WORK_ORDERS.c.id.label("work_order_id"), WORK_ORDERS.c.deadline.label("order_deadline"),
        )
        .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == ALERTS.c.household_id)
        .outerjoin(WORK_ORDERS, WORK_ORDERS.c.alert_id == ALERTS.c.id)
        .where(ALERTS.c.id.in_(list(ids)))
    ).mappings().all()  # fmt: skip
    by_id = {r["id"]: dict(r) for r in rows}
    shown = figures(conn, rows)
    head = heads(conn, (r["household_id"] for r in rows))
    out = []
    for alert_id in ids:
        a = by_id[alert_id]
        a["deadline"] = alert_deadline(params, a["severity"], a["county"], a["first_event"], a.pop("order_deadline"))
        a["overdue"] = a["status"] != "closed" and a["deadline"] is not None and a["deadline"] < today
        a["days_open"] = (today - a["first_event"]).days
        a["head_name"], a["head_id_number"], a["head_phone"] = head.get(a["household_id"], (None, None, None))
        figure = shown.get(alert_id)
        a["figure"] = dataclasses.asdict(figure) if figure else None
        del a["evidence"]
        out.append(a)
    return out


def enrich_orders(conn: Connection, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Work-order rows with the head of household and the figure of the alert behind each."""
    alert_ids = [o["alert_id"] for o in items if o["alert_id"] is not None]
    evidence = (
        conn.execute(
            select(ALERTS.c.id, ALERTS.c.reason, ALERTS.c.evidence, ALERTS.c.household_id).where(
                ALERTS.c.id.in_(alert_ids)
            )
        )
        .mappings()
        .all()
        if alert_ids
        else []
    )
    shown = figures(conn, evidence)
    head = heads(conn, (o["household_id"] for o in items))
    for o in items:
        o["head_name"], o["head_id_number"], o["head_phone"] = head.get(o["household_id"], (None, None, None))
        figure = shown.get(o["alert_id"]) if o["alert_id"] is not None else None
        o["figure"] = dataclasses.asdict(figure) if figure else None
    return items
