"""Opening the registry database: the one place that knows SQLite from PostgreSQL.

`open_engine(url)` builds an Engine with the settings each backend needs and
brings the schema to the newest Alembic revision; `bulk_insert` writes a
Polars frame the fastest way the backend allows (COPY on PostgreSQL,
executemany on SQLite); `starts_with` is a division-prefix test the planner can
estimate under row-level security; `analyze` refreshes statistics after a bulk
write; `read_arrow` reads a large query as Arrow columns through PostgreSQL's
ADBC driver. Nothing else in minsheng builds an engine from a URL.
"""

from __future__ import annotations

import io
import json
import sqlite3
import threading
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Engine,
    ExceptionContext,
    String,
    Table,
    bindparam,
    create_engine,
    event,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from minsheng.errors import StoreBusy, StoreError
from minsheng.privacy.personal_data import PersonalDataCipher

BATCH_ROWS = 50_000
# How long a SQLite writer waits for its turn (the process's writer queue, then SQLite's busy
# handler for another process) before it is told "busy, try again" (StoreBusy; HTTP 503). An
# import waits only for readers' audit entries (milliseconds each); a reader whose audit entry
# waits behind an import's transaction (seconds for a few thousand households) is answered
# within this bound rather than holding a server thread without end. (sqlite3's default: 5 s,
# shorter than the import of a township's files, so readers failed during imports.)
SQLITE_BUSY_SECONDS = 30.0
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
    ends; the busy timeout still governs other processes. A turn not had within the timeout
    is `StoreBusy`.
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
        if self.KEY in info:  # once a transaction: it holds the turn
            return
        if not self._lock.acquire(timeout=self._timeout):
            # Bounded: a writer of this process has held the database longer than anyone should
            # wait (an import); say so rather than queue again on SQLite's busy handler.
            raise _busy()
        info[self.KEY] = True

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


def _busy() -> StoreBusy:
    return StoreBusy(
        "数据库正忙（正在导入数据），请稍后再试", "the database is busy (an import is being written): try again shortly"
    )


def _sqlite_busy(context: ExceptionContext) -> BaseException | None:
    """SQLite's "database is locked" after the busy timeout (a writer of another process held
    the lock all that time) is `StoreBusy`, which the web answers with 503, not a server error."""
    original = context.original_exception
    if isinstance(original, sqlite3.OperationalError) and str(original).startswith(
        ("database is locked", "database is busy")
    ):
        return _busy()
    return None


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("minsheng.db") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _private_sqlite(path: Path) -> None:
    """The database file owner-only (0600) before SQLite opens it, in a folder made 0700 when
    it has to be made: it holds names, incomes and ciphertexts (个人信息保护法 Art. 51). SQLite
    gives its -wal and -shm files the database file's mode; ones left by an older version
    are tightened too."""
    from minsheng.contract.private_files import private_file, tighten

    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        tighten(path.with_name(path.name + suffix))


