"""A monitoring run (监测运行): linked department records + the registry → alerts and discovery.

    outcome = run_monitoring(engine, date=dt.date(2026, 6, 30))

1. the registry in the jurisdiction, assessed on the date (standards, incomes);
2. the linked department records of the last `window_months`;
3. every warning rule → alerts merged (one open alert per household and reason);
4. proactive discovery (missed / leaked / changed).
All writes in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine, and_, select

from minsheng.monitoring import alerts, discovery
from minsheng.monitoring.warnings import ENROLLED_PROGRAMMES, Context, evaluate_warnings
from minsheng.programmes.registry import baseline, model
from minsheng.registry import population
from minsheng.registry.columns import FEED_KINDS
from minsheng.registry.models import FEED_RECORDS, HOUSEHOLDS
from minsheng.registry.uow import UnitOfWork
from minsheng.rules.evaluate import default_outputs, evaluate
from minsheng.rules.parameters import ParameterSet

CONTEXT_NODES = [
    "household_size",
    "income_per_capita_fen",
    "household_counted_income_fen",
    "dibao_standard_fen",
    "age",
    "counted_income_fen",
]
PAYLOAD_TYPES = {"money": pl.Int64, "bool": pl.Boolean, "decimal": pl.Float64, "int": pl.Int64}


@dataclass
class MonitoringOutcome:
    date: dt.date
    records: int
    triggered: int
    merged: alerts.MergeResult
    by_reason: pl.DataFrame
    discovery: pl.DataFrame


def linked_feeds(engine: Engine, start: dt.date, end: dt.date, jurisdiction: str = "") -> dict[str, pl.DataFrame]:
    """Linked records in the window, one frame per kind with its payload as columns."""
    query = select(
        FEED_RECORDS.c.feed_key,
        FEED_RECORDS.c.kind,
        FEED_RECORDS.c.event_date,
        FEED_RECORDS.c.person_id,
        FEED_RECORDS.c.household_id,
        FEED_RECORDS.c.payload,
    ).where(
        and_(
            FEED_RECORDS.c.link_status == "linked", FEED_RECORDS.c.event_date >= start, FEED_RECORDS.c.event_date <= end
        )
    )
    if jurisdiction:
        query = query.join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == FEED_RECORDS.c.household_id).where(
            HOUSEHOLDS.c.residence_division.startswith(jurisdiction)
        )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pl.DataFrame(
        rows,
        orient="row",
        schema={
            "feed_key": pl.String,
            "kind": pl.String,
            "event_date": pl.Date,
            "person_id": pl.String,
            "household_id": pl.String,
            "payload": pl.String,
        },
    )
    out = {}
    for kind, columns in FEED_KINDS.items():
        part = frame.filter(pl.col("kind") == kind)
        if part.is_empty():
            continue
        if columns:
            dtype = pl.Struct({c.name: PAYLOAD_TYPES.get(c.kind, pl.String) for c in columns})
            part = part.with_columns(pl.col("payload").str.json_decode(dtype)).unnest("payload")
        out[kind] = part
    return out


def run_monitoring(
    engine: Engine,
    *,
    date: dt.date,
    jurisdiction: str = "",
    window_months: int = 12,
    params: ParameterSet | None = None,
) -> MonitoringOutcome:
    params = params or baseline()
    hh, pp = population.load(engine, jurisdiction=jurisdiction)
    enrolled = population.enrolments(engine, jurisdiction=jurisdiction)
    outputs = list(dict.fromkeys([*default_outputs(model()), *CONTEXT_NODES]))
    result = evaluate(model(), params, hh, pp, date=date, outputs=outputs)
    enrolled_ids = enrolled.filter(pl.col("programme").is_in(ENROLLED_PROGRAMMES)).get_column("household_id")
    ctx = Context(
        households=result.households.with_columns(
            pl.col("household_id").is_in(enrolled_ids.implode()).alias("enrolled")
        ),
        persons=result.persons.join(pp.select("person_id", "wage_income_fen"), on="person_id", how="left"),
        params=params,
        date=date,
    )
    start = pl.select(pl.lit(date).dt.offset_by(f"-{window_months}mo")).item()
    feeds = linked_feeds(engine, start, date, jurisdiction)
    triggered = evaluate_warnings(feeds, ctx)
    found = discovery.discover(model(), result, enrolled, hh)
    with UnitOfWork(engine) as uow:
        merged = alerts.merge(uow.connection, triggered, hh)
        uow.commit()
    by_reason = (
        alerts.fold(triggered)
        .group_by("reason", "direction")
        .agg(
            pl.len().alias("households"),
            (pl.col("rank") == 3).sum().alias("red"),
            (pl.col("rank") == 2).sum().alias("orange"),
            (pl.col("rank") == 1).sum().alias("yellow"),
        )
        .sort("direction", "reason")
        if not triggered.is_empty()
        else pl.DataFrame()
    )
    return MonitoringOutcome(date, sum(f.height for f in feeds.values()), triggered.height, merged, by_reason, found)
