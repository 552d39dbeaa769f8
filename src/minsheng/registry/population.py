"""The registry as population frames for the rules engine (one row per household / person).

Columns keep the store's names (money in fen); a jurisdiction (division-code
prefix) or a single household limits what is read.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, Engine, Select, select

from minsheng.db.base import polars_schema
from minsheng.db.store import literal_ok, read_arrow
from minsheng.registry.tables import ENROLMENTS, HOUSEHOLDS, PERSONS

BATCH = 200_000


def _frame(bind: Engine | Connection, query: Select[tuple[object, ...]], schema: dict[str, object]) -> pl.DataFrame:
    """`bind`: an Engine (a connection of its own) or the caller's Connection (its transaction)."""
    parts = []
    if isinstance(bind, Connection):
        result = bind.execute(query)
        while rows := result.fetchmany(BATCH):
            parts.append(pl.DataFrame(rows, schema=schema, orient="row"))  # type: ignore[arg-type]
    else:
        with bind.connect() as conn:
            result = conn.execution_options(stream_results=True).execute(query)
            while rows := result.fetchmany(BATCH):
                parts.append(pl.DataFrame(rows, schema=schema, orient="row"))  # type: ignore[arg-type]
    if not parts:
        return pl.DataFrame(schema=schema)  # type: ignore[arg-type]
    return pl.concat(parts)


def load(
    engine: Engine | Connection, *, jurisdiction: str = "", household_id: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    hh_cols = [c.name for c in HOUSEHOLDS.columns if c.name != "updated_at"]
    # Ciphertexts and blind indexes stay in the store: no rule needs them.
    p_cols = [c.name for c in PERSONS.columns if c.name != "updated_at" and not c.name.endswith(("_enc", "_hash"))]
    hq = select(*(HOUSEHOLDS.c[c] for c in hh_cols))
    pq = select(*(PERSONS.c[c] for c in p_cols)).join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == PERSONS.c.household_id)
    if jurisdiction:
        hq = hq.where(HOUSEHOLDS.c.residence_division.startswith(jurisdiction))
        pq = pq.where(HOUSEHOLDS.c.residence_division.startswith(jurisdiction))
    if household_id is not None:
        hq = hq.where(HOUSEHOLDS.c.household_id == household_id)
        pq = pq.where(PERSONS.c.household_id == household_id)
    hh_schema, p_schema = polars_schema(HOUSEHOLDS, hh_cols), polars_schema(PERSONS, p_cols)
    if isinstance(engine, Engine) and household_id is None and literal_ok(jurisdiction or "0"):
        households = read_arrow(engine, hq, hh_schema)  # a whole area: columns, not rows
        persons = read_arrow(engine, pq, p_schema) if households is not None else None
        if households is not None and persons is not None:
            return households, persons
    return _frame(engine, hq, hh_schema), _frame(engine, pq, p_schema)


def enrolments(engine: Engine | Connection, *, jurisdiction: str = "") -> pl.DataFrame:
    """Who receives what now: household_id, programme, since."""
    query = select(ENROLMENTS.c.household_id, ENROLMENTS.c.programme, ENROLMENTS.c.since).join(
        HOUSEHOLDS, HOUSEHOLDS.c.household_id == ENROLMENTS.c.household_id
    )
    if jurisdiction:
        query = query.where(HOUSEHOLDS.c.residence_division.startswith(jurisdiction))
    return _frame(engine, query, polars_schema(ENROLMENTS, ["household_id", "programme", "since"]))


def with_enrolled(engine: Engine | Connection, households: pl.DataFrame, *, jurisdiction: str = "") -> pl.DataFrame:
    """`households` with the contract's `enrolled` column (a list of programme codes, empty when
    none) from the enrolments table: what a simulation measures take-up against."""
    rows = enrolments(engine, jurisdiction=jurisdiction)
    enrolled = rows.group_by("household_id").agg(pl.col("programme").unique().sort().alias("enrolled"))
    return (
        households.drop("enrolled", strict=False)
        .join(enrolled, on="household_id", how="left")
        .with_columns(pl.col("enrolled").fill_null(pl.lit([], dtype=pl.List(pl.String))))
    )
