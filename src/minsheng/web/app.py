"""The web app. Routes translate a request and call a query; no rule lives here."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from minsheng.bootstrap import App
from minsheng.programmes.registry import baseline, model
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
            return JSONResponse({"error": {"zh": f"参数 {pid} 不存在", "en": f"no parameter {pid}"}}, status_code=404)
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
