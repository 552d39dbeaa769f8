"""The linked department records of one household's members (核对数据), read in the caller's transaction.

    found = household_records(conn, "A1", start=dt.date(2025, 6, 30), end=dt.date(2026, 6, 30))
    found.feeds      # kind → frame, as `monitoring.run.linked_feeds` gives them: what `apply_feeds` reads
    found.listing    # one dict per record, oldest first: what the report lists as evidence

A record counts when it is linked to a person who is a member of the household now (a
member who moved brings their records along) and its event date is in [start, end].
Only the record's own values are kept: its ID number and the name the department wrote
stay in the store (the report names members as the registry does).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from minsheng.feeds.payload import by_kind, readable
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.registry.tables import PERSONS

ENVELOPE = {
    "feed_key": pl.String,
    "kind": pl.String,
    "event_date": pl.Date,
    "person_id": pl.String,
    "household_id": pl.String,
    "payload": pl.String,
}


@dataclass(frozen=True)
class HouseholdRecords:
    feeds: dict[str, pl.DataFrame]  # kind → feed_key, kind, event_date, person_id, household_id, payload columns (fen)
    listing: list[dict[str, Any]]  # feed_key, source, kind, event_date, person_id, values (money in yuan)


def household_records(conn: Connection, household_id: str, *, start: dt.date, end: dt.date) -> HouseholdRecords:
    members = select(PERSONS.c.person_id).where(PERSONS.c.household_id == household_id)
    rows = conn.execute(
        select(
            FEED_RECORDS.c.feed_key,
            FEED_RECORDS.c.source,
            FEED_RECORDS.c.kind,
            FEED_RECORDS.c.event_date,
            FEED_RECORDS.c.person_id,
            FEED_RECORDS.c.household_id,
            FEED_RECORDS.c.payload,
        )
        .where(
            FEED_RECORDS.c.link_status == "linked",
            FEED_RECORDS.c.person_id.in_(members),
            FEED_RECORDS.c.event_date >= start,
            FEED_RECORDS.c.event_date <= end,
        )
        .order_by(FEED_RECORDS.c.event_date, FEED_RECORDS.c.feed_key)
    ).all()
    frame = pl.DataFrame(
        [(r.feed_key, r.kind, r.event_date, r.person_id, r.household_id, r.payload) for r in rows],
        orient="row",
        schema=ENVELOPE,
    )
    listing = [
        {
            "feed_key": r.feed_key,
            "source": r.source,
            "kind": r.kind,
            "event_date": r.event_date.isoformat(),
            "person_id": r.person_id,
            "values": readable(r.kind, json.loads(r.payload)),
        }
        for r in rows
    ]
    return HouseholdRecords(by_kind(frame), listing)