def create(url: str, *, busy_seconds: float = SQLITE_BUSY_SECONDS) -> Engine:
    """An Engine for the URL, without touching the schema. `busy_seconds`: SQLite only, how long
    a writer waits for the write lock before `StoreBusy`."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        # sqlite3 opens a transaction just before the first INSERT / UPDATE / DELETE of a unit of
        # work (its reads before that see the latest commit). IMMEDIATE makes that BEGIN take the
        # write lock, waiting (`timeout`) for it. A plain (deferred) BEGIN would take it only at
        # the first write to the database file: an import that first writes its staged keys to a
        # temporary table and then reads the registry holds a snapshot, and SQLite refuses to
        # upgrade a snapshot another writer has committed past (an audited read did) — at once,
        # "database is locked", whatever the timeout.
        connect_args = {"timeout": busy_seconds, "isolation_level": "IMMEDIATE"}
        if path and path != ":memory:":
            _private_sqlite(Path(path))
            engine = create_engine(url, connect_args=connect_args, **POOL)
        else:
            # one connection per thread: there is no file to share
            engine = create_engine(url, connect_args=connect_args)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "handle_error", _sqlite_busy)
        _WriterQueue(timeout=busy_seconds).listen(engine)
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


def open_engine(
    url: str, cipher: PersonalDataCipher | None = None, *, busy_seconds: float = SQLITE_BUSY_SECONDS
) -> Engine:
    engine = create(url, busy_seconds=busy_seconds)
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


class starts_with(ColumnElement[bool]):  # named as the SQL function it is on PostgreSQL
    """`column` begins with `prefix` (a division code's prefix: a jurisdiction, a township).

        starts_with(HOUSEHOLDS.c.residence_division, "110105")

    PostgreSQL: `starts_with(column, prefix)`, whose function is LEAKPROOF, so under row-level
    security the planner still reads the column's statistics (for LIKE, which is not leakproof,
    it guesses 0.5 % of the rows: the list pages' joins were then planned for 1 household
    instead of 38,000; migration 0016). SQLite: `column LIKE prefix || '%'`, as before.
    The prefix is taken literally on PostgreSQL; the callers pass digits, for which both agree."""

    __visit_name__ = "minsheng_starts_with"
    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # a test itself, as LIKE is: not `… = 1` on SQLite
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's own declaration: what a cache key compares)
        ("column", InternalTraversal.dp_clauseelement),
        ("prefix", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[str], prefix: str | ColumnElement[str]) -> None:
        self.column = column
        self.prefix = prefix if isinstance(prefix, ColumnElement) else bindparam(None, prefix, type_=column.type)


@compiles(starts_with)
def _like_prefix(element: starts_with, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.startswith(element.prefix), **kw)


@compiles(starts_with, "postgresql")
def _starts_with(element: starts_with, compiler: SQLCompiler, **kw: Any) -> str:
    return f"starts_with({compiler.process(element.column, **kw)}, {compiler.process(element.prefix, **kw)})"


class in_values(ColumnElement[bool]):  # a SQL test, named as one
    """`column` is one of `values`, sent as one JSON text: thousands of values in one statement
    and one bound parameter (an `IN (…)` list takes one parameter a value, and SQLite's are few).

        in_values(HOUSEHOLDS.c.household_id, ["H1", "H2"])
    """

    __visit_name__ = "minsheng_in_values"
    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's own declaration: what a cache key compares)
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], values: Iterable[Any]) -> None:
        self.column = column
        self.values = bindparam(None, json.dumps(list(values)), type_=String())


@compiles(in_values)
def _in_json_each(element: in_values, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"


@compiles(in_values, "postgresql")
def _in_json_array(element: in_values, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    # an array computed once (an InitPlan): `= ANY` of it is an index condition even on a table
    # under row-level security, where an IN (SELECT …) was joined above the whole secured scan
    return f"{column} = ANY(ARRAY(SELECT json_array_elements_text(CAST({values} AS json))))"


def analyze(conn: Connection, *tables: str) -> None:
    """Fresh planner statistics for `tables` after a bulk write in this transaction (PostgreSQL;
    autovacuum would gather them a minute later, if it runs at all). Rows this transaction
    wrote are counted. SQLite plans without them, as it always has."""
    if conn.dialect.name == "postgresql" and tables:
        conn.exec_driver_sql(f"ANALYZE {', '.join(tables)}")


def read_arrow(engine: Engine, query: Any, schema: dict[str, Any]) -> pl.DataFrame | None:
    """A query's rows as a frame of `schema`, read by PostgreSQL's ADBC driver as Arrow columns:
    no Python object per value. None elsewhere: on SQLite the rows path stays, because ADBC's
    driver carries its own copy of the SQLite library, and two copies in one process release each
    other's file locks (SQLite's "multiple copies" corruption: a demo database came out
    "malformed" when tried). The statement's bound values are rendered into the SQL, so callers
    pass checked division codes only (`literal_ok`).

    The caller's transaction is not shared: callers inside a unit of work read through it."""
    url = engine.url
    if url.get_backend_name() != "postgresql":
        return None
    import adbc_driver_postgresql.dbapi as pg_adbc

    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    uri = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with pg_adbc.connect(uri) as conn, conn.cursor() as cur:
        cur.execute(sql)
        table = cur.fetch_arrow_table()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.select(_as(frame, name, dtype) for name, dtype in schema.items())


def _as(frame: pl.DataFrame, name: str, dtype: Any) -> pl.Expr:
    """One column in its schema type: SQLite's text dates parsed, its 0/1 flags as booleans."""
    column = pl.col(name)
    if frame.schema[name] == pl.String and dtype == pl.Date:
        return column.str.to_date("%Y-%m-%d").alias(name)
    if frame.schema[name] == pl.String and dtype == pl.Datetime:
        return column.str.to_datetime().alias(name)
    return column.cast(dtype).alias(name)


def literal_ok(*values: str) -> bool:
    """Values that may be rendered into SQL as they are: division codes (digits only)."""
    return all(v.isascii() and v.isdigit() for v in values)
