"""Alerts (预警): one open alert per household and reason; a new event updates it.

`merge` folds triggered rows into the alerts table inside the caller's
transaction: new (household, reason) pairs become open alerts; an open alert
gains the new evidence, its latest event date and, if higher, the new
severity. Updates check `version`, so two monitoring runs never silently
overwrite each other.

An alert a caseworker closed (`close`: stale or duplicate, with a reason, audited) or that
a decision closed stays closed: a later run raises the household and reason again only on
a department record the closed alert did not already hold.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, and_, bindparam, func, select, update

from minsheng.db.store import analyze, bulk_insert
from minsheng.db.upsert import rows_for_keys
from minsheng.errors import Conflict, Forbidden, InvalidInput, NotFound, StoreError
from minsheng.monitoring.tables import ALERTS
from minsheng.monitoring.warnings import SEVERITY_RANK
from minsheng.registry.access import in_scope, require_persons
from minsheng.registry.tables import HOUSEHOLDS
from minsheng.security import audit
from minsheng.security.users import Principal

RANK_TO_SEVERITY = {v: k for k, v in SEVERITY_RANK.items()}
STATUSES = ("open", "in_check", "closed")  # 待处理 / 核查中 (a work order is open) / 已关闭
UNFINISHED = ("open", "in_check")  # 未办结: what the dashboard counts and its links list
CLOSE_REASONS = ("stale", "duplicate", "other")  # 情况已消除或过时 / 重复预警 / 其他 (a note says what)
CLOSERS = frozenset({"township_caseworker", "county_reviewer"})  # who may open work orders, too
MAX_NOTE = 200


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
    folded = _not_closed_before(conn, fold(triggered))
    if folded.is_empty():
        return result
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
    if fresh.height:
        # the queue's plans (and row-level security's checks) need to know the new alerts now,
        # not when autovacuum next passes: PostgreSQL guessed 19 open alerts for 10,000 without
        analyze(conn, "alerts")
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


def _not_closed_before(conn: Connection, folded: pl.DataFrame) -> pl.DataFrame:
    """Drop (household, reason) rows that a closed alert already answered: every record of the
    row is in its evidence (a rule without records, such as elderly_alone, once closed stays so)."""
    rows = rows_for_keys(
        conn, ALERTS, "household_id", folded.get_column("household_id"), ["reason", "status", "evidence"]
    )
    answered: dict[tuple[str, str], set[str]] = {}
    for household, reason, status, evidence in rows:
        if status == "closed":
            answered.setdefault((household, reason), set()).update(json.loads(evidence))
    if not answered:
        return folded
    keep = [
        (h, r) not in answered or not set(e).issubset(answered[(h, r)])
        for h, r, e in folded.select("household_id", "reason", "evidence").iter_rows()
    ]
    return folded.filter(pl.Series(keep, dtype=pl.Boolean))


def close(
    conn: Connection, principal: Principal, alerts: Sequence[tuple[int, int]], reason: str, note: str = ""
) -> int:
    """Close open alerts (stale or duplicate) given as (id, version): all of them or none — the
    caller commits only if this returns. Each must be open (an alert being checked is closed by
    its work order's decision), in the user's jurisdiction (else NotFound, like a missing one)
    and unchanged since the user saw it (version); each close is an audit entry with the reason."""
    require_persons(principal)
    if principal.role not in CLOSERS:
        raise Forbidden("您的角色不能关闭预警", "your role may not close alerts")
    note = note.strip()
    if reason not in CLOSE_REASONS:
        raise InvalidInput("reason", "请选择关闭原因", "choose why the alerts are closed")
    if reason == "other" and not note:
        raise InvalidInput("note", "选择“其他”时请写明关闭原因", "say why in the note when the reason is other")
    if len(note) > MAX_NOTE:
        raise InvalidInput("note", f"说明不能超过 {MAX_NOTE} 字", f"the note is longer than {MAX_NOTE} characters")
    if not alerts:
        raise InvalidInput("alert", "请先勾选要关闭的预警", "tick the alerts to close first")
    for alert_id, version in alerts:
        found = conn.execute(
            select(ALERTS.c.status, ALERTS.c.version)
            .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == ALERTS.c.household_id)
            .where(ALERTS.c.id == alert_id, in_scope(principal))
        ).first()
        if found is None:
            raise NotFound(f"辖区内没有预警 {alert_id}", f"no alert {alert_id} in your jurisdiction")
        if found.status != "open":
            raise Conflict(
                f"预警 {alert_id} 已有核查工单或已关闭", f"alert {alert_id} already has a work order or is closed"
            )
        changed = conn.execute(
            update(ALERTS)
            .where(ALERTS.c.id == alert_id, ALERTS.c.version == version, ALERTS.c.status == "open")
            .values(status="closed", open_key=None, version=version + 1, updated_at=func.now())
        )
        if changed.rowcount != 1:
            raise Conflict(
                f"预警 {alert_id} 已被他人修改，请刷新后再办理",
                f"alert {alert_id} was changed by someone else: reload and try again",
            )
        audit.record(
            conn, principal.username, "close_alert", "alert", str(alert_id), {"reason": reason, "note": note or None}
        )
    return len(alerts)
