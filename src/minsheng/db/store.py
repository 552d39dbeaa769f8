"""Opening the registry database: the one place that knows SQLite from PostgreSQL.

`open_engine(url)` builds an Engine with the settings each backend needs and
brings the schema to the newest Alembic revision; `bulk_insert` writes a
Polars frame the fastest way the backend allows (COPY on PostgreSQL,
executemany on SQLite). Nothing else in minsheng builds an engine from a URL.
"""

from __future__ import annotations

import io
import threading
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.exc import OperationalError

from minsheng.errors import StoreError
from minsheng.privacy.personal_data import PersonalDataCipher

BATCH_ROWS = 50_000
SQLITE_BUSY_SECONDS = 5.0  # the sqlite3 module's default wait for another writer
# The web server runs up to 40 requests at once (its thread pool), each holding at most one
# connection at a time. Keeping 20 open spares a busy server opening and closing one per
# request: a PostgreSQL connection costs milliseconds to open, a SQLite one its page cache.
POOL = {"pool_size": 20, "max_overflow": 20}


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")  # SQLite leaves them off unless asked
    cur.execute("PRAGMA journal_mode=WAL")  # readers (the web page) do not block an import
    cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a crash loses at most the last commit
    # A 256 MB page cache: a million random blind-index keys would otherwise thrash the default 2 MB.
    cur.execute("PRAGMA cache_size=-262144")
    cur.close()


class _WriterQueue:
    """Writers of one process take turns on a lock, not on SQLite's busy handler.

    SQLite lets one connection write at a time; the others poll, sleeping 1, 2, 5 … 100 ms
    between tries, so with the web server's threads all appending to the audit log an unlucky
    writer loses the race again and again (p99 of a household read: about a second). Here a
    connection takes the turn before its first write and gives it back when its transaction
    ends; the busy timeout still governs other processes, and a turn not had within it
    leaves the wait to SQLite, as before.
    """

    WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
    KEY = "minsheng_writer_turn"

    def __init__(self, timeout: float) -> None:
        self._lock = threading.Lock()
        self._timeout = timeout

    def listen(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)
        # a connection given back, or thrown away, in the middle of a transaction
        event.listen(engine.pool, "reset", self._reset)
        event.listen(engine.pool, "invalidate", self._invalidate)

    def _take(self, info: dict[str, Any]) -> None:
        if self.KEY not in info:  # once a transaction: it holds the turn, or waited its time for it
            info[self.KEY] = self._lock.acquire(timeout=self._timeout)

    def _give_back(self, info: dict[str, Any]) -> None:
        if info.pop(self.KEY, False):
            self._lock.release()

    def _before_execute(self, conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip()[:7].upper().startswith(self.WRITES):
            self._take(conn.info)

    def _end(self, conn: Connection) -> None:
        self._give_back(conn.info)

    def _reset(self, dbapi_connection: Any, connection_record: Any, reset_state: Any) -> None:
        self._give_back(connection_record.info)

    def _invalidate(self, dbapi_connection: Any, connection_record: Any, exception: Any) -> None:
        self._give_back(connection_record.info)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("minsheng.db") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def create(url: str) -> Engine:
    """An Engine for the URL, without touching the schema."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, **POOL)
        else:
            engine = create_engine(url)  # one connection per thread: there is no file to share
        event.listen(engine, "connect", _sqlite_pragmas)
        _WriterQueue(timeout=SQLITE_BUSY_SECONDS).listen(engine)
        return engine
    if url.startswith("postgresql"):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise StoreError(
                "使用PostgreSQL需要安装 pg 扩展：pip install 'minsheng[pg]'",
                "PostgreSQL needs the pg extra: pip install 'minsheng[pg]'",
            ) from None
        return create_engine(url, pool_pre_ping=True, **POOL)
    raise StoreError(
        f"不支持的数据库地址：{url.split(':', 1)[0]}", f"unsupported database URL scheme: {url.split(':', 1)[0]}"
    )


def upgrade(engine: Engine, cipher: PersonalDataCipher | None = None) -> None:
    """Bring the schema to the newest migration (a no-op when it is current). A migration
    that must encrypt existing personal data gets the `cipher`."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    try:
        with engine.begin() as conn:
            if MigrationContext.configure(conn).get_current_revision() == head:
                return
            cfg.attributes["connection"] = conn
            cfg.attributes["cipher"] = cipher
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise StoreError(
            f"无法连接数据库：{engine.url.render_as_string(hide_password=True)}",
            f"cannot reach the database {engine.url.render_as_string(hide_password=True)}: {exc.orig}",
        ) from exc


def open_engine(url: str, cipher: PersonalDataCipher | None = None) -> Engine:
    engine = create(url)
    upgrade(engine, cipher)
    return engine


def bulk_insert(conn: Connection, table: Table, frame: pl.DataFrame) -> None:
    """Insert every row of `frame` (columns named as the table's) inside the caller's transaction."""
    if frame.is_empty():
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, frame)
        return
    # SQLite: the driver's executemany with plain tuples; dates as the ISO text SQLAlchemy
    # itself stores, so rows read back the same whichever way they were written.
    frame = frame.with_columns(pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date)
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    sql = f'INSERT INTO "{table.name}" ({cols}) VALUES ({", ".join("?" * len(frame.columns))})'
    for batch in frame.iter_slices(BATCH_ROWS):
        conn.exec_driver_sql(sql, batch.rows())


def _copy(conn: Connection, table: Table, frame: pl.DataFrame) -> None:
    # COPY is an order of magnitude faster than INSERT for a million rows.
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    # CSV cannot carry bytes: bytea goes in PostgreSQL's hex form, \x0102….
    frame = frame.with_columns(
        (pl.lit("\\x") + pl.col(c).bin.encode("hex")).alias(c) for c, t in frame.schema.items() if t == pl.Binary
    )
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN WITH (FORMAT csv)') as copy:
        for batch in frame.iter_slices(BATCH_ROWS):
            buf = io.BytesIO()
            batch.write_csv(buf, include_header=False, null_value="")
            copy.write(buf.getvalue())
