"""Migration 0012 on a database whose audit chain predates the key: nothing is re-keyed; the old
entries keep verifying unkeyed up to the recorded switch-over, later ones are keyed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, select, text

from minsheng.db.store import alembic_config, create, upgrade
from minsheng.security import audit
from minsheng.security.audit import GENESIS, record, row_hash, verify
from minsheng.security.tables import AUDIT_HEAD, AUDIT_LOG

OLD_ENTRIES = 3


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_at_0011(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at revision 0011 holding three entries chained as the code before 0012 did."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = request.getfixturevalue("pg_server")
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        admin.dispose()
    command.upgrade(alembic_config(url), "0011")
    engine = create(url)
    with engine.begin() as conn:
        prev = GENESIS
        for i in range(1, OLD_ENTRIES + 1):
            row = {
                "id": i,
                "at": dt.datetime(2026, 3, i, 9, 0),
                "actor": f"user{i}",
                "action": "read_household",
                "subject_kind": "household",
                "subject_id": f"H{i}",
                "detail": json.dumps({"n": i}),
            }
            digest = row_hash(prev, row)  # the unkeyed SM3 chain of migration 0003
            conn.execute(AUDIT_LOG.insert(), {**row, "prev_hash": prev, "hash": digest})
            prev = digest
        conn.execute(AUDIT_HEAD.insert(), {"id": 1, "last_id": OLD_ENTRIES, "last_hash": prev})
    yield engine
    engine.dispose()


def hashes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(AUDIT_LOG.c.hash).order_by(AUDIT_LOG.c.id)))


def test_old_entries_verify_unkeyed_up_to_the_switch_over_and_new_ones_keyed(
    engine_at_0011: Engine, tmp_path: Path
) -> None:
    engine = engine_at_0011
    before = hashes(engine)
    upgrade(engine)
    assert hashes(engine) == before  # nothing re-keyed
    audit.bind(engine, tmp_path / "data")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT keyed_after FROM audit_scheme")).scalar() == OLD_ENTRIES
        for i in range(2):
            record(conn, "reviewer", "read_household", "household", f"N{i}")
    with engine.connect() as conn:
        result = verify(conn)
    assert (result.ok, result.rows, result.keyed_after) == (True, OLD_ENTRIES + 2, OLD_ENTRIES)
    new_hash = hashes(engine)[OLD_ENTRIES]
    with engine.connect() as conn:
        row = dict(conn.execute(select(AUDIT_LOG).where(AUDIT_LOG.c.id == OLD_ENTRIES + 1)).mappings().one())
    assert new_hash != row_hash(before[-1], row)  # the first new entry is keyed, not plain SM3
    assert new_hash == audit.keyed_hash(audit.trail(engine).chain_key, before[-1], row)


def test_rewriting_old_entries_with_plain_sm3_breaks_at_the_first_keyed_entry(
    engine_at_0011: Engine, tmp_path: Path
) -> None:
    engine = engine_at_0011
    upgrade(engine)
    audit.bind(engine, tmp_path / "data")
    with engine.begin() as conn:
        record(conn, "reviewer", "read_household", "household", "N1")
    with engine.begin() as conn:  # an attacker with owner rights: no triggers, SM3 is public
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
        conn.execute(text("UPDATE audit_log SET actor = 'someone' WHERE id = 2"))
        prev = conn.execute(select(AUDIT_LOG.c.hash).where(AUDIT_LOG.c.id == 1)).scalar_one()
        for row in conn.execute(select(AUDIT_LOG).where(AUDIT_LOG.c.id >= 2).order_by("id")).mappings().all():
            digest = row_hash(prev, dict(row))
            conn.execute(
                text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :id"),
                {"p": prev, "h": digest, "id": row["id"]},
            )
            prev = digest
        conn.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
    with engine.connect() as conn:
        result = verify(conn)
    # entries 2 and 3 pass as old, unkeyed history; entry 4 needs the key the attacker lacks
    assert (result.ok, result.problem_id) == (False, OLD_ENTRIES + 1)
