"""Linking feed records to registry persons (大数据比对, first pass).

A `Linker` takes validated records (with `id_number_hash`, `id_issue`, `name`, `birth_date`)
and returns them with `person_id`, `household_id`, `link_status` and
`link_method`. The exact linker accepts a valid ID number only when the name
and birth date the department holds agree with the registry; a valid number
with a different name or birth date is an `id_conflict` (a wrong number, or a
typo in the name), left for probabilistic linkage like the unmatched ones
(`minsheng.linkage.store.link_unmatched`, a batch step run after ingest).
"""

from __future__ import annotations

from typing import Protocol

import polars as pl
from sqlalchemy import Connection

from minsheng.db.upsert import rows_for_keys
from minsheng.registry.tables import PERSONS

LINKED, UNMATCHED, ID_CONFLICT = "linked", "unmatched", "id_conflict"


class Linker(Protocol):
    def link(self, conn: Connection, records: pl.DataFrame) -> pl.DataFrame: ...


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
        joined = records.join(people, on="id_number_hash", how="left")
        agrees = (pl.col("reg_name") == pl.col("name")) & pl.col("birth_date").eq_missing(pl.col("reg_birth_date"))
        status = (
            pl.when(pl.col("reg_person_id").is_null())
            .then(pl.lit(UNMATCHED))
            .when(agrees)
            .then(pl.lit(LINKED))
            .otherwise(pl.lit(ID_CONFLICT))
        )
        linked = status == LINKED
        return joined.with_columns(
            status.alias("link_status"),
            pl.when(linked).then(pl.col("reg_person_id")).alias("person_id"),
            pl.when(linked).then(pl.col("reg_household_id")).alias("household_id"),
            pl.when(linked).then(pl.lit(self.method)).alias("link_method"),
        ).drop("reg_person_id", "reg_household_id", "reg_name", "reg_birth_date")
