"""The audit log (审计日志): append-only, keyed hash chain, anchored outside the database.

Every read of a person's record, every decision, every export and every batch command
(import, feeds import, whole-registry assessment, monitoring run) is one row.

What each defence catches, and what it cannot:

- **Triggers** (migrations 0003, 0012) refuse UPDATE and DELETE on both backends,
  TRUNCATE on PostgreSQL, and on SQLite an INSERT that reuses an id (`INSERT OR
  REPLACE` deletes the old row without firing DELETE triggers). They stop the
  application and a careless hand; the owner of the database can drop them, so
  everything below assumes an attacker who did.
- **The keyed chain**: each row's hash is HMAC-SM3(key, previous hash ‖ the row's
  canonical JSON), the key in `<data>/keys/audit-chain.key` (privacy.keys), never in the
  database. Without the key nobody can alter a row, forge an append, or edit a row and
  recompute the rest: `verify` names the first row whose hash does not match. A one-row
  head table keeps the newest id and hash, so a deleted or added last row shows too.
- **Anchors** (security.anchors): checkpoints (last id, last hash, switch-over, time)
  signed with an Ed25519 key of the data directory and appended to
  `<data>/audit-anchors.jsonl`, by `minsheng audit verify`/`audit anchor` and at the end of
  every batch command. Cutting entries off the end and moving the head back leaves a
  well-formed, shorter chain that the key alone cannot tell from an honest one; the
  anchor that vouched for a later entry can.
- **What none of it stops**: someone with the key files *and* the database can rewrite
  the chain and the anchor file alike. That is why the anchor file (or its last line,
  printed by `minsheng audit anchor`) should also be copied off the machine, e.g. into
  the daily report: a copy made before the rewrite still catches it.

Databases from before migration 0012 hold an unkeyed chain (SM3 of the same input). The
migration re-keys nothing: it records the id of the newest entry then (`audit_scheme.
keyed_after`); entries up to it verify with the old unkeyed hash, later ones with the key.
Every anchor repeats that switch-over id, so moving it (to pass forged entries off as
old, unkeyed ones) fails verification once an anchor exists.

The keys come with the engine: `bootstrap` calls `bind(engine, data_dir)`. An engine
built outside it (tests, benchmarks) chains under a random key of this process only and
writes no anchors: what it appends verifies in this process and nowhere else.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Connection, Engine, column, select, table, text, update
from sqlalchemy.dialects import postgresql, sqlite

from minsheng.privacy.keys import load_audit_chain_key, load_audit_signing_key
from minsheng.security import anchors
from minsheng.security.anchors import ANCHORS_FILE, Anchor, BadAnchor
from minsheng.security.tables import AUDIT_HEAD, AUDIT_LOG

GENESIS = "0" * 64
# migration 0012: entries up to this id were chained before the key existed
AUDIT_SCHEME = table("audit_scheme", column("id"), column("keyed_after"))


@dataclass(frozen=True)
class Trail:
    """An engine's audit secrets, all outside the database: the chain key, the anchor key and file."""

    chain_key: bytes
    signing_key: Ed25519PrivateKey | None = None
    anchors: Path | None = None


_TRAILS: WeakKeyDictionary[Engine, Trail] = WeakKeyDictionary()
_UNBOUND = Trail(secrets.token_bytes(32))  # see the module docstring: this process only, no anchors


def bind(engine: Engine, data_dir: Path) -> None:
    """Give the engine the data directory's audit keys and anchor file (the composition root calls this)."""
    _TRAILS[engine] = Trail(load_audit_chain_key(data_dir), load_audit_signing_key(data_dir), data_dir / ANCHORS_FILE)


def trail(engine: Engine) -> Trail:
    return _TRAILS.get(engine, _UNBOUND)


