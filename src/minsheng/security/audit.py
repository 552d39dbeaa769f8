"""The audit log (审计日志): append-only and hash-chained with SM3.

Every read of a person's record, every decision and every export is one row.
Each row's hash is SM3(previous hash ‖ the row's canonical JSON), and a
one-row head table keeps the newest id and hash, so `verify` finds a row that
was altered (its hash no longer matches), inserted (the chain breaks after
it) or deleted (the chain breaks, or the head points past the end). Triggers
refuse UPDATE and DELETE on both backends; verification assumes an attacker
who got past them. Keep the head hash printed by `minsheng audit verify`
somewhere else too: it anchors the whole chain.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from sqlalchemy import Connection, Engine, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from minsheng.registry.models import AUDIT_HEAD, AUDIT_LOG

GENESIS = "0" * 64


def sm3(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def _payload(row: dict[str, Any]) -> bytes:
    fields = {k: row[k] for k in ("id", "at", "actor", "action", "subject_kind", "subject_id", "detail")}
    fields["at"] = fields["at"].isoformat() if isinstance(fields["at"], dt.datetime) else str(fields["at"])
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def row_hash(prev: str, row: dict[str, Any]) -> str:
    return sm3(prev.encode("ascii") + _payload(row))


# Built once: an append is on the path of every audited read.
_HEAD = (AUDIT_HEAD.c.last_id, AUDIT_HEAD.c.last_hash)
_LOCK_HEAD = {
    "postgresql": select(*_HEAD).with_for_update(),
    # SQLite has no row locks (it ignores FOR UPDATE): a write that changes nothing takes the
    # database's write lock and reads the head in one statement. Reading first and asking for
    # the lock later would fail at once ("database is locked") whenever another append
    # committed in between; asking first waits its turn (the busy timeout).
    "sqlite": update(AUDIT_HEAD).values(last_id=AUDIT_HEAD.c.last_id).returning(*_HEAD),
}
# The log's first entry makes the head to lock; a second first entry at the same time waits
# for it instead of also numbering itself 1.
_SEED_HEAD = {
    name: dialect.insert(AUDIT_HEAD).values(id=1, last_id=0, last_hash=GENESIS).on_conflict_do_nothing()
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_INSERT_ENTRY = AUDIT_LOG.insert()
_MOVE_HEAD = update(AUDIT_HEAD)
# PostgreSQL writes the entry and moves the head in one statement: one round trip less while
# the head is held (SQLite has no data-modifying WITH, and no round trips to save).
_APPEND_PG = text(
    "WITH moved AS (UPDATE audit_head SET last_id = :id, last_hash = :hash)"
    " INSERT INTO audit_log (id, at, actor, action, subject_kind, subject_id, detail, prev_hash, hash)"
    " VALUES (:id, :at, :actor, :action, :subject_kind, :subject_id, :detail, :prev_hash, :hash)"
)


def record(
    conn: Connection, actor: str, action: str, subject_kind: str, subject_id: str, detail: dict[str, Any] | None = None
) -> int:
    """Append one entry inside the caller's transaction; returns its id."""
    # the head, held by this transaction until it ends, so two appends never chain to the same entry
    dialect = conn.dialect.name if conn.dialect.name in _LOCK_HEAD else "postgresql"
    head = conn.execute(_LOCK_HEAD[dialect]).one_or_none()
    if head is None:
        conn.execute(_SEED_HEAD[dialect])
        head = conn.execute(_LOCK_HEAD[dialect]).one()
    last_id, prev = head.last_id, head.last_hash
    new_id = int(last_id) + 1
    row: dict[str, Any] = {
        "id": new_id,
        "at": dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None),
        "actor": actor,
        "action": action,
        "subject_kind": subject_kind,
        "subject_id": subject_id,
        "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
    }
    digest = row_hash(prev, row)
    entry = {**row, "prev_hash": prev, "hash": digest}
    if dialect == "postgresql":
        conn.execute(_APPEND_PG, entry)
    else:
        conn.execute(_INSERT_ENTRY, entry)
        conn.execute(_MOVE_HEAD, {"last_id": new_id, "last_hash": digest})
    return new_id


@dataclass(frozen=True)
class Verification:
    ok: bool
    rows: int
    head_hash: str
    problem_id: int | None = None
    reason_zh: str = ""
    reason_en: str = ""


def verify(conn: Connection) -> Verification:
    prev, expected_id, count = GENESIS, 1, 0
    result = conn.execute(select(AUDIT_LOG).order_by(AUDIT_LOG.c.id)).mappings()
    for row in result:
        count += 1
        if row["id"] != expected_id:
            return Verification(
                False,
                count,
                prev,
                expected_id,
                f"第{expected_id}条记录缺失（被删除）",
                f"entry {expected_id} is missing (deleted)",
            )
        if row["prev_hash"] != prev:
            return Verification(
                False,
                count,
                prev,
                row["id"],
                f"第{row['id']}条记录前的链条断裂（有记录被删除或插入）",
                f"the chain breaks before entry {row['id']} (an entry was deleted or inserted)",
            )
        if row_hash(prev, dict(row)) != row["hash"]:
            return Verification(
                False, count, prev, row["id"], f"第{row['id']}条记录内容被篡改", f"entry {row['id']} was altered"
            )
        prev, expected_id = row["hash"], expected_id + 1
    head = conn.execute(select(AUDIT_HEAD.c.last_id, AUDIT_HEAD.c.last_hash)).one_or_none()
    last_id, last_hash = (head.last_id, head.last_hash) if head else (0, GENESIS)
    if last_id != expected_id - 1 or last_hash != prev:
        first_bad = min(expected_id, last_id + 1)  # the first entry the head and the chain disagree on
        return Verification(
            False,
            count,
            prev,
            first_bad,
            "日志末尾的记录缺失、多出或被替换（与日志头不符）",
            "entries at the end are missing, added or replaced (the head does not match)",
        )
    return Verification(True, count, prev)


def record_now(
    engine: Engine, actor: str, action: str, subject_kind: str, subject_id: str, detail: dict[str, Any] | None = None
) -> int:
    """Append one entry in a transaction of its own (for reads and exports outside a unit of work)."""
    with engine.begin() as conn:
        return record(conn, actor, action, subject_kind, subject_id, detail)


def cli_actor() -> str:
    """Who runs a command on this machine: the operating-system account."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"
