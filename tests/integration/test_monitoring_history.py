"""The demo's desk after a year of history (issue 12 §1): alerts, work orders and decisions fall
in the months before the demo date, and each township's open queue is what the last weeks raised."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, select

from minsheng.casework.tables import WORK_ORDER_EVENTS, WORK_ORDERS
from minsheng.demo.desk import seed_desk
from minsheng.demo.history import HISTORY_ORDERS
from minsheng.demo.local_params import demo_parameters, seed_local_parameters
from minsheng.demo.timeline import DemoTimeline
from minsheng.feeds.ingest import ingest_feed
from minsheng.monitoring.run import run_monitoring
from minsheng.monitoring.tables import ALERTS
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.importer import import_files
from minsheng.synth import SynthConfig, generate, write
from minsheng.synth.feeds import FeedConfig, generate_feeds, write_feeds

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")
DEMO_DATE = dt.date(2026, 9, 15)


def _frame(engine: Engine, query: object, columns: list[str]) -> pl.DataFrame:
    with engine.connect() as conn:
        return pl.DataFrame(conn.execute(query).all(), orient="row", schema=columns)  # type: ignore[call-overload]


def _monitored_county(engine: Engine, tmp_path: Path, t: DemoTimeline) -> int:
    """A small synthetic county, a year of its feeds and a monitoring run on the demo date, with
    the demo county's own local values (as `minsheng demo` has them: synth and registry alike)."""
    config = SynthConfig(county="110105", households=4_000, seed=3, reference_date=t.reference_date)
    pop = generate(config, params=demo_parameters())
    write(pop, tmp_path)
    write_feeds(generate_feeds(pop, FeedConfig(start=t.feeds_start, months=t.months, seed=3)), tmp_path / "feeds")
    import_files(engine, CIPHER, tmp_path / "households.csv", tmp_path / "persons.csv", today=t.reference_date)
    for path in sorted((tmp_path / "feeds").glob("*.csv")):
        ingest_feed(engine, CIPHER, path)
    seed_local_parameters(engine, "110105", tmp_path)
    run_monitoring(engine, date=t.demo_date)
    return _frame(engine, select(ALERTS.c.id), ["id"]).height


def test_the_desk_history_lies_before_the_demo_date(engine: Engine, tmp_path: Path) -> None:
    t = DemoTimeline.ending(DEMO_DATE)
    raised = _monitored_county(engine, tmp_path, t)

    _users, opened = seed_desk(engine, "110105", tmp_path, today=DEMO_DATE, feeds_start=t.feeds_start)

    alerts = _frame(
        engine,
        select(ALERTS.c.id, ALERTS.c.township, ALERTS.c.status, ALERTS.c.first_event, ALERTS.c.updated_at),
        ["id", "township", "status", "first_event", "updated_at"],
    )
    assert alerts.height == raised > 50
    assert alerts.get_column("first_event").is_between(t.feeds_start, DEMO_DATE).all()
    # What is still open was raised in the last weeks; everything older was handled.
    still = alerts.filter(pl.col("status") == "open")
    assert still.height > 0 and (still.get_column("first_event") >= t.settled_before).all()
    assert (alerts.filter(pl.col("first_event") < t.settled_before).get_column("status") == "closed").all()
    closed = alerts.filter(pl.col("status") == "closed")
    assert (closed.get_column("updated_at").dt.date() < DEMO_DATE).all()
    # Each township's queue is in the tens at most (here a small county: a handful).
    assert still.group_by("township").len().get_column("len").max() < 50  # type: ignore[operator]

    orders = _frame(
        engine,
        select(WORK_ORDERS.c.id, WORK_ORDERS.c.alert_id, WORK_ORDERS.c.status, WORK_ORDERS.c.created_at),
        ["order", "alert_id", "status", "created_at"],
    ).join(alerts.select(pl.col("id").alias("alert_id"), "first_event"), on="alert_id")
    events = _frame(
        engine,
        select(WORK_ORDER_EVENTS.c.work_order_id, WORK_ORDER_EVENTS.c.action, WORK_ORDER_EVENTS.c.at),
        ["order", "action", "at"],
    ).join(orders, on="order")
    decided = orders.filter(pl.col("status") == "closed")
    assert 0 < decided.height <= HISTORY_ORDERS and opened > 0
    # Every step on or after the alert's first event and on or before the demo date; approvals before it.
    day = events.get_column("at").dt.date()
    assert (day >= events.get_column("first_event")).all() and (day <= DEMO_DATE).all()
    approvals = events.filter(pl.col("action") == "approve")
    assert approvals.height == decided.height
    assert (approvals.get_column("at").dt.date() < DEMO_DATE).all()
    # Steps in their order: open ≤ findings ≤ approve, per order.
    ordered = events.sort("order", "at").group_by("order", maintain_order=True).agg(pl.col("action"))
    for actions in ordered.get_column("action").to_list():
        assert actions[0] == "open" and (actions[-1] == "approve" or "approve" not in actions)


def test_a_desk_on_older_feeds_ends_its_history_where_the_data_ends(engine: Engine, tmp_path: Path) -> None:
    """Built months after its feeds' last day, the demo keeps a queue: the last weeks of its data."""
    t = DemoTimeline.ending(DEMO_DATE)
    _monitored_county(engine, tmp_path, t)
    seed_desk(engine, "110105", tmp_path, today=DEMO_DATE + dt.timedelta(days=150))
    alerts = _frame(engine, select(ALERTS.c.status, ALERTS.c.first_event), ["status", "first_event"])
    still = alerts.filter(pl.col("status") == "open")
    assert still.height > 0 and (still.get_column("first_event") >= t.settled_before).all()