def sm3(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def _payload(row: dict[str, Any]) -> bytes:
    fields = {k: row[k] for k in ("id", "at", "actor", "action", "subject_kind", "subject_id", "detail")}
    fields["at"] = fields["at"].isoformat() if isinstance(fields["at"], dt.datetime) else str(fields["at"])
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def row_hash(prev: str, row: dict[str, Any]) -> str:
    """The unkeyed hash: entries chained before migration 0012 (anyone can compute it)."""
    return sm3(prev.encode("ascii") + _payload(row))


def keyed_hash(key: bytes, prev: str, row: dict[str, Any]) -> str:
    """HMAC-SM3 (GB/T 32905 under RFC 2104) of the same input: only the key's holder can compute it."""
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(prev.encode("ascii") + _payload(row))
    return mac.finalize().hex()


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
    return _append(conn, actor, action, subject_kind, subject_id, detail)[0]


def _append(
    conn: Connection, actor: str, action: str, subject_kind: str, subject_id: str, detail: dict[str, Any] | None
) -> tuple[int, str]:
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
        "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=_plain),
    }
    # every new entry is keyed: the switch-over (migration 0012) lies behind the head
    digest = keyed_hash(trail(conn.engine).chain_key, prev, row)
    entry = {**row, "prev_hash": prev, "hash": digest}
    if dialect == "postgresql":
        conn.execute(_APPEND_PG, entry)
    else:
        conn.execute(_INSERT_ENTRY, entry)
        conn.execute(_MOVE_HEAD, {"last_id": new_id, "last_hash": digest})
    return new_id, digest


def _plain(value: object) -> object:
    """A batch's summary objects (dataclasses of file names and counts) and dates, as JSON."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not for the audit log: {type(value).__name__}")


def record_now(
    engine: Engine, actor: str, action: str, subject_kind: str, subject_id: str, detail: dict[str, Any] | None = None
) -> int:
    """Append one entry in a transaction of its own (for reads and exports outside a unit of work)."""
    with engine.begin() as conn:
        return record(conn, actor, action, subject_kind, subject_id, detail)


def record_batch(engine: Engine, action: str, detail: dict[str, Any], division: str = "*") -> int:
    """A batch command's entry (actor: the operating-system account), then an anchor that vouches
    for it. `detail` holds file names, dates and counts (summary dataclasses are welcome), never a
    person's data."""
    with engine.begin() as conn:
        new_id, digest = _append(conn, cli_actor(), action, "division", division or "*", detail)
        keyed_after = _keyed_after(conn)
    anchor(engine, new_id, digest, keyed_after)  # after the commit: vouch only for what is stored
    return new_id


def cli_actor() -> str:
    """Who runs a command on this machine: the operating-system account."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def anchor(engine: Engine, last_id: int, last_hash: str, keyed_after: int) -> str | None:
    """Sign and append an anchor for the entry; the line written, or None for an unbound engine."""
    t = trail(engine)
    if t.signing_key is None or t.anchors is None:
        return None
    return anchors.write(t.anchors, Anchor(last_id, last_hash, keyed_after, anchors.now()), t.signing_key)


def anchor_public_key(engine: Engine) -> str:
    """The hex Ed25519 public key that checks the engine's anchors ("" for an unbound engine)."""
    key = trail(engine).signing_key
    return "" if key is None else key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _keyed_after(conn: Connection) -> int:
    # a missing row counts as 0 (every entry keyed): deleting it cannot pass entries off as unkeyed
    value = conn.execute(select(AUDIT_SCHEME.c.keyed_after).where(AUDIT_SCHEME.c.id == 1)).scalar()
    return int(value or 0)


@dataclass(frozen=True)
class Verification:
    ok: bool
    rows: int
    head_hash: str
    problem_id: int | None = None
    reason_zh: str = ""
    reason_en: str = ""
    keyed_after: int = 0
    anchors: int = 0  # anchors the chain was held against


