"""工作台: the jurisdiction at a glance (aggregates only, so analysts may see it too)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from minsheng.casework.orders import STATUSES
from minsheng.readmodels import dashboard
from minsheng.web.api.deps import TodayDep
from minsheng.web.messages import translator
from minsheng.web.pages import charts
from minsheng.web.pages.common import PageUowDep, UserDep, lang_of, render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request, user: UserDep, uow: PageUowDep, today: TodayDep) -> Any:
    figures = dashboard.figures(uow.connection, user, today=today)
    t = translator(lang_of(request))
    enrolled_by_town: dict[str | None, int] = {}
    for row in figures["enrolled"]:
        enrolled_by_town[row["township"]] = enrolled_by_town.get(row["township"], 0) + row["households"]
    towns = figures["townships"]
    severity_labels = {s: t(f"severity.{s}") for s in charts.SEVERITY_COLOURS}
    programmes: dict[str, int] = {}
    for row in figures["enrolled"]:
        programmes[row["programme"]] = programmes.get(row["programme"], 0) + row["households"]
    open_alerts = {
        s: sum(r["count"] for r in figures["alerts"] if r["severity"] == s and r["status"] != "closed")
        for s in charts.SEVERITY_COLOURS
    }
    return render(
        request,
        "dashboard.html",
        {
            "user": user,
            "f": figures,
            "towns": [t_ | {"enrolled": enrolled_by_town.get(t_["township"], 0)} for t_ in towns],
            "programmes": programmes,
            "open_alerts": open_alerts,
            "statuses": [(s, figures["work_orders"].get(s, 0)) for s in STATUSES],
            "chart_alerts": charts.alerts_by_grade_and_age(figures["alerts"], severity_labels),
            "chart_towns": charts.by_township(
                [x["name"] for x in towns],
                [x["households"] for x in towns],
                [enrolled_by_town.get(x["township"], 0) for x in towns],
                {"households": t("dash.households"), "enrolled": t("dash.enrolled")},
            ),
            "chart_months": charts.monthly(
                [m["month"] for m in figures["alerts_by_month"]],
                [m["count"] for m in figures["alerts_by_month"]],
                t("dash.alerts_opened"),
            ),
            "ages": charts.AGES,
        },
    )
