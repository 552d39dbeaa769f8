"""改革测算: the analyst's page (issue 13 §2). Choose a programme, see every parameter of it with
its value in force, level and source, change values in a form (no YAML), save the scenario by name
(versioned, audited, shared by its link within the area), run up to three against current policy
as a background job (`simulation.jobs`, the same one the REST API starts), and read the results
(`pages.simulation_runs`). Aggregates only: no page here names a person or a household.

The rules are elsewhere: the form's values become a reform in `simulation.reform_form`, saving
and sharing are `simulation.scenarios`, the run is `simulation.jobs`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from minsheng.errors import InvalidInput, MinshengError
from minsheng.programmes.registry import model
from minsheng.security.audit import record
from minsheng.security.users import Principal
from minsheng.simulation import reform_form, scenarios
from minsheng.simulation.jobs import MAX_DATES, MAX_REFORMS, Spec
from minsheng.web.api.deps import ParamsDep, TodayDep
from minsheng.web.api.simulations import JobsDep
from minsheng.web.pages.alerts import FormDep, row_id
from minsheng.web.pages.common import PageUowDep, UserDep, lang_of, render

router = APIRouter(include_in_schema=False)
PATH = "/simulation"
FRAMES = ("registry", "representative")


def _area(user: Principal) -> str:
    """Where a scenario's values are set: the user's area (a township's user: its county)."""
    return user.jurisdiction if len(user.jurisdiction) <= 6 else user.jurisdiction[:6]


@router.get(PATH, response_class=HTMLResponse)
def index(request: Request, user: UserDep, uow: PageUowDep, jobs: JobsDep, today: TodayDep) -> Any:
    scenarios.may_use(user)
    saved = scenarios.listed(uow.connection, user)
    names = {s.reform_id: s.label(lang_of(request)) for s in saved}
    return render(
        request,
        "simulation.html",
        {
            "user": user,
            "today": today,
            "saved": saved,
            "runs": jobs.recent(user),
            "names": names,
            "programmes": list(model().programmes.values()),
            "frames": FRAMES,
            "max_reforms": MAX_REFORMS,
        },
    )


@router.get(f"{PATH}/new", response_class=HTMLResponse)
def new(
    request: Request,
    user: UserDep,
    uow: PageUowDep,
    params: ParamsDep,
    today: TodayDep,
    programme: str = "dibao",
    base: str | None = None,
    effective: dt.date | None = None,
) -> Any:
    """The form: from current values, or from a saved version (`base`) to save the next one."""
    scenarios.may_use(user)
    typed: dict[str, str] = {}
    if base is not None:
        saved = scenarios.get(uow.connection, user, row_id(base))
        programme, effective = saved.programme or programme, effective or saved.effective
        typed = {"name": saved.name, "note": saved.note} | _typed_from(saved)
    return _form(request, user, params, programme, effective or today, typed)


def _form(
    request: Request,
    user: Principal,
    params: Any,
    programme: str,
    effective: dt.date,
    typed: dict[str, str],
    errors: dict[str, tuple[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    if programme not in model().programmes:
        raise InvalidInput("programme", f"没有救助项目 {programme}", f"no programme {programme!r}")
    lang = lang_of(request)
    shown = {k: (v[0] if lang == "zh" else v[1]) for k, v in (errors or {}).items()}
    return render(
        request,
        "simulation_form.html",
        {
            "user": user,
            "area": _area(user),
            "programme": programme,
            "effective": effective,
            "fields": reform_form.fields(model(), params, programme, _area(user), effective),
            "editable": reform_form.EDITABLE,
            "unit_of": reform_form.unit,
            "typed": typed,
            "errors": shown,
        },
        status_code=status_code,
    )


def _typed_from(saved: scenarios.Saved) -> dict[str, str]:
    """A saved version's changes as the form's fields (the user's own area's values)."""
    return {f"v:{c['parameter']}:{c['axis']}": c["new"] for c in saved.changes if c["region"] == saved.jurisdiction[:6]}


@router.post(f"{PATH}/new", response_class=HTMLResponse)
def save(request: Request, user: UserDep, uow: PageUowDep, params: ParamsDep, form: FormDep, today: TodayDep) -> Any:
    scenarios.may_use(user)
    typed = {k: str(v) for k, v in form.items()}
    programme = typed.get("programme", "dibao")
    errors: dict[str, tuple[str, str]] = {}
    try:
        effective = dt.date.fromisoformat(typed.get("effective", ""))
    except ValueError:
        effective, errors["effective"] = today, ("日期应写作 2026-07-01 的形式", "a date is YYYY-MM-DD")
    name = typed.get("name", "").strip()
    if not name or len(name) > scenarios.MAX_NAME:
        errors["name"] = (
            f"请填写方案名称（最多{scenarios.MAX_NAME}字）",
            f"give the scenario a name (at most {scenarios.MAX_NAME} characters)",
        )
    built = reform_form.build(params, programme, _area(user), effective, typed, "draft", name or "draft")
    errors |= built.errors
    if errors:
        return _form(request, user, params, programme, effective, typed, errors, status_code=422)
    saved = scenarios.save(
        uow.connection,
        user,
        name=name,
        programme=programme,
        effective=effective,
        form=built,
        params=params,
        note=typed.get("note", ""),
    )
    uow.commit()
    return RedirectResponse(f"{PATH}/scenarios/{saved.id}?done=saved", status_code=303)


@router.get(PATH + "/scenarios/{scenario_id}", response_class=HTMLResponse)
def scenario(request: Request, scenario_id: str, user: UserDep, uow: PageUowDep, today: TodayDep) -> Any:
    saved = scenarios.get(uow.connection, user, row_id(scenario_id))
    record(uow.connection, user.username, "read_scenario", "simulation_scenario", str(saved.id))
    uow.commit()
    return render(
        request,
        "simulation_scenario.html",
        {
            "user": user,
            "s": saved,
            "versions": scenarios.versions(uow.connection, user, saved),
            "done": request.query_params.get("done") == "saved",
            "frames": FRAMES,
            "today": today,
            "unit_of": reform_form.unit,
        },
    )


@router.get(PATH + "/scenarios/{scenario_id}/reform.yaml")
def scenario_file(scenario_id: str, user: UserDep, uow: PageUowDep) -> Response:
    """The saved version as a reform file: `minsheng simulate --reform` runs it as the page did."""
    saved = scenarios.get(uow.connection, user, row_id(scenario_id))
    headers = {"Content-Disposition": f'attachment; filename="scenario-{saved.id}.yaml"'}
    return Response(saved.reform.encode("utf-8"), media_type="application/yaml", headers=headers)


@router.post(f"{PATH}/runs")
def run(request: Request, user: UserDep, uow: PageUowDep, params: ParamsDep, jobs: JobsDep, form: FormDep) -> Any:
    """Queue a run of 1–3 saved versions against current policy; the browser follows its progress."""
    from minsheng.bootstrap import App

    scenarios.may_use(user)
    chosen = [row_id(str(v)) for v in form.getlist("scenario")]
    if not 1 <= len(chosen) <= MAX_REFORMS:
        raise InvalidInput("scenario", f"请选择1至{MAX_REFORMS}个方案", f"choose 1 to {MAX_REFORMS} scenarios")
    texts = [scenarios.get(uow.connection, user, i).reform for i in chosen]
    try:
        dates = sorted({dt.date.fromisoformat(d.strip()) for d in str(form.get("dates", "")).split(",") if d.strip()})
    except ValueError:
        raise InvalidInput("dates", "测算日期应写作 2026-07-01 的形式", "dates are YYYY-MM-DD") from None
    if not 1 <= len(dates) <= MAX_DATES:
        raise InvalidInput("dates", f"测算日期应为1至{MAX_DATES}个", f"give 1 to {MAX_DATES} dates")
    frame = str(form.get("frame", "registry"))
    if frame not in FRAMES:
        raise MinshengError(f"未知测算总体 {frame}", f"unknown frame {frame}")
    app: App = request.app.state.minsheng
    job = jobs.submit(user, Spec(tuple(texts), tuple(dates), frame), app.engine, params)
    record(uow.connection, user.username, "simulate", "simulation", job.id, {"dates": job.dates, "scenarios": chosen})
    uow.commit()
    return RedirectResponse(f"{PATH}/runs/{job.id}", status_code=303)
