"""The alert's figures as a first draft of the findings (核查表预填).

A caseworker sent to check "wage fell to 1,000 yuan" should find 1,000 in the form, not
the old declaration: the visit confirms or corrects what the departments reported. The
draft is what `feeds.apply` would lay over the declaration from the alert's own records
(a wage record replaces the declared wage, a death removes the member, …), in the
shape `findings.validate` returns (store units) — nothing is saved until the
caseworker saves the form.

    draft = from_alert(conn, order)   # {"household": {...}, "persons": {...}, "departed": {...}, "note": ""}
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from minsheng.casework.findings import HOUSEHOLD_FIELDS, PERSON_FIELDS
from minsheng.feeds.apply import apply_feeds
from minsheng.feeds.payload import by_kind
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.monitoring.tables import ALERTS
from minsheng.registry import population

ENVELOPE = {
    "feed_key": pl.String,
    "kind": pl.String,
    "event_date": pl.Date,
    "person_id": pl.String,
    "household_id": pl.String,
    "payload": pl.String,
}
EMPTY: dict[str, Any] = {"household": {}, "persons": {}, "departed": {}, "note": ""}


def from_alert(conn: Connection, order: dict[str, Any]) -> dict[str, Any]:
    """The findings the alert's records establish (empty without an alert or records)."""
    if order["alert_id"] is None:
        return EMPTY
    keys = json.loads(conn.execute(select(ALERTS.c.evidence).where(ALERTS.c.id == order["alert_id"])).scalar() or "[]")
    rows = conn.execute(
        select(
            FEED_RECORDS.c.feed_key,
            FEED_RECORDS.c.kind,
            FEED_RECORDS.c.event_date,
            FEED_RECORDS.c.person_id,
            FEED_RECORDS.c.household_id,
            FEED_RECORDS.c.payload,
        ).where(FEED_RECORDS.c.feed_key.in_(keys), FEED_RECORDS.c.household_id == order["household_id"])
    ).all()
    if not rows:
        return EMPTY
    frame = pl.DataFrame([tuple(r) for r in rows], orient="row", schema=ENVELOPE)
    hh, pp = population.load(conn, household_id=order["household_id"])
    # The window is the alert's own records, so each one counts (an old claim as much as a new one).
    dates = [r.event_date for r in rows]
    applied = apply_feeds(hh, pp, by_kind(frame), start=min(dates), end=max(dates))
    return draft(hh, pp, applied.households, applied.persons)


def draft(hh: pl.DataFrame, pp: pl.DataFrame, seen_hh: pl.DataFrame, seen_pp: pl.DataFrame) -> dict[str, Any]:
    """What differs between the declared frames and the observed ones, as findings."""
    household = {}
    declared, observed = hh.row(0, named=True), seen_hh.row(0, named=True)
    for column in HOUSEHOLD_FIELDS.values():
        if declared[column.store_name] != observed[column.store_name]:
            household[column.store_name] = observed[column.store_name]
    seen = {p["person_id"]: p for p in seen_pp.to_dicts()}
    persons: dict[str, dict[str, Any]] = {}
    departed = {}
    for member in pp.to_dicts():
        pid = member["person_id"]
        if pid not in seen:
            departed[pid] = "deceased"  # feeds.apply removes a member only on a death record
            continue
        for column in PERSON_FIELDS.values():
            if member[column.store_name] != seen[pid][column.store_name]:
                persons.setdefault(pid, {})[column.store_name] = seen[pid][column.store_name]
    return {"household": household, "persons": persons, "departed": departed, "note": ""}