def verify(conn: Connection) -> Verification:
    """Check the chain from its first entry: ids, links, hashes (keyed after the switch-over),
    the head, and every anchor of the engine's data directory."""
    t = trail(conn.engine)
    keyed_after = _keyed_after(conn)

    def failed(count: int, prev: str, problem: int | None, zh: str, en: str) -> Verification:
        return Verification(False, count, prev, problem, zh, en, keyed_after)

    try:
        held = anchors.read(t.anchors, t.signing_key.public_key()) if t.anchors and t.signing_key else []
    except BadAnchor as bad:
        return failed(
            0,
            GENESIS,
            None,
            f"锚点文件{bad.path.name}第{bad.line}行的签名无效（锚点被改动，或签名密钥被更换）",
            f"line {bad.line} of the anchor file {bad.path.name} has no valid signature "
            "(the anchor was altered, or the signing key replaced)",
        )
    for a in held:
        if a.keyed_after != keyed_after:
            return failed(
                0,
                GENESIS,
                None,
                f"数据库记载的密钥启用点（第{keyed_after}条之后）与{a.at}的锚点（第{a.keyed_after}条之后）不符：启用点被改动",
                f"the database says entries after {keyed_after} are keyed, the anchor of {a.at} says after "
                f"{a.keyed_after}: the switch-over was moved",
            )
    vouched: dict[int, list[Anchor]] = {}
    for a in held:
        vouched.setdefault(a.last_id, []).append(a)

    prev, expected_id, count = GENESIS, 1, 0
    result = conn.execute(select(AUDIT_LOG).order_by(AUDIT_LOG.c.id)).mappings()
    for row in result:
        count += 1
        if row["id"] != expected_id:
            return failed(
                count,
                prev,
                expected_id,
                f"第{expected_id}条记录缺失（被删除）",
                f"entry {expected_id} is missing (deleted)",
            )
        if row["prev_hash"] != prev:
            return failed(
                count,
                prev,
                row["id"],
                f"第{row['id']}条记录前的链条断裂（有记录被删除或插入）",
                f"the chain breaks before entry {row['id']} (an entry was deleted or inserted)",
            )
        keyed = row["id"] > keyed_after
        expected = keyed_hash(t.chain_key, prev, dict(row)) if keyed else row_hash(prev, dict(row))
        if expected != row["hash"]:
            return failed(
                count,
                prev,
                row["id"],
                f"第{row['id']}条记录内容被篡改" + ("或伪造（校验码不符）" if keyed else ""),
                f"entry {row['id']} was altered" + (" or forged (its keyed hash does not match)" if keyed else ""),
            )
        for a in vouched.get(row["id"], ()):
            if a.last_hash != row["hash"]:
                return failed(
                    count,
                    prev,
                    row["id"],
                    f"第{row['id']}条记录与{a.at}的锚点不符（该条或之前的记录被改写）",
                    f"entry {row['id']} differs from the anchor of {a.at} (it or an entry before it was rewritten)",
                )
        prev, expected_id = row["hash"], expected_id + 1
    head = conn.execute(select(AUDIT_HEAD.c.last_id, AUDIT_HEAD.c.last_hash)).one_or_none()
    last_id, last_hash = (head.last_id, head.last_hash) if head else (0, GENESIS)
    if last_id != expected_id - 1 or last_hash != prev:
        return failed(
            count,
            prev,
            min(expected_id, last_id + 1),  # the first entry the head and the chain disagree on
            "日志末尾的记录缺失、多出或被替换（与日志头不符）",
            "entries at the end are missing, added or replaced (the head does not match)",
        )
    if held and (latest := max(held, key=lambda a: a.last_id)).last_id > count:
        return failed(
            count,
            prev,
            count + 1,
            f"日志止于第{count}条，但{latest.at}的锚点证明当时已有第{latest.last_id}条：末尾的记录被截去",
            f"the log ends at entry {count}, but the anchor of {latest.at} vouches for entry {latest.last_id}: "
            "entries at the end were cut",
        )
    return Verification(True, count, prev, keyed_after=keyed_after, anchors=len(held))


def verify_and_anchor(engine: Engine) -> tuple[Verification, str | None]:
    """Verify the chain as one snapshot and, when it is intact, anchor its end (the anchor line)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # the chain and the head read in one snapshot: an append committed in between is no "tampering"
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            result = verify(conn)
    if not result.ok:
        return result, None
    return result, anchor(engine, result.rows, result.head_hash, result.keyed_after)
