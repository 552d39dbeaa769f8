"""Unit of work: one business operation, one transaction.

    with UnitOfWork(engine) as uow:
        uow.session.add(...)
        uow.commit()          # leave without commit() and everything rolls back

Repositories and importers never commit; the caller of a use case does, once.

    with UnitOfWork(engine, principal) as uow:   # acting for a user

On PostgreSQL a unit of work acting for a user runs as the row-secured role with the
user's jurisdiction set for this transaction only (migration 0007): even a query that
forgot its jurisdiction filter cannot read another area's people.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session, sessionmaker


class Principal(Protocol):
    """Whoever a unit of work acts for: only the jurisdiction matters here (the security
    layer's `Principal` is one). The database layer knows no module above it."""

    @property
    def jurisdiction(self) -> str: ...


APP_ROLE = "minsheng_app"
_SCOPE = text("SELECT set_config('role', :role, true), set_config('minsheng.jurisdiction', :j, true)")


_factories: WeakKeyDictionary[Engine, sessionmaker[Session]] = WeakKeyDictionary()


def _factory(engine: Engine) -> sessionmaker[Session]:
    """One session factory per engine, its scoping hook registered once (not per operation)."""
    factory = _factories.get(engine)
    if factory is None:
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        event.listen(factory, "after_begin", _scope)
        _factories[engine] = factory
    return factory


def _scope(session: Session, _transaction: object, connection: Connection) -> None:
    """Every transaction of a unit of work acting for a user, also one begun after a commit."""
    principal: Principal | None = session.info.get("principal")
    if principal is None or connection.dialect.name != "postgresql":
        return
    # SET LOCAL / set_config(…, true) end with the transaction, so a pooled
    # connection never carries one user's scope into the next request.
    # (set_config('role', …, true) is SET LOCAL ROLE: both settings in one round trip)
    connection.execute(_SCOPE, {"role": APP_ROLE, "j": principal.jurisdiction})


class UnitOfWork:
    def __init__(self, engine: Engine, principal: Principal | None = None) -> None:
        self._factory = _factory(engine)
        self.principal = principal
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        if self.principal is not None:
            self.session.info["principal"] = self.principal
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

    def act_for(self, principal: Principal) -> None:
        """Act for `principal` from now on: this transaction (its first statements, such as
        finding the user behind a session token, ran as the owner) and every later one."""
        self.principal = principal
        self.session.info["principal"] = principal
        _scope(self.session, None, self.connection)

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
