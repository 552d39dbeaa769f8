"""Alembic environment: runs on the connection minsheng hands it (see db.store.upgrade).

The migrations are written by hand, one per change, so no module's tables are imported
here: the database layer knows no module above it. `target_metadata` is the shared
base's, filled by whichever table modules the caller has imported.
"""

from alembic import context
from sqlalchemy import Connection, create_engine

from minsheng.db.base import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _migrate(conn)


def _migrate(connection: Connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds the table.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
