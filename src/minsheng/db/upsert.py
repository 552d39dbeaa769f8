"""Writing rows that may already exist: the diff-upsert both the registry import and
the feed ingest use.

Rows are compared with what the store holds (keys staged in a temporary table,
so a million keys cost one join): new rows are bulk-inserted, changed rows
updated, equal rows left alone — so delivering the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
from sqlalchemy import Column as SAColumn
from sqlalchemy import Connection, MetaData, String, bindparam, func, select
from sqlalchemy import Table as SATable

from minsheng.db.store import bulk_insert

Finish = Callable[[pl.DataFrame], pl.DataFrame]


def rows_for_keys(conn: Connection, table: SATable, key: str, keys: pl.Series, columns: list[str]) -> list[Any]:
    """Rows (key, *columns) of `table` whose `key` is among `keys`. The keys are
    staged in a temporary table, so a million keys cost one join, not a million queries."""
    if keys.is_empty() or not conn.scalar(select(func.count()).select_from(table)):
        return []
    tmp = SATable("tmp_import_keys", MetaData(), SAColumn("k", String(64), primary_key=True), prefixes=["TEMPORARY"])
    tmp.drop(conn, checkfirst=True)
    tmp.create(conn)
    try:
        bulk_insert(conn, tmp, keys.drop_nulls().unique().to_frame("k"))
        query = select(table.c[key], *(table.c[c] for c in columns)).join(tmp, tmp.c.k == table.c[key])
        return list(conn.execute(query).all())
    finally:
        tmp.drop(conn)


def existing(conn: Connection, table: SATable, key: str, keys: pl.Series, columns: list[str]) -> pl.DataFrame:
    rows = rows_for_keys(conn, table, key, keys, columns)
    return pl.DataFrame(rows, schema={c: pl.String for c in [key, *columns]}, orient="row")


def upsert(
    conn: Connection, table: SATable, key: str, frame: pl.DataFrame, finish: Finish = lambda f: f
) -> tuple[int, int, int]:
    """Insert new rows, update changed ones, leave equal ones alone. Returns (inserted, updated, unchanged).
    `finish` adds columns only the rows being written need (ciphertexts: random nonces
    would make every row look changed, so rows are compared without them)."""
    cols = [c for c in frame.columns if c != key]
    existing = _existing_full(conn, table, key, frame[key], cols)
    if existing.is_empty():
        bulk_insert(conn, table, finish(frame))
        return frame.height, 0, 0
    existing = existing.cast({f"{c}__db": frame.schema[c] for c in cols}, strict=False)
    joined = frame.join(existing, on=key, how="left", suffix="__db", coalesce=True)
    known = joined.filter(pl.col("__present__db").is_not_null())
    new = joined.filter(pl.col("__present__db").is_null()).select(frame.columns)
    changed_mask = pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}__db")) for c in cols)
    changed = finish(known.filter(changed_mask).select(frame.columns))
    bulk_insert(conn, table, finish(new))
    if not changed.is_empty():
        written = [c for c in changed.columns if c != key]
        # A table that keeps when a row last changed (the registry's) gets the stamp; one that
        # does not (feed records: a record's own date is `event_date`) must not be asked for it.
        stamp = {"updated_at": func.now()} if "updated_at" in table.c else {}
        stmt = (
            table.update().where(table.c[key] == bindparam("__key")).values({c: bindparam(c) for c in written} | stamp)
        )
        for batch in changed.rename({key: "__key"}).iter_slices(20_000):
            conn.execute(stmt, batch.to_dicts())
    return new.height, changed.height, known.height - changed.height


def _existing_full(conn: Connection, table: SATable, key: str, keys: pl.Series, cols: list[str]) -> pl.DataFrame:
    rows = rows_for_keys(conn, table, key, keys, cols)
    if not rows:
        return pl.DataFrame()
    frame = pl.DataFrame(rows, schema=[key, *cols], orient="row", infer_schema_length=None)
    return frame.rename({c: f"{c}__db" for c in cols}).with_columns(pl.lit(True).alias("__present__db"))
