"""The audit log detects any altered, inserted or deleted entry, on SQLite and PostgreSQL;
the keyed chain, the anchors and the guards of migration 0012 catch the insider's attacks."""

from __future__ import annotations

import base64
import datetime as dt
import json
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from minsheng.privacy.keys import load_audit_chain_key
from minsheng.security import audit
from minsheng.security.audit import GENESIS, keyed_hash, record, row_hash, verify
from minsheng.security.tables import AUDIT_LOG


def fill(engine: Engine, n: int = 5) -> None:
    with engine.begin() as conn:
        for i in range(n):
            record(conn, f"user{i}", "read_person", "person", f"P{i:03d}", {"fields": ["name"], "n": i})


SQLITE_GUARDS = (
    "audit_log_no_update",
    "audit_log_no_delete",
    "audit_head_no_delete",
    "audit_log_no_reused_id",  # 0012 on
    "audit_head_single_row",
    "audit_scheme_no_update",
    "audit_scheme_no_delete",
    "audit_scheme_single_row",
)
PG_GUARDS = (
    ("audit_log_append_only", "audit_log"),
    ("audit_head_no_delete", "audit_head"),
    ("audit_scheme_written_once", "audit_scheme"),  # 0012 on
    ("audit_log_no_truncate", "audit_log"),
    ("audit_head_no_truncate", "audit_head"),
    ("audit_scheme_no_truncate", "audit_scheme"),
)


def drop_guards(engine: Engine) -> None:
    """Play an attacker with database-owner rights: remove the append-only triggers first."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for trigger in SQLITE_GUARDS:
                conn.execute(text(f"DROP TRIGGER {trigger}"))
        else:
            for trigger, table in PG_GUARDS:
                conn.execute(text(f"DROP TRIGGER {trigger} ON {table}"))


def check(engine: Engine) -> tuple[bool, int | None]:
    with engine.connect() as conn:
        result = verify(conn)
    return result.ok, result.problem_id


def test_an_untouched_log_verifies(engine: Engine) -> None:
    with engine.connect() as conn:
        assert verify(conn).ok and verify(conn).rows == 0
    fill(engine)
    with engine.connect() as conn:
        result = verify(conn)
    assert result.ok and result.rows == 5 and result.head_hash != GENESIS


def test_the_log_refuses_update_and_delete(engine: Engine) -> None:
    fill(engine, 2)
    for statement in (
        "UPDATE audit_log SET actor = 'x' WHERE id = 1",
        "DELETE FROM audit_log WHERE id = 2",
        "DELETE FROM audit_head",
    ):
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text(statement))
    assert check(engine) == (True, None)


def _forge_at_end(conn: object) -> None:
    # A well-formed entry appended behind the head's back: its own hash is right, the head is not.
    prev = conn.execute(text("SELECT hash FROM audit_log WHERE id = 5")).scalar()  # type: ignore[attr-defined]
    row = {
        "id": 6,
        "at": dt.datetime(2026, 1, 1),
        "actor": "forger",
        "action": "read_person",
        "subject_kind": "person",
        "subject_id": "P999",
        "detail": "{}",
    }
    conn.execute(
        text(
            "INSERT INTO audit_log VALUES (:id, :at, :actor, :action, :subject_kind, :subject_id, :detail, "  # type: ignore[attr-defined]
            ":prev, :hash)"
        ),
        {**row, "prev": prev, "hash": row_hash(prev, row)},
    )


TAMPERING: dict[str, tuple[Callable[[object], None], int]] = {
    "altered detail": (lambda c: c.execute(text("UPDATE audit_log SET detail = '{}' WHERE id = 3")), 3),  # type: ignore[attr-defined]
    "altered actor and re-hashed": (
        lambda c: c.execute(
            text("UPDATE audit_log SET actor = 'someone', hash = :h WHERE id = 2"),  # type: ignore[attr-defined]
            {"h": "f" * 64},
        ),
        2,
    ),
    "deleted middle": (lambda c: c.execute(text("DELETE FROM audit_log WHERE id = 3")), 3),  # type: ignore[attr-defined]
    "deleted first": (lambda c: c.execute(text("DELETE FROM audit_log WHERE id = 1")), 1),  # type: ignore[attr-defined]
    "deleted last": (lambda c: c.execute(text("DELETE FROM audit_log WHERE id = 5")), 5),  # type: ignore[attr-defined]
    "inserted at the end": (_forge_at_end, 6),
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_tampering_is_detected(engine: Engine, how: str) -> None:
    fill(engine)
    drop_guards(engine)
    tamper, where = TAMPERING[how]
    with engine.begin() as conn:
        tamper(conn)
    ok, problem = check(engine)
    assert not ok
    assert problem == where


# ---- the insider's attacks (finding #3): each passed the unkeyed, unanchored chain ----


def rewrite_from(engine: Engine, first: int, hasher: Callable[[str, dict[str, Any]], str], **change: str) -> None:
    """An attacker with owner rights edits entry `first`, re-hashes it and every later entry
    with `hasher`, and moves the head: a chain that is well-formed again."""
    with engine.begin() as conn:
        for column, value in change.items():
            conn.execute(text(f"UPDATE audit_log SET {column} = :v WHERE id = :id"), {"v": value, "id": first})
        prev = conn.execute(select(AUDIT_LOG.c.hash).where(AUDIT_LOG.c.id == first - 1)).scalar() or GENESIS
        for row in conn.execute(select(AUDIT_LOG).where(AUDIT_LOG.c.id >= first).order_by("id")).mappings().all():
            digest = hasher(prev, dict(row))
            conn.execute(
                text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :id"),
                {"p": prev, "h": digest, "id": row["id"]},
            )
            last_id, prev = row["id"], digest
        conn.execute(text("UPDATE audit_head SET last_id = :i, last_hash = :h"), {"i": last_id, "h": prev})


def bound(engine: Engine, tmp_path: Path) -> Path:
    """The engine with a data directory's keys and anchor file, as bootstrap gives it."""
    data = tmp_path / "data"
    audit.bind(engine, data)
    return data


