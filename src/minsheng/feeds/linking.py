"""Linking feed records to registry persons (大数据比对, first pass).

A `Linker` takes validated records (with `id_number_hash`, `id_issue`, `name`, `birth_date`,
`delivered_area`) and returns them with `person_id`, `household_id`, `link_status` and
`link_method`. The exact linker accepts a valid ID number only when the name
and birth date the department holds agree with the registry; a valid number
with a different name or birth date is an `id_conflict` (a wrong number, or a
typo in the name), left for probabilistic linkage like the unmatched ones
(`minsheng.linkage.store.link_unmatched`, a batch step run after ingest).

A record a department delivered with its token (`delivered_area`, the token's area) links
only to a person living in that area: the token may write about its own area alone, and
a link is what makes a record count for a household (its facts, its alerts). Agreeing
with a person who lives elsewhere is `outside_area`: kept, visible to the delivering
county with that reason, never linked, and not offered to probabilistic linkage (which
keeps to the same area).

`link` is what ingest calls: a re-delivered record whose identity (ID number, name, birth
date, delivering area) is unchanged keeps the link it has — however it was made: exactly,
by `feeds link`, or by a caseworker's review — since a corrected amount says nothing new
about whom the record is about; a record whose identity changed is linked afresh.
"""

from __future__ import annotations

from typing import Protocol

import polars as pl
from sqlalchemy import Connection

from minsheng.db.upsert import rows_for_keys
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.registry.tables import HOUSEHOLDS, PERSONS

LINKED, UNMATCHED, ID_CONFLICT, OUTSIDE_AREA = "linked", "unmatched", "id_conflict", "outside_area"
STATUSES = (LINKED, ID_CONFLICT, UNMATCHED, OUTSIDE_AREA)
# What says whom a record is about, and where it may be linked: a change re-links the record.
IDENTITY = ("id_number_hash", "name", "birth_date", "delivered_area")
LINK = ("person_id", "household_id", "link_status", "link_method")


class Linker(Protocol):
    def link(self, conn: Connection, records: pl.DataFrame) -> pl.DataFrame: ...


def link(conn: Connection, records: pl.DataFrame, linker: Linker) -> pl.DataFrame:
    """`records` with their links: kept from the store for a re-delivered record of the same
    identity, from `linker` for the others."""
    schema: dict[str, pl.DataType] = {"feed_key": pl.String()}
    schema |= {f"{c}__db": records.schema[c] for c in IDENTITY} | {f"{c}__db": pl.String() for c in LINK}
    stored = pl.DataFrame(
        rows_for_keys(conn, FEED_RECORDS, "feed_key", records.get_column("feed_key"), [*IDENTITY, *LINK]),
        schema=schema,
        orient="row",
    )
    joined = records.join(stored, on="feed_key", how="left")
    same = pl.col("link_status__db").is_not_null() & pl.all_horizontal(
        pl.col(c).eq_missing(pl.col(f"{c}__db")) for c in IDENTITY
    )
    kept = joined.filter(same).select(*records.columns, *(pl.col(f"{c}__db").alias(c) for c in LINK))
    fresh = linker.link(conn, records.join(kept.select("feed_key"), on="feed_key", how="anti"))
    return pl.concat([fresh, kept], how="diagonal_relaxed")


class ExactIdLinker:
    method = "id_number"

    def link(self, conn: Connection, records: pl.DataFrame) -> pl.DataFrame:
        # A number that failed validation (`id_issue`) is never linked on: registry numbers are
        # valid, so it can only be wrong, and the probabilistic pass weighs how wrong it is.
        valid = pl.col("id_issue").is_null() if "id_issue" in records.columns else pl.lit(True)
        keys = records.filter(valid).get_column("id_number_hash").drop_nulls()
        rows = rows_for_keys(conn, PERSONS, "id_number_hash", keys, ["person_id", "household_id", "name", "birth_date"])
        people = pl.DataFrame(
            rows,
            schema={
                "id_number_hash": pl.String,
                "reg_person_id": pl.String,
                "reg_household_id": pl.String,
                "reg_name": pl.String,
                "reg_birth_date": pl.Date,
            },
            orient="row",
        )
        people = people.join(
            _residences(conn, people.get_column("reg_household_id")), on="reg_household_id", how="left"
        )
        joined = records.join(people, on="id_number_hash", how="left")
        # A birth date ingest read from this very number agrees with it by construction: it
        # checks nothing, so then the name alone must agree (issue 11; `linkage.exact`).
        derived = (
            pl.col("birth_date_derived").fill_null(False) if "birth_date_derived" in records.columns else pl.lit(False)
        )
        same_date = pl.col("birth_date").eq_missing(pl.col("reg_birth_date"))
        agrees = (pl.col("reg_name") == pl.col("name")) & (derived | same_date)
        area = pl.col("delivered_area") if "delivered_area" in records.columns else pl.lit(None, pl.String)
        in_area = area.is_null() | pl.col("reg_residence").str.starts_with(area).fill_null(False)
        status = (
            pl.when(pl.col("reg_person_id").is_null())
            .then(pl.lit(UNMATCHED))
            .when(agrees & in_area)
            .then(pl.lit(LINKED))
            .when(agrees)
            .then(pl.lit(OUTSIDE_AREA))
            .otherwise(pl.lit(ID_CONFLICT))
        )
        linked = status == LINKED
        return joined.with_columns(
            status.alias("link_status"),
            pl.when(linked).then(pl.col("reg_person_id")).alias("person_id"),
            pl.when(linked).then(pl.col("reg_household_id")).alias("household_id"),
            pl.when(linked).then(pl.lit(self.method)).alias("link_method"),
        ).drop("reg_person_id", "reg_household_id", "reg_name", "reg_birth_date", "reg_residence")


def _residences(conn: Connection, households: pl.Series) -> pl.DataFrame:
    rows = rows_for_keys(conn, HOUSEHOLDS, "household_id", households, ["residence_division"])
    return pl.DataFrame(rows, schema={"reg_household_id": pl.String, "reg_residence": pl.String}, orient="row")
