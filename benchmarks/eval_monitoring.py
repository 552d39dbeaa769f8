"""Monitoring against the synthetic county's ground truth: who truly slipped into hardship, and
did an alert find them? Who truly left it, and did an exit signal say so?

    python benchmarks/eval_monitoring.py [--households 100000]

- recall (hardship): households that truly became dibao-eligible during the year (feeds
  ground truth) with a hardship alert;
- precision (hardship, red/orange): alerted households that truly became eligible or were
  eligible at the end of the year;
- the same for exit signals against households that truly became ineligible.
Reported by reason. No target is set by the issue beyond measuring; this is a quality table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path

import polars as pl


def evaluate(households: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    from sqlalchemy import select

    from minsheng.bootstrap import bootstrap
    from minsheng.feeds.ingest import ingest_feed
    from minsheng.monitoring.run import run_monitoring
    from minsheng.registry.importer import import_files
    from minsheng.registry.models import ALERTS
    from minsheng.settings import Settings
    from minsheng.synth import SynthConfig, generate, write
    from minsheng.synth.feeds import FeedConfig, generate_feeds, write_feeds

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        pop = generate(SynthConfig(county="110105", households=households, seed=1))
        write(pop, out)
        feeds = generate_feeds(pop, FeedConfig(start=dt.date(2025, 7, 1), months=12, seed=1))
        write_feeds(feeds, out / "feeds")
        app = bootstrap(Settings(data=out / "data"))
        import_files(app.engine, app.cipher, out / "households.csv", out / "persons.csv")
        for path in sorted((out / "feeds").glob("*.csv")):
            ingest_feed(app.engine, app.cipher, path)
        run_monitoring(app.engine, date=dt.date(2026, 6, 30))
        with app.engine.connect() as conn:
            alerts = pl.DataFrame(
                conn.execute(
                    select(ALERTS.c.household_id, ALERTS.c.reason, ALERTS.c.direction, ALERTS.c.severity)
                ).all(),
                orient="row",
                schema=["household_id", "reason", "direction", "severity"],
            )
        outcomes = feeds.outcomes
    return alerts, outcomes


def table(alerts: pl.DataFrame, outcomes: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for direction, truth_col, end_col in (
        ("hardship", "became_eligible", "eligible_end"),
        ("exit", "became_ineligible", None),
    ):
        truth = set(outcomes.filter(pl.col(truth_col)).get_column("household_id"))
        real = truth | (set(outcomes.filter(pl.col(end_col)).get_column("household_id")) if end_col else set())
        graded = alerts.filter((pl.col("direction") == direction) & pl.col("severity").is_in(["red", "orange"]))
        for reason in [*sorted(set(graded.get_column("reason"))), "(all)"]:
            part = graded if reason == "(all)" else graded.filter(pl.col("reason") == reason)
            found = set(part.get_column("household_id"))
            rows.append(
                {
                    "direction": direction,
                    "reason": reason,
                    "alerted": len(found),
                    "true_positives": len(found & real),
                    "precision": len(found & real) / len(found) if found else None,
                    "recall": len(found & truth) / len(truth) if truth and reason == "(all)" else None,
                    "truly_changed": len(truth),
                }
            )
    return pl.DataFrame(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    args = parser.parse_args()
    result = table(*evaluate(args.households))
    with pl.Config(
        tbl_rows=50,
        tbl_formatting="MARKDOWN",
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        float_precision=3,
    ):
        print(result)
