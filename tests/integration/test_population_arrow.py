"""The registry's population read as Arrow columns (db.store.read_arrow, ADBC on PostgreSQL)
equals the same read row by row: every column, type and null. Where it does not apply (SQLite,
one household, a caller's transaction) the row path answers."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal
from sqlalchemy import Engine, select

from minsheng.db.base import polars_schema
from minsheng.db.store import literal_ok, read_arrow
from minsheng.registry import population
from minsheng.registry.tables import HOUSEHOLDS, PERSONS
from minsheng.synth import SynthConfig, generate, write
from world import CIPHER, build


def _rows(engine: Engine, jurisdiction: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    hh_cols = [c.name for c in HOUSEHOLDS.columns if c.name != "updated_at"]
    p_cols = [c.name for c in PERSONS.columns if c.name != "updated_at" and not c.name.endswith(("_enc", "_hash"))]
    hq = select(*(HOUSEHOLDS.c[c] for c in hh_cols)).where(HOUSEHOLDS.c.residence_division.startswith(jurisdiction))
    pq = (
        select(*(PERSONS.c[c] for c in p_cols))
        .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == PERSONS.c.household_id)
        .where(HOUSEHOLDS.c.residence_division.startswith(jurisdiction))
    )
    return (
        population._frame(engine, hq, polars_schema(HOUSEHOLDS, hh_cols)),
        population._frame(engine, pq, polars_schema(PERSONS, p_cols)),
    )


def test_arrow_and_rows_read_the_same_population(engine: Engine, tmp_path: Path) -> None:
    from minsheng.registry.importer import import_files

    build(engine, tmp_path)
    # a synthetic county besides the world's households: thousands of rows, columns empty in the first ones
    write(generate(SynthConfig(county="110105", households=3000, seed=5)), tmp_path / "county")
    import_files(engine, CIPHER, tmp_path / "county" / "households.csv", tmp_path / "county" / "persons.csv")
    for area in ("11", "110105", "110106"):
        households, persons = population.load(engine, jurisdiction=area)
        by_rows = _rows(engine, area)
        key = ["household_id"], ["person_id"]
        assert_frame_equal(households.sort(key[0]), by_rows[0].sort(key[0]))
        assert_frame_equal(persons.sort(key[1]), by_rows[1].sort(key[1]))
        assert households.height > 0 and persons["birth_date"].dtype == pl.Date


def test_where_arrow_does_not_apply_the_rows_answer(engine: Engine, tmp_path: Path) -> None:
    build(engine, tmp_path)
    one, members = population.load(engine, household_id="A1")
    assert one["household_id"].to_list() == ["A1"] and members.height == 2
    with engine.connect() as conn:  # inside a caller's transaction: never a second connection
        households, _ = population.load(conn, jurisdiction="110105")
    assert households.height == population.load(engine, jurisdiction="110105")[0].height
    assert not literal_ok("11' OR '1'='1") and literal_ok("110105")
    empty = read_arrow(
        engine,
        select(HOUSEHOLDS.c.household_id).where(HOUSEHOLDS.c.household_id == "none"),
        {"household_id": pl.String},
    )
    if engine.dialect.name == "sqlite":
        assert empty is None  # the rows path: never a second copy of SQLite in the process
    else:
        assert empty is not None and empty.height == 0 and empty.schema == pl.Schema({"household_id": pl.String})