def test_a_forged_append_with_a_correct_sm3_hash_is_caught_by_the_key(engine: Engine) -> None:
    fill(engine)
    drop_guards(engine)
    with engine.begin() as conn:
        _forge_at_end(conn)  # the hash anyone can compute from the entry and its predecessor
        conn.execute(text("UPDATE audit_head SET last_id = 6, last_hash = (SELECT hash FROM audit_log WHERE id = 6)"))
    with engine.connect() as conn:
        result = verify(conn)
    assert (result.ok, result.problem_id) == (False, 6)
    assert "forged" in result.reason_en and "伪造" in result.reason_zh


def test_an_edit_with_the_rest_recomputed_is_caught_by_the_key(engine: Engine) -> None:
    fill(engine)
    drop_guards(engine)
    rewrite_from(engine, 2, row_hash, actor="someone")
    assert check(engine) == (False, 2)


def test_cutting_the_tail_and_moving_the_head_back_is_caught_by_the_anchor(engine: Engine, tmp_path: Path) -> None:
    data = bound(engine, tmp_path)
    fill(engine)
    assert audit.verify_and_anchor(engine)[1] is not None  # an anchor vouches for entry 5
    drop_guards(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id > 3"))
        conn.execute(text("UPDATE audit_head SET last_id = 3, last_hash = (SELECT hash FROM audit_log WHERE id = 3)"))
    # what the chain alone allows: a shorter chain, every hash and the head in order
    (data / "audit-anchors.jsonl").rename(data / "elsewhere.jsonl")
    assert check(engine) == (True, None)
    (data / "elsewhere.jsonl").rename(data / "audit-anchors.jsonl")
    with engine.connect() as conn:
        result = verify(conn)
    assert (result.ok, result.problem_id) == (False, 4)
    assert "vouches for entry 5: entries at the end were cut" in result.reason_en and "被截去" in result.reason_zh


def test_a_key_holder_can_rewrite_the_chain_but_not_past_an_anchor(engine: Engine, tmp_path: Path) -> None:
    data = bound(engine, tmp_path)
    fill(engine)
    audit.verify_and_anchor(engine)
    drop_guards(engine)
    key = audit.trail(engine).chain_key
    rewrite_from(engine, 2, lambda prev, row: keyed_hash(key, prev, row), actor="someone")
    # the documented limit: with the key and the database, the chain itself is rewritten cleanly
    (data / "audit-anchors.jsonl").rename(data / "elsewhere.jsonl")
    assert check(engine) == (True, None)
    (data / "elsewhere.jsonl").rename(data / "audit-anchors.jsonl")
    with engine.connect() as conn:
        result = verify(conn)
    assert (result.ok, result.problem_id) == (False, 5)
    assert "differs from the anchor" in result.reason_en


def test_truncate_is_refused_on_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    fill(engine)
    for table in ("audit_log", "audit_head", "audit_scheme"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {table}"))
    with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as conn:
        conn.execute(text("SET LOCAL ROLE minsheng_app"))  # the role web requests run as (0007)
        conn.execute(text("TRUNCATE audit_log"))
    with engine.connect() as conn:
        assert verify(conn).ok and verify(conn).rows == 5


def test_insert_or_replace_is_refused_on_sqlite(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("INSERT OR REPLACE is SQLite's")
    fill(engine)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT * FROM audit_log WHERE id = 3")).one()
    for statement in (
        "INSERT OR REPLACE INTO audit_log VALUES (3, '2026-01-01 00:00:00', 'x', 'read_person', 'person', 'P9', '{}',"
        " :genesis, :genesis)",
        "REPLACE INTO audit_log SELECT * FROM audit_log WHERE id = 3",
        "INSERT OR REPLACE INTO audit_head VALUES (1, 0, :genesis)",
        "INSERT OR REPLACE INTO audit_scheme VALUES (1, 99, '2026-01-01 00:00:00')",
    ):
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text(statement), {"genesis": GENESIS})
    with engine.connect() as conn:
        assert conn.execute(text("SELECT * FROM audit_log WHERE id = 3")).one() == before
    assert check(engine) == (True, None)


def test_an_altered_anchor_or_a_moved_switch_over_fails(engine: Engine, tmp_path: Path) -> None:
    data = bound(engine, tmp_path)
    fill(engine)
    audit.verify_and_anchor(engine)
    anchors = data / "audit-anchors.jsonl"
    honest = anchors.read_text()
    anchors.write_text(honest.replace('"last_id": 5', '"last_id": 4'))
    with engine.connect() as conn:
        result = verify(conn)
    assert not result.ok and "line 1 of the anchor file audit-anchors.jsonl has no valid signature" in result.reason_en
    anchors.write_text(honest)
    # Pass every entry off as pre-key (unkeyed) history: move the switch-over, re-hash with SM3.
    drop_guards(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_scheme SET keyed_after = 5"))
    rewrite_from(engine, 1, row_hash, actor="someone")
    anchors.rename(data / "elsewhere.jsonl")
    assert check(engine) == (True, None)  # before the first anchor, nothing else remembers the switch-over
    (data / "elsewhere.jsonl").rename(anchors)
    with engine.connect() as conn:
        result = verify(conn)
    assert not result.ok and "the switch-over was moved" in result.reason_en


@dataclass
class _Summary:
    file: str
    rows: int


def test_a_batch_entry_is_anchored_and_the_keys_stay_out_of_the_database(engine: Engine, tmp_path: Path) -> None:
    data = bound(engine, tmp_path)
    fill(engine, 2)
    new_id = audit.record_batch(engine, "import_registry", {"files": [_Summary("hh.csv", 12)]}, "110105")
    with engine.connect() as conn:
        entry = conn.execute(select(AUDIT_LOG).where(AUDIT_LOG.c.id == new_id)).mappings().one()
        result = verify(conn)
    assert (entry["actor"], entry["action"], entry["subject_id"]) == (audit.cli_actor(), "import_registry", "110105")
    assert json.loads(entry["detail"]) == {"files": [{"file": "hh.csv", "rows": 12}]}
    lines = (data / "audit-anchors.jsonl").read_text().splitlines()
    assert [json.loads(line)["last_id"] for line in lines] == [3] and json.loads(lines[0])["last_hash"] == entry["hash"]
    assert result.ok and result.anchors == 1
    for path in (data / "audit-anchors.jsonl", data / "keys" / "audit-chain.key", data / "keys" / "audit-anchor.key"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    key = audit.trail(engine).chain_key
    assert load_audit_chain_key(data) == key  # made once, read back the same
    if engine.dialect.name == "sqlite":
        db = Path(engine.url.database or "")
        raw = b"".join(p.read_bytes() for p in db.parent.glob(f"{db.name}*"))  # the file and its WAL
        assert key not in raw and key.hex().encode() not in raw and base64.b64encode(key) not in raw
