"""Log in and out; who am I.

Both ways in — this API and the login page — call `start_session`, and through it the one
use case `security.login.log_in`. The password check runs on threads of its own (at most
`LOGIN_THREADS` at once), not on the threads every other request shares: a burst of logins,
honest or not, waits its turn without holding up anyone's reads.
"""

from __future__ import annotations

import os
from functools import partial
from typing import Any

import anyio
from fastapi import APIRouter, FastAPI, Request, Response

from minsheng.bootstrap import App
from minsheng.security import sessions
from minsheng.security.login import Session, log_in
from minsheng.security.throttle import LoginThrottle
from minsheng.security.users import ROLES
from minsheng.web.api.deps import SESSION_COOKIE, AppDep, PrincipalDep
from minsheng.web.api.schemas import Login

router = APIRouter(prefix="/api", tags=["session"])
# Half the cores for password checks (argon2 is a tenth of a second of one core): the rest
# stay free for everything else, however many logins arrive at once.
LOGIN_THREADS = max(1, (os.cpu_count() or 2) // 2)


def install(web: FastAPI, app: App) -> None:
    """The web app's throttle of failed logins and the threads that check passwords."""
    settings = app.settings
    web.state.login_throttle = LoginThrottle(
        per_user=settings.login_failures_per_user,
        per_address=settings.login_failures_per_address,
        window=settings.login_failure_window_minutes * 60,
    )
    web.state.login_limiter = anyio.CapacityLimiter(LOGIN_THREADS)


async def start_session(request: Request, username: str, password: str, response: Response) -> Session:
    """Log in (`security.login.log_in`) and set the session as an HttpOnly, SameSite=Strict
    cookie (the pages' way; the API may use the returned token as a Bearer token instead)."""
    app: App = request.app.state.minsheng
    address = request.client.host if request.client else "-"
    check = partial(
        log_in,
        app.engine,
        request.app.state.login_throttle,
        username,
        password,
        address=address,
        minutes=app.settings.session_minutes,
    )
    session = await anyio.to_thread.run_sync(check, limiter=request.app.state.login_limiter)
    request.state.username = session.principal.username  # for the access log: who, never what
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=app.settings.session_minutes * 60,
        httponly=True,
        samesite="strict",
        secure=app.settings.env == "production",
    )
    return session


@router.post("/session")
async def login(body: Login, request: Request, response: Response) -> dict[str, Any]:
    """A session token (also set as an HttpOnly cookie for the pages); it expires. After too
    many failed logins for the user name or from the address: 429, with Retry-After."""
    session = await start_session(request, body.username, body.password, response)
    return {"token": session.token, "expires_at": session.expires.isoformat() + "Z", "user": _user(session.principal)}


@router.delete("/session", status_code=204)
def logout(request: Request, response: Response, app: AppDep, principal: PrincipalDep) -> None:
    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip() or request.cookies.get(
        SESSION_COOKIE, ""
    )
    with app.engine.begin() as conn:
        sessions.close_session(conn, token)
    response.delete_cookie(SESSION_COOKIE)


@router.get("/me")
def me(principal: PrincipalDep) -> dict[str, Any]:
    return _user(principal)


def _user(principal: Any) -> dict[str, Any]:
    zh, en = ROLES[principal.role]
    return {
        "username": principal.username,
        "role": principal.role,
        "role_label": {"zh": zh, "en": en},
        "jurisdiction": principal.jurisdiction,
        "sees_persons": principal.sees_persons,
    }
