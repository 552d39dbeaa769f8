"""Per-division counts: filled by the migration from an existing registry, refreshed by every import."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, select, text

from minsheng.db.store import alembic_config, create, upgrade
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.counts import DIVISION_COUNTS
from minsheng.registry.importer import import_files
from minsheng.registry.queries import summary

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")


def counts(engine: Engine) -> list[tuple[str, str, int, int]]:
    with engine.connect() as conn:
        rows = conn.execute(select(DIVISION_COUNTS).order_by(*DIVISION_COUNTS.primary_key.columns)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_every_import_refreshes_the_counts(engine: Engine, tmp_path: Path) -> None:
    hh, p = tmp_path / "hh.csv", tmp_path / "p.csv"
    hh.write_text(
        "household_id,residence_division,urban_rural\nA1,110105001001,urban\nA2,110105002001,rural\n", "utf-8"
    )
    p.write_text("person_id,household_id,name,relation\nQ1,A1,甲,02\nQ2,A1,乙,12\nQ3,A2,丙,02\n", "utf-8")
    import_files(engine, CIPHER, hh, p)
    assert counts(engine) == [("110105001001", "urban", 1, 2), ("110105002001", "rural", 1, 1)]
    hh.write_text("household_id,residence_division,urban_rural\nA1,110105002001,rural\n", "utf-8")  # A1 moves
    import_files(engine, CIPHER, hh, None)
    assert counts(engine) == [("110105002001", "rural", 2, 3)]
    result = summary(engine, "110105002")
    assert (result.households, result.persons, result.townships[0].rural_persons) == (2, 3, 3)


def test_the_migration_counts_an_existing_registry(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0007")
    engine = create(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO households (household_id, residence_division, hukou_division, county, township,"
                " urban_rural) VALUES ('A1', '110105001001', '110105001001', '110105', '110105001', 'urban')"
            )
        )
        conn.execute(
            text("INSERT INTO persons (person_id, household_id, name, relation) VALUES ('Q1', 'A1', '甲', '02')")
        )
    upgrade(engine)
    assert counts(engine) == [("110105001001", "urban", 1, 1)]
