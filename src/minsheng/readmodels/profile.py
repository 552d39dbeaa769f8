"""一户一档: everything about one household in one place, for a user of its area.

The household and its members (`household.household_detail`, audited), every
programme's result today with its explanation, the department records linked to
its members, one timeline of what happened (records, alerts, work-order steps),
and who has looked at the record (from the audit log).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from minsheng.assessment import explain
from minsheng.casework import decisions
from minsheng.casework.tables import WORK_ORDER_EVENTS, WORK_ORDERS
from minsheng.codes import enums
from minsheng.contract.columns import FEED_KINDS
from minsheng.feeds.payload import yuan
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.monitoring.tables import ALERTS
from minsheng.readmodels import household
from minsheng.registry import population
from minsheng.rules.explain_text import plain_cite
from minsheng.rules.parameters import ParameterSet
from minsheng.security.tables import AUDIT_LOG
from minsheng.security.users import Principal

VIEWS = (
    "read_household",
    "read_entitlements",
    "reveal_id_number",
    "read_verification",
    "produce_verification_report",
    "read_verification_report",
)  # the reads audited against the household itself
MAX_RECORDS = 500
# A household's page is opened again and again while its case is worked. Its explanation (the
# engine over that one household: 40–60 ms of the page's server time on the 2-core benchmark
# machine, most of it) depends on nothing but the household's rows, the parameters and the date,
# so it is kept per process and shown again while all three are the same. ~0.2 MB each.
KEPT = 128
_explained: OrderedDict[str, tuple[ParameterSet, dt.date, pl.DataFrame, pl.DataFrame, dict[str, Any]]] = OrderedDict()
_explained_lock = threading.Lock()


def household_profile(
    conn: Connection, principal: Principal, household_id: str, *, today: dt.date, params: ParameterSet
) -> dict[str, Any]:
    profile = household.household_detail(conn, principal, household_id)  # scope check; the read is audited
    hh, pp = population.load(conn, household_id=household_id)
    profile["explanation"] = _explanation(hh, pp, household_id, today, params)
    records = conn.execute(
        select(
            FEED_RECORDS.c.feed_key,
            FEED_RECORDS.c.source,
            FEED_RECORDS.c.kind,
            FEED_RECORDS.c.event_date,
            FEED_RECORDS.c.person_id,
            FEED_RECORDS.c.name,
            FEED_RECORDS.c.id_number_masked,
            FEED_RECORDS.c.payload,
        )
        .where(FEED_RECORDS.c.household_id == household_id)
        .order_by(FEED_RECORDS.c.event_date.desc())
        .limit(MAX_RECORDS)
    ).mappings()
    profile["records"] = [dict(r) | {"fields": fields(r["kind"], json.loads(r["payload"]))} for r in records]
    profile["work_orders"] = _orders(conn, household_id)
    profile["timeline"] = _timeline(conn, household_id, profile["records"])
    viewers = conn.execute(
        select(AUDIT_LOG.c.at, AUDIT_LOG.c.actor, AUDIT_LOG.c.action)
        .where(
            AUDIT_LOG.c.subject_kind == "household",
            AUDIT_LOG.c.subject_id == household_id,
            AUDIT_LOG.c.action.in_(VIEWS),
        )
        .order_by(AUDIT_LOG.c.id.desc())
        .limit(50)
    ).mappings()
    profile["viewers"] = [dict(v) for v in viewers]
    return profile


def fields(kind: str, payload: dict[str, Any]) -> list[dict[str, dict[str, str]]]:
    """A department record's own columns, each as {"label": {zh, en}, "value": {zh, en}}: the
    contract's column names, money in yuan, yes/no and codes as their labels, never `inpatient=True`."""
    out = []
    for column in FEED_KINDS.get(kind, ()):
        value = payload.get(column.name)
        if value is None:
            continue
        if column.kind == "money":
            text = {"zh": f"{yuan(value)} 元", "en": f"{yuan(value)} yuan"}
        elif column.kind == "bool":
            zh, en = enums.BOOLEAN.labels["1" if value in (True, 1, "1") else "0"]
            text = {"zh": zh, "en": en}
        elif column.codes is not None and str(value) in column.codes.labels:
            zh, en = column.codes.labels[str(value)]
            text = {"zh": zh, "en": en}
        else:
            text = {"zh": str(value), "en": str(value)}
        out.append({"label": {"zh": column.zh, "en": column.name.replace("_", " ")}, "value": text})
    return out


