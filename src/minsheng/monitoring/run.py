"""A monitoring run (监测运行): linked department records + the registry → alerts and discovery.

    outcome = run_monitoring(engine, date=dt.date(2026, 6, 30))

1. the registry in the jurisdiction and the linked department records of the last `window_months`;
2. the records applied (`feeds.apply`): the OBSERVED population, the declared one untouched;
3. both assessed on the date (standards, incomes);
4. every warning rule → alerts merged (one open alert per household and reason);
5. proactive discovery (missed / leaked / changed) over the observed population, each
   entry with the department facts that differ from the declaration.
All writes in one transaction.

The warning rules weigh each record against the registry AS DECLARED: they model the
record's own effect (a job loss against the declared income, a death against the
declared members), so an observed context would count the record twice, or lose the
deceased. Rules over registry facts alone (`OBSERVED_RULES`) read the observed
population: a widow(er) whose spouse's death is on record now lives alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine, and_, select

from minsheng.db.uow import UnitOfWork
from minsheng.feeds.apply import Applied, apply_feeds
from minsheng.feeds.payload import by_kind
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.localparams.store import parameters_for
from minsheng.monitoring import alerts, discovery
from minsheng.monitoring.warnings import ALERT_SCHEMA, ENROLLED_PROGRAMMES, RULES, Context
from minsheng.programmes.registry import baseline, model
from minsheng.registry import population
from minsheng.registry.tables import HOUSEHOLDS
from minsheng.rules.evaluate import Result, default_outputs, evaluate
from minsheng.rules.parameters import ParameterSet

CONTEXT_NODES = [
    "household_size",
    "income_per_capita_fen",
    "household_counted_income_fen",
    "dibao_standard_fen",
    "age",
    "counted_income_fen",
]
OBSERVED_RULES = frozenset({"elderly_alone"})  # rules over registry facts, no record of their own


@dataclass
class MonitoringOutcome:
    date: dt.date
    records: int  # linked records in the window
    triggered: int
    merged: alerts.MergeResult
    by_reason: pl.DataFrame
    discovery: pl.DataFrame
    applied: int  # records applied to the observed population
    changed_households: int  # households whose observed facts differ from the declared ones
    changes: pl.DataFrame  # feeds.apply.CHANGE_SCHEMA: every difference and its records


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
    return by_kind(frame)


def run_monitoring(
    engine: Engine,
    *,
    date: dt.date,
    jurisdiction: str = "",
    window_months: int = 12,
    params: ParameterSet | None = None,
) -> MonitoringOutcome:
    if params is None:  # a registry-backed run: the county's approved local values over the files
        with engine.connect() as conn:
            params = parameters_for(conn, baseline())
    hh, pp = population.load(engine, jurisdiction=jurisdiction)
    enrolled = population.enrolments(engine, jurisdiction=jurisdiction)
    start = pl.select(pl.lit(date).dt.offset_by(f"-{window_months}mo")).item()
    feeds = linked_feeds(engine, start, date, jurisdiction)
    applied = apply_feeds(hh, pp, feeds, start=start, end=date)
    enrolled_ids = enrolled.filter(pl.col("programme").is_in(ENROLLED_PROGRAMMES)).get_column("household_id")
    declared = evaluate(model(), params, hh, pp, date=date, outputs=CONTEXT_NODES)
    outputs = list(dict.fromkeys([*default_outputs(model()), *CONTEXT_NODES]))
    observed = evaluate(model(), params, applied.households, applied.persons, date=date, outputs=outputs)
    contexts = {
        "declared": _context(declared, pp, enrolled_ids, params, date),
        "observed": _context(observed, applied.persons, enrolled_ids, params, date),
    }
    parts = [
        fn(feeds, contexts["observed" if name in OBSERVED_RULES else "declared"]).cast(ALERT_SCHEMA)  # type: ignore[arg-type]
        for name, fn in RULES.items()
    ]
    triggered = pl.concat(parts) if parts else pl.DataFrame(schema=ALERT_SCHEMA)
    found = discovery.discover(model(), observed, enrolled, applied.households, applied.changes)
    with UnitOfWork(engine) as uow:
        merged = alerts.merge(uow.connection, triggered, hh)
        uow.commit()
    return _outcome(date, feeds, triggered, merged, found, applied)


def _context(
    result: Result, persons: pl.DataFrame, enrolled: pl.Series, params: ParameterSet, date: dt.date
) -> Context:
    return Context(
        households=result.households.with_columns(pl.col("household_id").is_in(enrolled.implode()).alias("enrolled")),
        persons=result.persons.join(persons.select("person_id", "wage_income_fen"), on="person_id", how="left"),
        params=params,
        date=date,
    )


def _outcome(
    date: dt.date,
    feeds: dict[str, pl.DataFrame],
    triggered: pl.DataFrame,
    merged: alerts.MergeResult,
    found: pl.DataFrame,
    applied: Applied,
) -> MonitoringOutcome:
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
    return MonitoringOutcome(
        date,
        sum(f.height for f in feeds.values()),
        triggered.height,
        merged,
        by_reason,
        found,
        applied.records,
        applied.changed_households,
        applied.changes,
    )
