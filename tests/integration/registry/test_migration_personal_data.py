"""Migration 0002 encrypts the clear ID and phone numbers a 0001 database holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from minsheng.db.store import alembic_config, upgrade
from minsheng.privacy.personal_data import PersonalDataCipher

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")


def database_at_0001(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0001")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO households (household_id, residence_division, hukou_division, county, urban_rural) "
                "VALUES ('A1', '110105001001', '110105', '110105', 'urban')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO persons (person_id, household_id, id_number, name, relation, phone) "
                "VALUES ('Q1', 'A1', '11010519491231002X', '王秀英', '02', '13800000001'), "
                "('Q2', 'A1', NULL, '李强', '10', NULL)"
            )
        )
    engine.dispose()
    return url


def test_clear_values_are_encrypted_and_dropped(tmp_path: Path) -> None:
    url = database_at_0001(tmp_path)
    engine = create_engine(url)
    upgrade(engine, CIPHER)
    columns = {c["name"] for c in inspect(engine).get_columns("persons")}
    assert "id_number" not in columns and "phone" not in columns
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT person_id, id_number_enc, id_number_hash, id_number_masked, phone_enc, phone_masked "
                "FROM persons ORDER BY person_id"
            )
        ).all()
    q1, q2 = rows
    assert CIPHER.decrypt(q1.id_number_enc) == "11010519491231002X"
    assert q1.id_number_hash == CIPHER.blind_index("11010519491231002X")
    assert (q1.id_number_masked, q1.phone_masked) == ("110105********002X", "138****0001")
    assert CIPHER.decrypt(q1.phone_enc) == "13800000001"
    assert q2.id_number_enc is None and q2.id_number_hash is None
    engine.dispose()
    assert b"11010519491231002X" not in (tmp_path / "old.db").read_bytes()


def test_without_the_key_the_migration_refuses_and_changes_nothing(tmp_path: Path) -> None:
    url = database_at_0001(tmp_path)
    engine = create_engine(url)
    with pytest.raises(RuntimeError, match="data key"):
        upgrade(engine, None)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        assert (
            conn.execute(text("SELECT id_number FROM persons WHERE person_id = 'Q1'")).scalar() == "11010519491231002X"
        )
