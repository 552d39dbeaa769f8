"""The demo county as the desk shows it: is it plausible? (issue 12 §1)

    python benchmarks/demo_county.py [--households 100000] [--county 110105] [--date 2026-12-03] [--link]

Builds what `minsheng demo` builds, dated by `demo.timeline` (registry on the day before the
feeds, a year of feeds ending on the demo date, monitoring on the demo date, the desk's
history before it), in a fresh SQLite registry, and prints:

- the calibration report's income basis and lines (provincial income, recipient shares);
- missed and leaked households, by the synth's ground truth on the reference date and as
  discovery lists them after the monitoring run, as shares of all households;
- alerts by status, and each township's open queue (largest, median) after the history;
- the dates of alerts, work orders and decisions against the demo date; the days from an
  alert to its approval;
- dibao households paid exactly the floor (`dibao.floor_ratio` × standard × size).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl


def build(households: int, county: str, seed: int, demo_date: dt.date, link: bool) -> dict[str, Any]:
    from sqlalchemy import select

    from minsheng.bootstrap import bootstrap
    from minsheng.casework.tables import WORK_ORDER_EVENTS, WORK_ORDERS
    from minsheng.demo.desk import seed_desk
    from minsheng.demo.local_params import demo_parameters, seed_local_parameters
    from minsheng.demo.timeline import DemoTimeline
    from minsheng.feeds.ingest import ingest_feed
    from minsheng.monitoring.run import run_monitoring
    from minsheng.monitoring.tables import ALERTS
    from minsheng.registry.importer import import_files
    from minsheng.settings import Settings
    from minsheng.synth import SynthConfig, generate, write
    from minsheng.synth.feeds import FeedConfig, generate_feeds, write_feeds
    from minsheng.synth.feeds_noise import NoiseConfig

    t = DemoTimeline.ending(demo_date)
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        start = time.perf_counter()
        config = SynthConfig(county=county, households=households, seed=seed, reference_date=t.reference_date)
        pop = generate(config, params=demo_parameters(county))  # as `minsheng demo`: the demo file's values
        write(pop, out)
        noise = NoiseConfig.profile("default", seed)
        feeds = generate_feeds(pop, FeedConfig(start=t.feeds_start, months=t.months, seed=seed, noise=noise))
        write_feeds(feeds, out / "feeds")
        seconds["synth"] = time.perf_counter() - start
        app = bootstrap(Settings(data=out / "data"))
        import_files(app.engine, app.cipher, out / "households.csv", out / "persons.csv", today=t.reference_date)
        for path in sorted((out / "feeds").glob("*.csv")):
            ingest_feed(app.engine, app.cipher, path)
        if link:
            from minsheng.linkage.backend import duckdb_backend
            from minsheng.linkage.store import link_unmatched

            s = app.settings
            link_unmatched(
                app.engine,
                app.cipher,
                backend=duckdb_backend(),
                data_dir=s.data,
                upper=s.link_upper,
                lower=s.link_lower,
                margin=s.link_margin,
                county=county,
            )
        seconds["import"] = time.perf_counter() - start - seconds["synth"]
        seed_local_parameters(app.engine, county, out / "data")  # submitted by admin, approved by admin2
        outcome = run_monitoring(app.engine, date=t.demo_date, jurisdiction=county)
        with app.engine.connect() as conn:
            raised = pl.DataFrame(
                conn.execute(select(ALERTS.c.township, ALERTS.c.severity)).all(),
                orient="row",
                schema=["township", "severity"],
            )
        started = time.perf_counter()
        _made, opened = seed_desk(app.engine, county, out / "data", today=t.demo_date, feeds_start=t.feeds_start)
        seconds["desk"] = time.perf_counter() - started
        with app.engine.connect() as conn:
            alerts = pl.DataFrame(
                conn.execute(select(ALERTS.c.township, ALERTS.c.status, ALERTS.c.severity, ALERTS.c.first_event)).all(),
                orient="row",
                schema=["township", "status", "severity", "first_event"],
            )
            events = pl.DataFrame(
                conn.execute(
                    select(WORK_ORDER_EVENTS.c.work_order_id, WORK_ORDER_EVENTS.c.action, WORK_ORDER_EVENTS.c.at)
                ).all(),
                orient="row",
                schema=["order", "action", "at"],
            )
            order_alerts = pl.DataFrame(
                conn.execute(select(WORK_ORDERS.c.id, WORK_ORDERS.c.alert_id, WORK_ORDERS.c.decision)).all(),
                orient="row",
                schema=["order", "alert_id", "decision"],
            )
            first = pl.DataFrame(
                conn.execute(select(ALERTS.c.id, ALERTS.c.first_event)).all(),
                orient="row",
                schema=["alert_id", "first_event"],
            )
    return {
        "timeline": t,
        "pop": pop,
        "discovery": outcome.discovery,
        "raised": raised,
        "alerts": alerts,
        "events": events,
        "orders": order_alerts.join(first, on="alert_id", how="left"),
        "opened": opened,
        "seconds": seconds,
    }


def report(r: dict[str, Any]) -> dict[str, Any]:
    t, pop = r["timeline"], r["pop"]
    n = pop.households.height
    cal = pop.calibration
    lines = cal.filter(pl.col("statistic").str.contains("income per capita|dibao recipients")).select(
        "statistic", "group", "target", "generated"
    )
    gt = pop.ground_truth
    dibao = r["discovery"].filter(pl.col("programme") == "dibao")
    open_alerts = r["alerts"].filter(pl.col("status") == "open")
    queue = open_alerts.group_by("township").len().get_column("len")
    raised = r["raised"].group_by("township").len().get_column("len")
    approvals = r["events"].filter(pl.col("action") == "approve").join(r["orders"], on="order")
    days = approvals.select((pl.col("at").dt.date() - pl.col("first_event")).dt.total_days()).to_series()
    floor = pop.households.join(gt.select("household_id", "size", "dibao_standard"), on="household_id").filter(
        (pl.col("enrolled") == "dibao")
        & ((pl.col("current_benefit") - (0.2 * pl.col("dibao_standard")).round(2) * pl.col("size")).abs() < 0.005)
    )
    return {
        "demo_date": str(t.demo_date),
        "reference_date": str(t.reference_date),
        "income_basis": pop.income_basis,
        "calibration": lines.to_dicts(),
        "truth_missed": int(gt.get_column("eligible_not_enrolled").sum()),
        "truth_leaked": int(gt.get_column("enrolled_ineligible").sum()),
        "truth_missed_leaked_share": float(
            (gt.get_column("eligible_not_enrolled").sum() + gt.get_column("enrolled_ineligible").sum()) / n
        ),
        "listed_missed": dibao.filter(pl.col("kind") == "missed").height,
        "listed_leaked": dibao.filter(pl.col("kind") == "leaked").height,
        "listed_changed": dibao.filter(pl.col("kind") == "changed").height,
        "listed_missed_leaked_share": dibao.filter(pl.col("kind").is_in(["missed", "leaked"])).height / n,
        "dibao_households": int((gt.get_column("enrolled_programme") == "dibao").sum()),
        "alerts_raised": r["raised"].height,
        "raised_by_severity": dict(r["raised"].group_by("severity").len().iter_rows()),
        "raised_per_township_max": int(raised.max()),
        "alerts_by_status": dict(r["alerts"].group_by("status").len().iter_rows()),
        "open_queue_per_township_max": int(queue.max()) if queue.len() else 0,
        "open_queue_per_township_median": float(queue.median()) if queue.len() else 0.0,
        "townships": r["raised"].get_column("township").n_unique(),
        "open_oldest_first_event": str(open_alerts.get_column("first_event").min()),
        "work_order_events_span": [str(r["events"].get_column("at").min()), str(r["events"].get_column("at").max())],
        "decisions": dict(approvals.group_by("decision").len().iter_rows()),
        "days_alert_to_approval_median": float(days.median()) if days.len() else None,
        "orders_opened_recent": r["opened"],
        "dibao_at_floor": floor.height,
        "seconds": {k: round(v, 1) for k, v in r["seconds"].items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--county", default="110105")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--date", default=dt.date.today().isoformat())
    parser.add_argument("--link", action="store_true", help="run the probabilistic linkage too, as the demo does")
    args = parser.parse_args()
    r = build(args.households, args.county, args.seed, dt.date.fromisoformat(args.date), args.link)
    print(json.dumps(report(r), ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
