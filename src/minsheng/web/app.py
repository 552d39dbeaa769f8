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
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from minsheng.bootstrap import App
from minsheng.programmes.registry import baseline, model
from minsheng.web.api import admin, casework, errors, households, session, verification
from minsheng.web.pages import alerts as pages_alerts
from minsheng.web.pages import dashboard as pages_dashboard
from minsheng.web.pages import exports as pages_exports
from minsheng.web.pages import households as pages_households
from minsheng.web.pages import imports as pages_imports
from minsheng.web.pages import notice as pages_notice
from minsheng.web.pages import session as pages_session
from minsheng.web.pages import verification as pages_verification
from minsheng.web.pages import work_orders as pages_work_orders
from minsheng.web.pages.common import LoginRequired, login_redirect

access_log = logging.getLogger("minsheng.access")

_HERE = resources.files("minsheng.web")


def create_app(app_: App) -> FastAPI:
    web = FastAPI(title="minsheng", version="0.1.0")
    web.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")

    web.state.minsheng = app_
    errors.install(web)
    for module in (session, households, casework, admin, verification):
        web.include_router(module.router)
    for page in (
        pages_session,
        pages_dashboard,
        pages_households,
        pages_imports,
        pages_exports,
        pages_notice,
        pages_alerts,
        pages_work_orders,
        pages_verification,
    ):
        web.include_router(page.router)
    plotly_js = resources.files("plotly") / "package_data" / "plotly.min.js"

    @web.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> FileResponse:
        """plotly's own bundled JavaScript, served from the installed package: no CDN."""
        return FileResponse(str(plotly_js), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    web.add_exception_handler(LoginRequired, lambda _r, exc: login_redirect(exc))

    @web.middleware("http")
    async def same_origin_forms(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """A page form posted from another site is refused (besides the SameSite=Strict cookie)."""
        origin = request.headers.get("origin")
        foreign = bool(origin) and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", "")
        if request.method == "POST" and foreign:
            return JSONResponse(
                errors.body("forbidden", "拒绝跨站提交", "a form from another site was refused"), status_code=403
            )
        return await call_next(request)

    @web.middleware("http")
    async def log_access(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        user = getattr(request.state, "username", "-")
        ms = (time.perf_counter() - start) * 1000
        access_log.info("%s %s %s %s %.0fms", request.method, request.url.path, response.status_code, user, ms)
        return response

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
