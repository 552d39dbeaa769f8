"""The audit log detects any altered, inserted or deleted entry, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from minsheng.security.audit import GENESIS, record, row_hash, verify


def fill(engine: Engine, n: int = 5) -> None:
    with engine.begin() as conn:
        for i in range(n):
            record(conn, f"user{i}", "read_person", "person", f"P{i:03d}", {"fields": ["name"], "n": i})


def drop_guards(engine: Engine) -> None:
    """Play an attacker with database-owner rights: remove the append-only triggers first."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for trigger in ("audit_log_no_update", "audit_log_no_delete", "audit_head_no_delete"):
                conn.execute(text(f"DROP TRIGGER {trigger}"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
            conn.execute(text("DROP TRIGGER audit_head_no_delete ON audit_head"))


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
