"""工作台: the jurisdiction at a glance (aggregates only, so analysts may see it too)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from minsheng.casework.orders import STATUSES
from minsheng.casework.queries import AlertFilter
from minsheng.monitoring.alerts import UNFINISHED
from minsheng.readmodels import dashboard
from minsheng.web.api.deps import TodayDep
from minsheng.web.messages import translator
from minsheng.web.pages import charts
from minsheng.web.pages.common import PageUowDep, UserDep, lang_of, render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request, uow: PageUowDep, user: UserDep, today: TodayDep) -> Any:
    # The unit of work first: it finds the session's user, which `user` then reuses (named
    # first, `user` looked the session up again on a connection of its own).
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
    unfinished = [r for r in figures["alerts"] if r["status"] in UNFINISHED]
    alert_table = [
        {
            "severity": s,
            "cells": [
                (sum(r["count"] for r in unfinished if r["severity"] == s and r["age"] == age), alert_link(s, age))
                for age, _fewest, _most in dashboard.AGE_BUCKETS
            ],
            "total": (sum(r["count"] for r in unfinished if r["severity"] == s), alert_link(s)),
        }
        for s in charts.SEVERITY_COLOURS
    ]
    return render(
        request,
        "dashboard.html",
        {
            "user": user,
            "f": figures,
            "towns": [t_ | {"enrolled": enrolled_by_town.get(t_["township"], 0)} for t_ in towns],
            "programmes": programmes,
            "alert_table": alert_table,
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
                t("dash.no_alerts"),
            ),
            "ages": [label for label, _fewest, _most in dashboard.AGE_BUCKETS],
        },
    )


def alert_link(severity: str, age: str | None = None) -> str:
    """The alert queue with the very filter a dashboard cell counted (`dashboard.alert_filter`)."""
    return "/alerts?" + urlencode(filter_query(dashboard.alert_filter(severity, age)))


def filter_query(f: AlertFilter) -> dict[str, str | int]:
    """An alert filter as the queue's query string (pages.alerts reads the same names)."""
    query: dict[str, str | int] = {"status": f.status}
    for name in ("reason", "severity", "township", "min_age_days"):
        if getattr(f, name):
            query[name] = getattr(f, name)
    if f.max_age_days is not None:
        query["max_age_days"] = f.max_age_days
    return query
