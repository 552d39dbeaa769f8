"""A simulation run on the analyst's page (issue 13 §2): its progress while it runs (the page
refreshes itself; no script), then its charts with their tables (`pages.simulation_view`) and
the report of each reform as PDF (A4) and Excel. A run belongs to the area of the user who
started it; another area's run is not there (404), as on the REST API."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from minsheng.errors import NotFound
from minsheng.security.audit import record
from minsheng.simulation import scenarios
from minsheng.simulation.report_files import write_report
from minsheng.web.api.deps import ParamsDep
from minsheng.web.api.simulations import JobId, JobsDep
from minsheng.web.pages import sheets
from minsheng.web.pages.common import PageUowDep, UserDep, lang_of, render
from minsheng.web.pages.simulation import PATH
from minsheng.web.pages.simulation_view import view

router = APIRouter(include_in_schema=False)
REFRESH_SECONDS = 2


@router.get(PATH + "/runs/{job_id}", response_class=HTMLResponse)
def run_page(
    request: Request,
    job_id: JobId,
    user: UserDep,
    uow: PageUowDep,
    jobs: JobsDep,
    params: ParamsDep,
    date: dt.date | None = None,
    sort: str = "change",
) -> Any:
    scenarios.may_use(user)
    job = jobs.status(job_id, user)
    context: dict[str, Any] = {"user": user, "job": job, "refresh": REFRESH_SECONDS}
    if job.status == "done":
        study = jobs.study(job_id, user, params)
        chosen = date or study.dates[0]
        if chosen not in study.dates:
            raise NotFound(f"本次测算没有日期 {chosen}", f"the run has no date {chosen}")
        context |= {
            "v": view(job_id, study, chosen, lang_of(request), sort),
            "date": chosen,
            "dates": study.dates,
            "sort": sort,
        }
        record(uow.connection, user.username, "read_simulation", "simulation", job_id, {"page": chosen.isoformat()})
        uow.commit()
    return render(request, "simulation_run.html", context)


@router.get(PATH + "/runs/{job_id}/report/{scenario}/{date}.{fmt}")
def report(
    request: Request,
    job_id: JobId,
    scenario: str,
    date: dt.date,
    fmt: str,
    user: UserDep,
    uow: PageUowDep,
    jobs: JobsDep,
    params: ParamsDep,
) -> Response:
    """The 公平性评估 report of one reform and date, in the page's language: PDF (A4) or Excel."""
    scenarios.may_use(user)
    if fmt not in ("pdf", "xlsx"):
        raise NotFound("没有这种格式", "no such format")
    lang = lang_of(request)
    study = jobs.study(job_id, user, params)
    chosen = next((s for s in study.scenarios[1:] if s.id == scenario), None)
    if chosen is None or date not in study.dates:
        raise NotFound("没有这份报告", "no such report")
    with tempfile.TemporaryDirectory() as tmp:
        files = write_report(study, params, chosen, date, Path(tmp), lang=lang)
        data = next(p for name, p in files.items() if name.endswith(fmt)).read_bytes()
    record(uow.connection, user.username, "read_simulation", "simulation", job_id, {"report": scenario, "format": fmt})
    uow.commit()
    name = f"simulation-{job_id}-{scenario}-{date}.{fmt}"
    if fmt == "xlsx":
        return sheets.download(data, name)
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
