"""The demo's history (演示历史): a year of desk work before the demo date, simulated.

A county that has monitored for a year has worked through most of its alerts: what is
left open is what the last weeks raised (`timeline.OPEN_DAYS`). After the demo's one
monitoring run, which raises a whole year's alerts at once, this module plays that year:

- an alert on a registry fact (old age alone; no department record) would have been
  raised by the monthly run in which the fact first held: its first day is drawn evenly
  over the window (seeded), as monthly runs would have spread them;
- `HISTORY_ORDERS` of the older red and orange alerts in the demo's two townships went
  through a work order to an approved decision: opened a few days after the alert, visited,
  the visit confirming the alert's department records (`_findings`), proposed by the
  township caseworker from the re-assessment (enrol / exit / adjust / no change) and approved by the county reviewer, each step dated in the weeks after;
- every other alert first raised before `settled_before` was closed after a check, with the
  reason "other" and a note that says this is simulated demo history.

Every step runs through the same use-case functions a user's click does (so the registry,
enrolments and the audit log follow), then the work orders' and alerts' own dates are set
to the simulated days. The audit log keeps the real time of the seeding: it is append-only
and hash-chained, and it should say when the demo was built.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, select, update

from minsheng.casework import decisions, orders
from minsheng.casework.tables import WORK_ORDER_EVENTS, WORK_ORDERS
from minsheng.db.uow import UnitOfWork
from minsheng.demo.timeline import DemoTimeline
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.monitoring import alerts as alert_store
from minsheng.monitoring.tables import ALERTS
from minsheng.registry.tables import ENROLMENTS, HOUSEHOLDS, PERSONS
from minsheng.rules.parameters import ParameterSet
from minsheng.security.users import Principal

HISTORY_ORDERS = 40  # older red and orange alerts taken through a work order to a decision
NOTE = "演示历史（模拟）：已核查，无需另行处理 demo history (simulated): checked, nothing further to do"
VISIT_NOTE = "演示历史（模拟）：入户核查，部门记录属实 demo history (simulated): visited, the records hold"
# Days between the steps of a historical work order (assumption: within 限时核查 deadlines).
STEP_DAYS = {"open": (1, 5), "visit": (3, 12), "approve": (2, 10)}
OFFICE_HOUR_UTC = 1  # 09:00 Beijing time


@dataclass
class History:
    decided: dict[str, int] = field(default_factory=dict)  # decision → work orders approved
    closed: int = 0  # alerts closed after a check
    redated: int = 0  # registry-fact alerts given the day a monthly run would have raised them


def settle(
    engine: Engine,
    county: str,
    towns: list[str],
    timeline: DemoTimeline,
    params: ParameterSet,
    *,
    seed: int = 1,
) -> History:
    """Play the year before the demo date over the county's open alerts (see the module)."""
    rng = np.random.default_rng(seed)
    history = History()
    reviewer = Principal("reviewer", "county_reviewer", county)
    with engine.begin() as conn:
        history.redated = _redate_registry_facts(conn, county, timeline, rng)
    old = _open_alerts(engine, county, before=timeline.settled_before)
    worked = [a for a in old if a["severity"] in ("red", "orange") and a["township"] in towns]
    worked = [worked[k] for k in rng.permutation(len(worked))]
    for alert in worked[:HISTORY_ORDERS]:
        caseworker = Principal(
            f"township{towns.index(alert['township']) + 1}", "township_caseworker", alert["township"]
        )
        decision = _work_order(engine, alert, reviewer, caseworker, params, timeline, rng)
        history.decided[decision] = history.decided.get(decision, 0) + 1
    chosen = {a["id"] for a in worked[:HISTORY_ORDERS]}
    rest = [a for a in old if a["id"] not in chosen]
    if rest:
        with UnitOfWork(engine, reviewer) as uow:
            alert_store.close(uow.connection, reviewer, [(a["id"], a["version"]) for a in rest], "other", NOTE)
            uow.commit()
        with engine.begin() as conn:
            for a in rest:
                closed_on = _after(a["first_event"], STEP_DAYS["visit"], rng, timeline)
                conn.execute(update(ALERTS).where(ALERTS.c.id == a["id"]).values(updated_at=_at(closed_on)))
        history.closed = len(rest)
    return history


def _redate_registry_facts(conn: Connection, county: str, timeline: DemoTimeline, rng: np.random.Generator) -> int:
    ids = list(
        conn.execute(
            select(ALERTS.c.id)
            .where(ALERTS.c.county == county, ALERTS.c.status == "open", ALERTS.c.evidence == "[]")
            .order_by(ALERTS.c.id)
        ).scalars()
    )
    span = (timeline.demo_date - timeline.feeds_start).days
    for alert_id, offset in zip(ids, rng.integers(0, span + 1, len(ids)), strict=True):
        day = timeline.feeds_start + dt.timedelta(days=int(offset))
        conn.execute(update(ALERTS).where(ALERTS.c.id == alert_id).values(first_event=day))
    return len(ids)


def _open_alerts(engine: Engine, county: str, *, before: dt.date) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                ALERTS.c.id,
                ALERTS.c.version,
                ALERTS.c.severity,
                ALERTS.c.township,
                ALERTS.c.first_event,
                ALERTS.c.household_id,
                ALERTS.c.evidence,
            )
            .where(ALERTS.c.county == county, ALERTS.c.status == "open", ALERTS.c.first_event < before)
            .order_by(ALERTS.c.id)
        )
        return [dict(r._mapping) for r in rows]


