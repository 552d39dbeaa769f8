"""Log in and out; who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from minsheng.security import sessions
from minsheng.security.users import ROLES
from minsheng.web.api.deps import SESSION_COOKIE, AppDep, PrincipalDep, log_in
from minsheng.web.api.schemas import Login

router = APIRouter(prefix="/api", tags=["session"])


@router.post("/session")
def login(body: Login, response: Response, app: AppDep) -> dict[str, Any]:
    """A session token (also set as an HttpOnly cookie for the pages); it expires."""
    principal, token, expires = log_in(app, body.username, body.password, response)
    return {"token": token, "expires_at": expires.isoformat() + "Z", "user": _user(principal)}


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
