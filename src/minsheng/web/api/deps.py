"""What a route needs: the app, the acting user (session token), a unit of work acting
for that user, and a department behind a feed-delivery token."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from minsheng.bootstrap import App
from minsheng.db.uow import UnitOfWork
from minsheng.errors import NotAuthenticated
from minsheng.localparams.store import parameters_for
from minsheng.programmes.registry import baseline
from minsheng.rules.parameters import ParameterSet
from minsheng.security import sessions
from minsheng.security.users import Principal

SESSION_COOKIE = "minsheng_session"
_bearer = HTTPBearer(auto_error=False, description="a session token from POST /api/session")


def get_app(request: Request) -> App:
    app: App = request.app.state.minsheng
    return app


def _token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    token = credentials.credentials if credentials else request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated("请先登录", "log in first")
    return token


def remember_user(request: Request, principal: Principal) -> Principal:
    """Keep the request's user: for the access log, and for a second dependency that needs it."""
    request.state.username = principal.username  # for the access log: who, never what
    request.state.principal = principal
    return principal


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    app: Annotated[App, Depends(get_app)],
) -> Principal:
    found: Principal | None = getattr(request.state, "principal", None)
    if found is not None:  # the request's unit of work found the user already
        return found
    with app.engine.connect() as conn:
        return remember_user(request, sessions.principal_for(conn, _token(request, credentials)))


def get_uow(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    app: Annotated[App, Depends(get_app)],
) -> Iterator[UnitOfWork]:
    """One transaction per request, acting for the user (row-level security on PostgreSQL);
    a route commits when its operation succeeded, anything else rolls back. The user behind
    the session token is found in the same transaction, before it acts for them: one
    connection and one transaction a request, not two."""
    token = _token(request, credentials)
    with UnitOfWork(app.engine) as uow:
        uow.act_for(remember_user(request, sessions.principal_for(uow.connection, token)))
        yield uow


def get_department(
    app: Annotated[App, Depends(get_app)],
    x_department_token: Annotated[str | None, Header(description="a department's feed-delivery token")] = None,
) -> sessions.Department:
    if not x_department_token:
        raise NotAuthenticated("缺少部门令牌", "the X-Department-Token header is missing")
    with app.engine.connect() as conn:
        return sessions.department_for(conn, x_department_token)


def get_params(app: Annotated[App, Depends(get_app)]) -> ParameterSet:
    """The shipped parameters with the county's approved local values laid over them (cached
    until the next approval, `localparams.store.parameters_for`)."""
    with app.engine.connect() as conn:
        return parameters_for(conn, baseline())


def today() -> dt.date:
    return dt.date.today()


PrincipalDep = Annotated[Principal, Depends(get_principal)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
AppDep = Annotated[App, Depends(get_app)]
ParamsDep = Annotated[ParameterSet, Depends(get_params)]
TodayDep = Annotated[dt.date, Depends(today)]


def _plain(value: object) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


class PlainJSON(JSONResponse):
    """JSON straight from plain rows (dates as ISO text), without FastAPI's generic encoder:
    for the busiest reads, where that encoder was a sixth of the time (measured)."""

    def render(self, content: object) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=_plain, separators=(",", ":")).encode("utf-8")
