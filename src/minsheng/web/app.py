"""The web app. Routes translate a request and call a query; no rule lives here."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from minsheng.bootstrap import App
from minsheng.registry.queries import summary
from minsheng.web.messages import translator

_HERE = resources.files("minsheng.web")


def create_app(app_: App) -> FastAPI:
    web = FastAPI(title="minsheng", version="0.1.0")
    templates = Jinja2Templates(directory=str(_HERE / "templates"))
    web.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")

    @web.get("/", response_class=HTMLResponse)
    def summary_page(request: Request, lang: str = Query("zh", pattern="^(zh|en)$"), division: str = "") -> Any:
        result = summary(app_.engine, division)
        return templates.TemplateResponse(
            request, "summary.html", {"summary": result, "t": translator(lang), "lang": lang, "division": division}
        )

    @web.get("/api/summary")
    def summary_json(division: str = "") -> dict[str, Any]:
        result = summary(app_.engine, division)
        return {
            "jurisdiction": result.jurisdiction,
            "households": result.households,
            "persons": result.persons,
            "townships": [t.__dict__ | {"households": t.households, "persons": t.persons} for t in result.townships],
        }

    @web.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return web
