"""Unit of work: one business operation, one transaction.

    with UnitOfWork(engine) as uow:
        uow.session.add(...)
        uow.commit()          # leave without commit() and everything rolls back

Repositories and importers never commit; the caller of a use case does, once.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self._factory = sessionmaker(bind=engine, expire_on_commit=False)
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()  # a no-op after commit(); undoes everything otherwise, error or not
        self.session.close()

    @property
    def connection(self) -> Connection:
        """The transaction's connection, for Core bulk statements inside the same transaction."""
        return self.session.connection()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
