"""The web app: the REST API (`web.api`) and the server-rendered pages.

Routes translate a request and call a use case or query; no rule lives here.
The access log names the method, the path without its query string, the status
and the user: never a query (which could hold an ID number) or a body.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from fastapi import FastAPI, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from minsheng.bootstrap import App
from minsheng.errors import NotAuthenticated
from minsheng.programmes.registry import baseline, model
from minsheng.registry.queries import summary
from minsheng.security import sessions
from minsheng.security.users import authenticate
from minsheng.web.api import admin, casework, errors, households, session
from minsheng.web.api.deps import SESSION_COOKIE
from minsheng.web.messages import translator

access_log = logging.getLogger("minsheng.access")

_HERE = resources.files("minsheng.web")


def create_app(app_: App) -> FastAPI:
    web = FastAPI(title="minsheng", version="0.1.0")
    templates = Jinja2Templates(directory=str(_HERE / "templates"))
    web.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")

    web.state.minsheng = app_
    errors.install(web)
    for module in (session, households, casework, admin):
        web.include_router(module.router)

    @web.middleware("http")
    async def log_access(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        user = getattr(request.state, "username", "-")
        ms = (time.perf_counter() - start) * 1000
        access_log.info("%s %s %s %s %.0fms", request.method, request.url.path, response.status_code, user, ms)
        return response

    @web.get("/", response_class=HTMLResponse, include_in_schema=False)
    def summary_page(request: Request, lang: str = Query("zh", pattern="^(zh|en)$")) -> Any:
        principal = _page_user(request)
        if principal is None:
            return RedirectResponse(f"/login?lang={lang}", status_code=303)
        result = summary(app_.engine, principal.jurisdiction)
        return templates.TemplateResponse(
            request,
            "summary.html",
            {"summary": result, "t": translator(lang), "lang": lang, "user": principal},
        )

    @web.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, lang: str = Query("zh", pattern="^(zh|en)$"), failed: bool = False) -> Any:
        return templates.TemplateResponse(
            request, "login.html", {"t": translator(lang), "lang": lang, "failed": failed}
        )

    @web.post("/login", include_in_schema=False)
    def login_form(
        username: str = Form(max_length=64), password: str = Form(max_length=256), lang: str = Form("zh")
    ) -> Response:
        lang = lang if lang in ("zh", "en") else "zh"
        try:
            with app_.engine.begin() as conn:
                principal = authenticate(conn, username, password)
                token, _ = sessions.open_session(conn, principal, app_.settings.session_minutes)
        except NotAuthenticated:
            return RedirectResponse(f"/login?lang={lang}&failed=true", status_code=303)
        page = RedirectResponse(f"/?lang={lang}", status_code=303)
        page.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=app_.settings.session_minutes * 60,
            httponly=True,
            samesite="strict",
            secure=app_.settings.env == "production",
        )
        return page

    def _page_user(request: Request) -> Any:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        try:
            with app_.engine.connect() as conn:
                principal = sessions.principal_for(conn, token)
        except NotAuthenticated:
            return None
        request.state.username = principal.username
        return principal

    @web.get("/api/programmes")
    def programmes_json() -> list[dict[str, Any]]:
        """The programme registry: ids, labels, entity, legal basis and conditions (no personal data)."""
        m = model()
        return [
            {
                "id": p.id,
                "label": {"zh": p.label_zh, "en": p.label_en},
                "entity": p.entity,
                "basis": p.basis,
                "conditions": [
                    {
                        "id": c,
                        "label": {"zh": m.nodes[c].label_zh, "en": m.nodes[c].label_en},
                        "cite": getattr(m.nodes[c], "cite", ""),
                    }
                    for c in p.conditions
                ],
            }
            for p in m.programmes.values()
        ]

    @web.get("/api/parameters/{pid}")
    def parameter_json(pid: str, region: str = "CN", date: dt.date | None = None, axis: str | None = None) -> Any:
        """A parameter's resolved value for a region and date, with the level that supplied it and its source."""
        params = baseline()
        if pid not in params:
            return JSONResponse(errors.body("not_found", f"参数 {pid} 不存在", f"no parameter {pid}"), status_code=404)
        param = params[pid]
        when = date or dt.date.today()
        if param.axis and axis not in param.axis_values:
            axis = param.axis_values[0]
        value, level, entry = params.resolve(pid, "" if region.upper() == "CN" else region, when, axis)
        return {
            "id": pid,
            "label": {"zh": param.label_zh, "en": param.label_en},
            "unit": param.unit,
            "kind": param.kind,
            "region": region,
            "date": when.isoformat(),
            "axis": axis,
            "value": value,
            "level": level,
            "supplied_by": (entry.region or "CN") if entry else None,
            "effective": entry.effective.isoformat() if entry else None,
            "source": entry.source.as_dict() if entry else None,
        }

    @web.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return web
