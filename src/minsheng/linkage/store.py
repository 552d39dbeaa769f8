"""The probabilistic pass over the store (概率比对): run after ingest, as a batch job.

    run = link_unmatched(engine, cipher)            # the county's model, or the package's
    run.linked, run.review, run.unmatched

Why a separate step and not a `feeds.linking.Linker` inside ingest: the
probabilistic pass needs every record's ID number in clear (one wrong digit is
evidence; the ingest linker sees only the blind index), the whole registry
with its clear numbers, and a model; at county scale it takes a minute, which
must not hold the ingest transaction open; and it should run again when the
registry grows (a person registered today links last month's records). So
ingest links exactly (`ExactIdLinker`) and this step takes the rest: feed
records still `unmatched` or `id_conflict`.

In one transaction: a record scoring above the upper threshold is linked
(`link_method` = `probabilistic`); between the thresholds a `link_candidates`
row waits for a caseworker (`review.accept` / `review.reject`), with the
waterfall of why; below, the record stays as it was, unmatched and visible.
A record with a pending candidate is not scored again, and a person a
caseworker rejected for a record is never proposed for it again. A record a
department delivered with its token is linked or proposed only to a person living
in the token's area (`delivered_area`, as at ingest). The run is
audited (one entry with its counts).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, Select, bindparam, select, update

from minsheng.db.store import bulk_insert
from minsheng.db.uow import UnitOfWork
from minsheng.feeds.linking import ID_CONFLICT, LINKED, UNMATCHED
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.linkage.backend import Backend
from minsheng.linkage.model import LinkModel, default_model_path
from minsheng.linkage.pipeline import PROBABILISTIC, REVIEW, link_records
from minsheng.linkage.scoring import LOWER, MARGIN, UPPER, waterfall_json
from minsheng.linkage.tables import LINK_CANDIDATES
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.tables import HOUSEHOLDS, PERSONS
from minsheng.security import audit

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
BATCH = 200_000
ENVELOPE = ("name", "birth_date", "sex", "residence_division")


@dataclass
class LinkRun:
    records: int = 0  # feed records scored
    linked: int = 0
    review: int = 0
    unmatched: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _read(conn: Connection, query: Select[Any], schema: dict[str, Any]) -> pl.DataFrame:
    parts = []
    result = conn.execute(query)
    while rows := result.fetchmany(BATCH):
        parts.append(pl.DataFrame(rows, schema=schema, orient="row"))
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _clear_ids(frame: pl.DataFrame, cipher: PersonalDataCipher) -> pl.DataFrame:
    clear = cipher.decrypt_all(frame.get_column("id_number_enc").to_list())
    return frame.drop("id_number_enc").with_columns(pl.Series("id_number", clear, dtype=pl.String))


_TEXT: dict[str, Any] = {
    "name": pl.String,
    "birth_date": pl.Date,
    "sex": pl.String,
    "residence_division": pl.String,
}


# Feed records as linkage reads them: key and envelope (`read_feed` puts the ID number in clear),
# and whether the birth date was read from the ID number (`features.prepare` counts it once).
FEED_QUERY = select(
    FEED_RECORDS.c.feed_key,
    FEED_RECORDS.c.id_number_enc,
    *(FEED_RECORDS.c[c] for c in ENVELOPE),
    FEED_RECORDS.c.birth_date_derived,
)


def read_feed(conn: Connection, cipher: PersonalDataCipher, query: Select[Any], county: str = "") -> pl.DataFrame:
    """The records of `query` (built on `FEED_QUERY`), of `county` (a division prefix) if given,
    ID numbers in clear."""
    if county:
        query = query.where(FEED_RECORDS.c.county.startswith(county))
    schema = {"feed_key": pl.String, "id_number_enc": pl.Binary, **_TEXT, "birth_date_derived": pl.Boolean}
    return _clear_ids(_read(conn, query, schema), cipher)


def unlinked_records(conn: Connection, cipher: PersonalDataCipher, county: str = "") -> pl.DataFrame:
    """Feed records still unmatched or in ID conflict, without a pending candidate, ID numbers in clear."""
    pending = select(LINK_CANDIDATES.c.feed_key).where(LINK_CANDIDATES.c.status == PENDING)
    query = FEED_QUERY.where(
        FEED_RECORDS.c.link_status.in_([UNMATCHED, ID_CONFLICT]), FEED_RECORDS.c.feed_key.not_in(pending)
    )
    return read_feed(conn, cipher, query, county)


def registry_persons(conn: Connection, cipher: PersonalDataCipher, scope: str = "") -> pl.DataFrame:
    """Registry persons with their household's residence, ID numbers in clear."""
    query = select(
        PERSONS.c.person_id,
        PERSONS.c.household_id,
        PERSONS.c.id_number_enc,
        PERSONS.c.name,
        PERSONS.c.birth_date,
        PERSONS.c.sex,
        HOUSEHOLDS.c.residence_division,
        PERSONS.c.birth_date_derived,
    ).join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == PERSONS.c.household_id)
    if scope:
        query = query.where(HOUSEHOLDS.c.residence_division.startswith(scope))
    schema = {
        "person_id": pl.String,
        "household_id": pl.String,
        "id_number_enc": pl.Binary,
        **_TEXT,
        "birth_date_derived": pl.Boolean,
    }
    return _clear_ids(_read(conn, query, schema), cipher)


