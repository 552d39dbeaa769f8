"""The web app: the REST API (`web.api`) and the server-rendered pages.

Routes translate a request and call a use case or query; no rule lives here.
The access log names the method, the path without its query string, the status,
the user and the client's address: never a query (which could hold an ID number) or a body.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

import anyio
import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from minsheng.bootstrap import App
from minsheng.programmes.registry import model
from minsheng.security.throttle import LoginThrottled
from minsheng.web import assets
from minsheng.web.api import admin, casework, errors, households, linkage, session, simulations, verification
from minsheng.web.api.deps import ParamsDep
from minsheng.web.middleware import NOT_COMPRESSED, AccessLog, BodyLimit, SameOriginForms, SecurityHeaders
from minsheng.web.pages import alerts as pages_alerts
from minsheng.web.pages import dashboard as pages_dashboard
from minsheng.web.pages import exports as pages_exports
from minsheng.web.pages import households as pages_households
from minsheng.web.pages import imports as pages_imports
from minsheng.web.pages import links as pages_links
from minsheng.web.pages import local_params as pages_local_params
from minsheng.web.pages import notice as pages_notice
from minsheng.web.pages import session as pages_session
from minsheng.web.pages import simulation as pages_simulation
from minsheng.web.pages import simulation_runs as pages_simulation_runs
from minsheng.web.pages import verification as pages_verification
from minsheng.web.pages import work_order as pages_work_order
from minsheng.web.pages import work_order_actions as pages_work_order_actions
from minsheng.web.pages import work_orders as pages_work_orders
from minsheng.web.pages.common import LoginRequired, error_page, invalid_request_page, login_redirect

access_log = logging.getLogger("minsheng.access")
# The routes that take files (the import page's upload, a department's feed delivery) get the
# larger body limit (settings.max_upload_bytes); every other request the smaller one.
UPLOAD_PATHS = ("/import/check", "/api/feeds/")

_HERE = resources.files("minsheng.web")


def configure_logging() -> None:
    """Our access log (method, path without query string, status, user) instead of uvicorn's,
    which would print query strings; everything else at WARNING."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    access_log.setLevel(logging.INFO)


def app_from_environment() -> FastAPI:
    """The app of one server process of several (`minsheng serve` with web workers): settings
    from the environment, as the parent process passed them."""
    from minsheng.bootstrap import bootstrap

    configure_logging()
    return create_app(bootstrap())


def create_app(app_: App) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_web: FastAPI) -> AsyncIterator[None]:
        # Few threads for the sync routes: on a 2-core machine twenty threads only fight over
        # the interpreter lock (measured: p95 of a household read 185 → 122 ms with four).
        anyio.to_thread.current_default_thread_limiter().total_tokens = app_.settings.web_threads
        yield

    # No /redoc, and /docs built here from local files: FastAPI's defaults load a CDN's bundle.
    web = FastAPI(title="minsheng", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    web.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
    web.include_router(assets.router)  # the same files under content-hashed, immutable URLs
    web.mount("/vendor/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")

    @web.get("/docs", include_in_schema=False)
    def api_reference() -> HTMLResponse:
        """Swagger UI over /openapi.json, its scripts and styles from the installed package."""
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="minsheng API",
            swagger_js_url="/vendor/swagger/swagger-ui-bundle.js",
            swagger_css_url="/vendor/swagger/swagger-ui.css",
            swagger_favicon_url="/vendor/swagger/favicon-32x32.png",
        )

    web.state.minsheng = app_
    simulations.install(web, app_)
    session.install(web, app_)
    errors.install(web)
    for module in (session, households, casework, admin, verification, linkage, simulations):
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
        pages_work_order,
        pages_work_order_actions,
        pages_verification,
        pages_links,
        pages_local_params,
        pages_simulation,
        pages_simulation_runs,
    ):
        web.include_router(page.router)
    web.add_exception_handler(LoginRequired, lambda _r, exc: login_redirect(exc))
    # A bad query value on a page (?page=abc) is the error page in the user's language, not JSON.
    web.add_exception_handler(
        RequestValidationError, invalid_request_page(web.exception_handlers[RequestValidationError])
    )

    @web.exception_handler(LoginThrottled)
    async def login_throttled(request: Request, exc: LoginThrottled) -> Response:
        """Too many failed logins: 429 (a page or JSON), with when to try again."""
        retry = {"Retry-After": str(exc.retry_after)}
        if errors.is_page(request):
            page = error_page(request, 429, exc.zh, exc.en)
            page.headers.update(retry)
            return page
        return JSONResponse(errors.body("too_many_attempts", exc.zh, exc.en), status_code=429, headers=retry)

    # add_middleware wraps what is there: the last added runs first (outermost).
    web.add_middleware(
        BodyLimit,
        limit=app_.settings.max_request_bytes,
        upload_limit=app_.settings.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
    )
    web.add_middleware(SameOriginForms)
    web.add_middleware(SecurityHeaders)
    # Pages and JSON gzipped on the way out (a township office's link is slow); the static
    # files come gzipped already (web.assets), and xlsx, PDF and images gain nothing.
    web.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6, exclude_content_types=NOT_COMPRESSED)
    web.add_middleware(AccessLog)

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
    def parameter_json(
        pid: str, params: ParamsDep, region: str = "CN", date: dt.date | None = None, axis: str | None = None
    ) -> Any:
        """A parameter's resolved value for a region and date, with the level that supplied it and its source
        (a county's approved local values included)."""
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
