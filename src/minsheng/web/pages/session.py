"""The login and logout pages: the session is an HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from minsheng.bootstrap import App
from minsheng.errors import NotAuthenticated
from minsheng.security import sessions
from minsheng.web.api.deps import SESSION_COOKIE, get_app
from minsheng.web.api.session import start_session
from minsheng.web.pages.common import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    # only a path on this site: never an open redirect to another host
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, failed: bool = False, next: str = "/") -> Any:
    return render(request, "login.html", {"failed": failed, "next": _safe_next(next), "user": None})


@router.post("/login")
async def login_form(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    lang: Annotated[str, Form()] = "zh",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """The same use case as `POST /api/session`. A wrong password returns to the form; a
    throttled attempt (`LoginThrottled`, not a wrong password) gets the app's 429 page."""
    lang = lang if lang in ("zh", "en") else "zh"
    page = RedirectResponse(_safe_next(next), status_code=303)
    try:
        await start_session(request, username, password, page)
    except NotAuthenticated:
        return RedirectResponse(f"/login?lang={lang}&failed=true", status_code=303)
    page.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="strict")
    return page


@router.post("/logout")
def logout(request: Request, app: Annotated[App, Depends(get_app)]) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with app.engine.begin() as conn:
            sessions.close_session(conn, token)
    page = RedirectResponse("/login", status_code=303)
    page.delete_cookie(SESSION_COOKIE)
    return page
