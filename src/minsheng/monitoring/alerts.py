"""Alerts (预警): one open alert per household and reason; a new event updates it.

`merge` folds triggered rows into the alerts table inside the caller's
transaction: new (household, reason) pairs become open alerts; an open alert
gains the new evidence, its latest event date and, if higher, the new
severity. Updates check `version`, so two monitoring runs never silently
overwrite each other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, and_, bindparam, func

from minsheng.db.store import bulk_insert
from minsheng.db.upsert import rows_for_keys
from minsheng.errors import StoreError
from minsheng.monitoring.tables import ALERTS
from minsheng.monitoring.warnings import SEVERITY_RANK

RANK_TO_SEVERITY = {v: k for k, v in SEVERITY_RANK.items()}


@dataclass
class MergeResult:
    opened: int = 0
    updated: int = 0
    unchanged: int = 0


def fold(triggered: pl.DataFrame) -> pl.DataFrame:
    """One row per (household, reason): highest severity, first and last event, all evidence."""
    return (
        triggered.group_by("household_id", "reason")
        .agg(
            pl.col("direction").first(),
            pl.col("severity").replace_strict(SEVERITY_RANK, return_dtype=pl.Int8).max().alias("rank"),
            pl.col("event_date").min().alias("first_event"),
            pl.col("event_date").max().alias("last_event"),
            pl.col("feed_key").drop_nulls().unique().sort().alias("evidence"),
        )
        .with_columns(pl.format("{}:{}", "household_id", "reason").alias("open_key"))
    )


def merge(conn: Connection, triggered: pl.DataFrame, households: pl.DataFrame) -> MergeResult:
    result = MergeResult()
    if triggered.is_empty():
        return result
    folded = fold(triggered)
    stored = rows_for_keys(
        conn,
        ALERTS,
        "open_key",
        folded.get_column("open_key"),
        ["id", "severity", "first_event", "last_event", "evidence", "version"],
    )
    known = pl.DataFrame(
        stored,
        orient="row",
        schema={
            "open_key": pl.String,
            "id": pl.Int64,
            "severity": pl.String,
            "first_event": pl.Date,
            "last_event": pl.Date,
            "evidence": pl.String,
            "version": pl.Int64,
        },
    )
    fresh = folded.join(known.select("open_key"), on="open_key", how="anti").join(
        households.select("household_id", "residence_division"), on="household_id", how="left"
    )
    evidence = pl.Series(
        "evidence", [json.dumps(list(e)) for e in fresh.get_column("evidence").to_list()], dtype=pl.String
    )
    bulk_insert(
        conn,
        ALERTS,
        fresh.with_columns(evidence).select(
            "open_key",
            "household_id",
            "reason",
            "direction",
            pl.col("rank").replace_strict(RANK_TO_SEVERITY, return_dtype=pl.String).alias("severity"),
            pl.lit("open").alias("status"),
            "first_event",
            "last_event",
            "evidence",
            pl.col("residence_division").str.slice(0, 6).alias("county"),
            pl.when(pl.col("residence_division").str.len_chars() >= 9)
            .then(pl.col("residence_division").str.slice(0, 9))
            .alias("township"),
            pl.lit(1).alias("version"),
        ),
    )
    result.opened = fresh.height
    both = folded.join(known, on="open_key", how="inner", suffix="_db")
    changes = []
    for row in both.iter_rows(named=True):
        union = sorted(set(json.loads(row["evidence_db"])) | set(list(row["evidence"])))
        rank = max(row["rank"], SEVERITY_RANK[row["severity"]])
        first = min(row["first_event"], row["first_event_db"])
        last = max(row["last_event"], row["last_event_db"])
        if (union, rank, first, last) == (
            sorted(json.loads(row["evidence_db"])),
            SEVERITY_RANK[row["severity"]],
            row["first_event_db"],
            row["last_event_db"],
        ):
            result.unchanged += 1
            continue
        changes.append(
            {
                "b_id": row["id"],
                "b_version": row["version"],
                "severity": RANK_TO_SEVERITY[rank],
                "first_event": first,
                "last_event": last,
                "evidence": json.dumps(union),
                "version": row["version"] + 1,
            }
        )
    if changes:
        stmt = ALERTS.update().where(and_(ALERTS.c.id == bindparam("b_id"), ALERTS.c.version == bindparam("b_version")))
        outcome = conn.execute(
            stmt.values(
                severity=bindparam("severity"),
                first_event=bindparam("first_event"),
                last_event=bindparam("last_event"),
                evidence=bindparam("evidence"),
                version=bindparam("version"),
                updated_at=func.now(),
            ),
            changes,
        )
        if outcome.rowcount != len(changes):
            raise StoreError(
                "预警已被他人同时修改，请重新运行", "alerts were changed by another run at the same time; run again"
            )
        result.updated = len(changes)
    return result