def _explanation(
    hh: pl.DataFrame, pp: pl.DataFrame, household_id: str, today: dt.date, params: ParameterSet
) -> dict[str, Any]:
    """The household's explanation: the one kept if its inputs are the very same (the same
    parameter set, date, and rows, compared whole), else worked out and kept. Shared by the
    requests that show it, so read only."""
    with _explained_lock:
        kept = _explained.get(household_id)
        if kept is not None:
            _explained.move_to_end(household_id)
    # `is`: the parameter set is kept alongside, so its identity cannot pass to another set.
    if kept is not None and kept[0] is params and kept[1] == today and kept[2].equals(hh) and kept[3].equals(pp):
        return kept[4]
    explanation = _plain_cites(explain(hh, pp, household_id, date=today, params=params), params)
    with _explained_lock:
        _explained[household_id] = (params, today, hh, pp, explanation)
        _explained.move_to_end(household_id)
        while len(_explained) > KEPT:
            _explained.popitem(last=False)
    return explanation


def _plain_cites(explanation: dict[str, Any], params: ParameterSet) -> dict[str, Any]:
    labels = {pid: p.label_zh for pid, p in params.params.items()}
    for programme in explanation["programmes"]:
        for condition in programme["conditions"]:
            condition["cite"] = plain_cite(condition["cite"] or "", labels)
    return explanation


def _orders(conn: Connection, household_id: str) -> list[dict[str, Any]]:
    """The household's work orders, each with `money` (现发 → 应发, monthly fen) where a decision
    moves it: live for a proposal awaiting approval, as approved for a closed order."""
    orders = conn.execute(
        select(
            WORK_ORDERS.c.id,
            WORK_ORDERS.c.status,
            WORK_ORDERS.c.reason,
            WORK_ORDERS.c.decision,
            WORK_ORDERS.c.programme,
            WORK_ORDERS.c.benefit_fen,
        )
        .where(WORK_ORDERS.c.household_id == household_id)
        .order_by(WORK_ORDERS.c.id)
    ).mappings()
    paid, enrolled = decisions.paid_now(conn, household_id)
    approved = {
        e.work_order_id: json.loads(e.note)
        for e in conn.execute(
            select(WORK_ORDER_EVENTS.c.work_order_id, WORK_ORDER_EVENTS.c.note)
            .join(WORK_ORDERS, WORK_ORDERS.c.id == WORK_ORDER_EVENTS.c.work_order_id)
            .where(WORK_ORDERS.c.household_id == household_id, WORK_ORDER_EVENTS.c.action == "approve")
            .order_by(WORK_ORDER_EVENTS.c.id)
        )
    }
    out = []
    for o in orders:
        money = None
        if o["status"] == "decided":
            money = decisions.payment(o["decision"], o["programme"], o["benefit_fen"], paid, enrolled)
        elif o["status"] == "closed" and "paid_fen" in approved.get(o["id"], {}):
            money = {k: approved[o["id"]][k] for k in ("paid_fen", "due_fen", "difference_fen")}
        out.append(dict(o) | {"money": money})
    return out


def _timeline(conn: Connection, household_id: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Department records, alerts and work-order steps, newest first."""
    events: list[dict[str, Any]] = [
        {"at": r["event_date"], "kind": "record", "what": r["kind"], "who": r["source"], "ref": r["feed_key"]}
        for r in records
    ]
    for a in conn.execute(
        select(ALERTS.c.id, ALERTS.c.first_event, ALERTS.c.reason, ALERTS.c.severity).where(
            ALERTS.c.household_id == household_id
        )
    ).mappings():
        events.append(
            {"at": a["first_event"], "kind": "alert", "what": a["reason"], "who": a["severity"], "ref": a["id"]}
        )
    steps = conn.execute(
        select(WORK_ORDER_EVENTS.c.at, WORK_ORDER_EVENTS.c.actor, WORK_ORDER_EVENTS.c.action, WORK_ORDERS.c.id)
        .join(WORK_ORDERS, WORK_ORDERS.c.id == WORK_ORDER_EVENTS.c.work_order_id)
        .where(WORK_ORDERS.c.household_id == household_id)
    ).mappings()
    for s in steps:
        at = s["at"].date() if isinstance(s["at"], dt.datetime) else s["at"]
        events.append({"at": at, "kind": "work_order", "what": s["action"], "who": s["actor"], "ref": s["id"]})
    return sorted(events, key=lambda e: e["at"] or dt.date.min, reverse=True)