def link_unmatched(
    engine: Engine,
    cipher: PersonalDataCipher,
    *,
    model: LinkModel | None = None,
    data_dir: Path | None = None,
    backend: Backend | None = None,
    upper: float = UPPER,
    lower: float = LOWER,
    margin: float = MARGIN,
    county: str = "",
    registry_scope: str = "",
    actor: str = "system:linkage",
) -> LinkRun:
    """Link the feed records ingest could not link exactly (see the module docstring).

    `model`: the trained model; default the data directory's `linkage_model.json`, else the
    package's. `upper` / `lower` / `margin`: thresholds in match weight (settings
    MINSHENG_LINK_UPPER, MINSHENG_LINK_LOWER, MINSHENG_LINK_MARGIN). `county`: only feed
    records of this county (a division prefix); `registry_scope`: only registry persons
    living there (default: the whole registry, since people move)."""
    model = model or LinkModel.load(default_model_path(data_dir))
    run = LinkRun()
    start = time.perf_counter()
    with engine.connect() as conn:
        feed = unlinked_records(conn, cipher, county)
        registry = registry_persons(conn, cipher, registry_scope)
        areas = _delivered_areas(conn)
    run.seconds["read"] = time.perf_counter() - start
    run.records = run.unmatched = feed.height
    if feed.is_empty() or registry.is_empty():
        return run
    # Scored outside any transaction (a minute at county scale); the writes below only touch
    # records still unlinked, so a record linked meanwhile is left as it is.
    result = link_records(
        feed,
        registry,
        model,
        backend=backend,
        exact=False,
        upper=upper,
        lower=lower,
        margin=margin,
        timings=run.seconds,
    )
    start = time.perf_counter()
    households = registry.select(
        "person_id", "household_id", pl.col("residence_division").str.slice(0, 6).alias("hh_county")
    )
    result = _within_delivered_area(result.join(households, on="person_id", how="left"), registry, areas)
    with UnitOfWork(engine) as uow:
        conn = uow.connection
        linked = result.filter(pl.col("status") == LINKED)
        review = _fresh_candidates(conn, result.filter(pl.col("status") == REVIEW))
        _write_links(conn, linked)
        _write_candidates(conn, model, review, registry.height)
        run.linked, run.review = linked.height, review.height
        run.unmatched = run.records - run.linked - run.review
        audit.record(
            conn,
            actor,
            "linkage.run",
            "feed_records",
            county or "*",
            {"records": run.records, "linked": run.linked, "review": run.review, "upper": upper, "lower": lower},
        )
        uow.commit()
    run.seconds["write"] = time.perf_counter() - start
    return run


def _delivered_areas(conn: Connection) -> pl.DataFrame:
    """The unlinked records a department delivered with its token, and the token's area."""
    query = select(FEED_RECORDS.c.feed_key, FEED_RECORDS.c.delivered_area).where(
        FEED_RECORDS.c.delivered_area.is_not(None), FEED_RECORDS.c.link_status.in_([UNMATCHED, ID_CONFLICT])
    )
    return _read(conn, query, {"feed_key": pl.String, "delivered_area": pl.String})


def _within_delivered_area(result: pl.DataFrame, registry: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """A token may write only about its area (`feeds.linking`): a record it delivered is neither
    linked nor proposed for review to a person living elsewhere; it stays unmatched, as it was."""
    residence = registry.select("person_id", pl.col("residence_division").alias("person_residence"))
    checked = result.join(residence, on="person_id", how="left").join(areas, on="feed_key", how="left")
    allowed = pl.col("delivered_area").is_null() | pl.col("person_residence").str.starts_with(
        pl.col("delivered_area")
    ).fill_null(False)
    return checked.with_columns(
        pl.when(allowed).then(pl.col("status")).otherwise(pl.lit(UNMATCHED)).alias("status")
    ).drop("person_residence", "delivered_area")


def _fresh_candidates(conn: Connection, review: pl.DataFrame) -> pl.DataFrame:
    """Drop a proposal a caseworker already rejected for the same record."""
    if review.is_empty():
        return review
    rejected = _read(
        conn,
        select(LINK_CANDIDATES.c.feed_key, LINK_CANDIDATES.c.person_id).where(LINK_CANDIDATES.c.status == REJECTED),
        {"feed_key": pl.String, "person_id": pl.String},
    )
    return review.join(rejected, on=["feed_key", "person_id"], how="anti")


def _write_links(conn: Connection, linked: pl.DataFrame) -> None:
    if linked.is_empty():
        return
    statement = (
        update(FEED_RECORDS)
        .where(
            FEED_RECORDS.c.feed_key == bindparam("key"),
            # not IN (…): an expanding parameter cannot be used with executemany
            (FEED_RECORDS.c.link_status == UNMATCHED) | (FEED_RECORDS.c.link_status == ID_CONFLICT),
        )
        .values(
            person_id=bindparam("person"),
            household_id=bindparam("household"),
            link_status=LINKED,
            link_method=PROBABILISTIC,
        )
    )
    rows = linked.select(
        pl.col("feed_key").alias("key"), pl.col("person_id").alias("person"), pl.col("household_id").alias("household")
    )
    for batch in rows.iter_slices(10_000):
        conn.execute(statement, batch.to_dicts())


def _write_candidates(conn: Connection, model: LinkModel, review: pl.DataFrame, registry_size: int) -> None:
    if review.is_empty():
        return
    prior = 1 / registry_size
    gammas = [c for c in review.columns if c.startswith(("gamma_", "tf_"))]
    why = [waterfall_json(model, {"prior": prior, **row}) for row in review.select(gammas).iter_rows(named=True)]
    frame = review.select(
        "feed_key",
        "person_id",
        "household_id",
        pl.col("hh_county").alias("county"),
        "match_weight",
        "match_probability",
        pl.Series("comparisons", why, dtype=pl.String),
        pl.lit(PENDING).alias("status"),
        pl.lit(1).alias("version"),
    )
    bulk_insert(conn, LINK_CANDIDATES, frame)
