"""改革测算 over REST (issue 13 §2): create a simulation of the user's own area (a background job),
follow its progress, read its tables and its report. Aggregates only: no table names a person or
a household, so analysts may run it too. Creating and reading are audited."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from minsheng.bootstrap import App
from minsheng.security.audit import record_now
from minsheng.simulation.jobs import MAX_DATES, MAX_REFORMS, Jobs, Spec, Status
from minsheng.simulation.study import TABLES
from minsheng.web.api.deps import ParamsDep, PrincipalDep, get_app

router = APIRouter(prefix="/api", tags=["simulation"])
JobId = Annotated[str, Path(pattern="^[0-9a-f]{16}$")]
Lang = Annotated[str, Query(pattern="^(zh|en)$", description="the report's language")]
AppDep = Annotated[App, Depends(get_app)]


class SimulationRequest(BaseModel):
    reforms: list[str] = Field(
        min_length=1, max_length=MAX_REFORMS, description="each a reform in the reform file format (YAML text)"
    )
    dates: list[dt.date] = Field(min_length=1, max_length=MAX_DATES)
    frame: str = Field(
        default="registry",
        pattern="^(registry|representative)$",
        description="registry: figures among registered households; representative: the registry is the whole population",
    )


def install(web: Any, app: App) -> None:
    """One job store per web app, in its data directory."""
    web.state.simulation_jobs = Jobs(app.settings.data / "simulations")


def jobs_of(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.simulation_jobs
    return jobs


JobsDep = Annotated[Jobs, Depends(jobs_of)]


def _shown(job: Status) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": job.status,
        "progress": job.progress,
        "step": job.step,
        "error": job.error or None,
        "scenarios": job.scenarios,
        "dates": job.dates,
        "tables": job.tables,
        "created": job.created,
    }


@router.post("/simulations", status_code=202)
def create(
    body: SimulationRequest, principal: PrincipalDep, app: AppDep, jobs: JobsDep, params: ParamsDep
) -> dict[str, Any]:
    """Queue a simulation of the baseline and 1–3 reforms over the user's area; 202 with its id."""
    spec = Spec(tuple(body.reforms), tuple(sorted(set(body.dates))), body.frame)
    job = jobs.submit(principal, spec, app.engine, params)
    record_now(
        app.engine,
        principal.username,
        "simulate",
        "simulation",
        job.id,
        {"dates": job.dates, "reforms": job.scenarios[1:]},
    )
    return _shown(job)


@router.get("/simulations/{job_id}")
def status(job_id: JobId, principal: PrincipalDep, jobs: JobsDep) -> dict[str, Any]:
    """Where the simulation is: queued, running (with its progress), done (its tables), or failed (why)."""
    return _shown(jobs.status(job_id, principal))


@router.get("/simulations/{job_id}/tables/{name}")
def table(
    job_id: JobId,
    name: Annotated[str, Path(pattern="^(" + "|".join(TABLES) + ")$")],
    principal: PrincipalDep,
    app: AppDep,
    jobs: JobsDep,
) -> dict[str, Any]:
    """One of the simulation's tables as rows (amounts in fen)."""
    rows = jobs.table(job_id, principal, name).to_dicts()
    record_now(app.engine, principal.username, "read_simulation", "simulation", job_id, {"table": name})
    return {"table": name, "rows": rows}


@router.get(
    "/simulations/{job_id}/reports/{scenario}/{date}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the equity report, A4"}},
)
def report(
    job_id: JobId,
    scenario: Annotated[str, Path(max_length=64)],
    date: dt.date,
    principal: PrincipalDep,
    app: AppDep,
    jobs: JobsDep,
    params: ParamsDep,
    lang: Lang = "zh",
) -> Response:
    """The 公平性评估 report of one reform and date, as a PDF."""
    data = jobs.report(job_id, principal, scenario, date, lang, params)
    record_now(app.engine, principal.username, "read_simulation", "simulation", job_id, {"report": scenario})
    headers = {"Content-Disposition": f'attachment; filename="simulation-{job_id}-{scenario}-{date}.pdf"'}
    return Response(data, media_type="application/pdf", headers=headers)