def _work_order(
    engine: Engine,
    alert: dict[str, Any],
    reviewer: Principal,
    caseworker: Principal,
    params: ParameterSet,
    timeline: DemoTimeline,
    rng: np.random.Generator,
) -> str:
    opened = _after(alert["first_event"], STEP_DAYS["open"], rng, timeline)
    visited = _after(opened, STEP_DAYS["visit"], rng, timeline)
    approved = _after(visited, STEP_DAYS["approve"], rng, timeline)
    with UnitOfWork(engine, reviewer) as uow:
        order_id = orders.open_from_alert(uow, reviewer, alert["id"], today=opened, params=params)
        version = orders.assign(uow, reviewer, order_id, caseworker.username, 1)
        uow.commit()
    with UnitOfWork(engine, caseworker) as uow:
        raw = _findings(uow.connection, alert)
        version = orders.record_findings(uow, caseworker, order_id, raw, version, today=visited, params=params)
        order = orders.load(uow.connection, caseworker, order_id)
        decision, programme = _decision(uow.connection, order)
        version = decisions.propose(uow, caseworker, order_id, decision, programme, version)
        uow.commit()
    with UnitOfWork(engine, reviewer) as uow:
        decisions.approve(uow, reviewer, order_id, version, today=approved)
        uow.commit()
    with engine.begin() as conn:
        redate_order(conn, order_id, alert["id"], [opened, opened, visited, visited, approved])
    return decision


def _findings(conn: Connection, alert: dict[str, Any]) -> dict[str, Any]:
    """What the visit confirmed: the alert's own department records, in the findings' words
    (a job loss: no wage; a death: the member gone; a claim: the out-of-pocket cost)."""
    keys = json.loads(alert["evidence"])
    members = set(
        conn.execute(select(PERSONS.c.person_id).where(PERSONS.c.household_id == alert["household_id"])).scalars()
    )
    rows = conn.execute(
        select(FEED_RECORDS.c.kind, FEED_RECORDS.c.person_id, FEED_RECORDS.c.payload).where(
            FEED_RECORDS.c.feed_key.in_(keys)
        )
    ).all()
    persons: dict[str, dict[str, str]] = {}
    departed: dict[str, str] = {}
    medical: dict[str, int] = {}
    for kind, person, payload in rows:
        if person not in members:
            continue
        values = json.loads(payload)
        if kind == "unemployment":
            persons.setdefault(person, {})["wage_income"] = "0"
        elif kind == "death":
            departed[person] = "deceased"
        elif kind == "medical_claim":
            medical[person] = medical.get(person, 0) + int(values.get("out_of_pocket") or 0)
    for person, fen in medical.items():
        persons.setdefault(person, {})["medical_expense"] = f"{fen / 100:.2f}"
    if departed and set(departed) >= members:
        departed = {}  # nobody left: closing the household is another procedure
    return {"persons": persons, "departed": departed, "note": VISIT_NOTE}


def _decision(conn: Connection, order: dict[str, Any]) -> tuple[str, str | None]:
    """What the re-assessment supports for dibao: the caseworker follows the engine."""
    line = next(p for p in order["reassessment"]["programmes"] if p["id"] == "dibao")
    household = order["household_id"]
    enrolled = (
        conn.execute(
            select(ENROLMENTS.c.household_id).where(
                ENROLMENTS.c.household_id == household, ENROLMENTS.c.programme == "dibao"
            )
        ).first()
        is not None
    )
    paid = conn.execute(select(HOUSEHOLDS.c.current_benefit_fen).where(HOUSEHOLDS.c.household_id == household)).scalar()
    if not enrolled and line["status"] == "eligible":
        return "enrol", "dibao"
    if enrolled and line["status"] == "ineligible":
        return "exit", "dibao"
    if enrolled and line["status"] == "eligible" and line["benefit_fen"] != paid:
        return "adjust", "dibao"
    return "no_change", None


def redate_order(conn: Connection, order_id: int, alert_id: int, days: list[dt.date], *, closed: bool = True) -> None:
    """The order's steps (open, assign, findings, propose, approve) on the simulated days; the
    last day is when it closed, unless it is still under way (`closed` False)."""
    events = conn.execute(
        select(WORK_ORDER_EVENTS.c.id)
        .where(WORK_ORDER_EVENTS.c.work_order_id == order_id)
        .order_by(WORK_ORDER_EVENTS.c.id)
    ).scalars()
    for k, event_id in enumerate(events):
        day = days[min(k, len(days) - 1)]
        conn.execute(
            update(WORK_ORDER_EVENTS).where(WORK_ORDER_EVENTS.c.id == event_id).values(at=_at(day, minutes=20 * k))
        )
    last = _at(days[-1], minutes=90)
    conn.execute(
        update(WORK_ORDERS)
        .where(WORK_ORDERS.c.id == order_id)
        .values(created_at=_at(days[0]), updated_at=last, **({"closed_at": last} if closed else {}))
    )
    conn.execute(update(ALERTS).where(ALERTS.c.id == alert_id).values(updated_at=_at(days[-1], minutes=90)))


def _after(day: dt.date, days: tuple[int, int], rng: np.random.Generator, timeline: DemoTimeline) -> dt.date:
    """A working step some days after `day`, never on or after the demo date."""
    later = day + dt.timedelta(days=int(rng.integers(days[0], days[1] + 1)))
    return min(later, timeline.demo_date - dt.timedelta(days=1))


def _at(day: dt.date, minutes: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(OFFICE_HOUR_UTC)) + dt.timedelta(minutes=minutes)
