"""本地参数: an administrator's page for the area's local choices (issue 12 §5).

It lists every local choice with its national rule, the value in force, the document and date
that set it and its status; proposes a value (the Excel template's fields; each problem shown
beside its field) or uploads the filled-in template (row errors as a table); and lets another
person approve or reject a pending proposal. The rules are `localparams`: the workbook's one
check (`workbook.check_rows`), maker-checker and the audit in `store`; no rule lives here.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from minsheng.contract.files import RowError
from minsheng.db.uow import UnitOfWork
from minsheng.errors import Conflict, Forbidden, ImportRejected, InvalidInput, MinshengError, NotFound
from minsheng.localparams import overview, store, workbook
from minsheng.programmes.local_choices import local_choices
from minsheng.programmes.registry import baseline
from minsheng.security.audit import record
from minsheng.security.users import Principal
from minsheng.web.api.deps import ParamsDep, TodayDep
from minsheng.web.api.errors import STATUS
from minsheng.web.pages import sheets
from minsheng.web.pages.alerts import FormDep, row_id
from minsheng.web.pages.common import PageUowDep, UserDep, lang_of, render

router = APIRouter(include_in_schema=False)

PATH = "/local-parameters"
MAX_UPLOAD_BYTES = 900 * 1024  # under the 1 MiB body limit of a form (settings.max_request_bytes)
FORM_FIELDS = ("parameter", "region", "effective", "value", "value_rural", "doc", "title", "clause", "url", "note")
DONE = ("proposed", "uploaded", "approved", "rejected")
RECENT = 10  # decided submissions shown under the pending ones


def _may_see(user: Principal) -> None:
    if user.role not in store.SUBMITTERS | store.APPROVERS:
        raise Forbidden(
            "只有系统管理员和区县审核人员可以查看本地参数",
            "only administrators and county reviewers see local parameters",
        )


def _division(user: Principal) -> str:
    """The area the page is about: the user's jurisdiction (a township's user: its county)."""
    return user.jurisdiction if len(user.jurisdiction) in (2, 4, 6) else user.jurisdiction[:6]


def _page(
    request: Request,
    user: Principal,
    uow: UnitOfWork,
    params: Any,
    today: dt.date,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    conn = uow.connection
    division = _division(user)
    pending = store.batches(conn, jurisdiction=division, status="pending")
    decided = [b for b in store.batches(conn, jurisdiction=division) if b["status"] != "pending"][-RECENT:][::-1]
    for batch in pending:
        batch["values"] = store.batch_values(conn, batch["id"])
    named = {v.parameter for b in pending for v in b["values"]}
    done = request.query_params.get("done")
    lang = lang_of(request)
    shipped = local_choices(baseline())
    return render(
        request,
        "local_params.html",
        {
            "user": user,
            "division": division,
            "today": today,
            "choices": overview.choices(params, division, today, named),
            "options": [(p.id, p.label_zh, p.label_en, bool(p.axis)) for p in shipped],
            "labels": {p.id: p.label(lang) for p in shipped},
            "pending": pending,
            "decided": decided,
            "may_submit": user.role in store.SUBMITTERS,
            "may_decide": user.role in store.APPROVERS,
            "done": done if done in DONE else None,
            "max_kb": MAX_UPLOAD_BYTES // 1024,
            "typed": context.pop("typed", {}),
            "field_errors": context.pop("field_errors", {}),
            **context,
        },
        status_code=status_code,
    )


@router.get(PATH, response_class=HTMLResponse)
def local_parameters(request: Request, user: UserDep, uow: PageUowDep, params: ParamsDep, today: TodayDep) -> Any:
    _may_see(user)
    return _page(request, user, uow, params, today)


@router.get(f"{PATH}/template.xlsx")
def template(user: UserDep) -> Response:
    """The Excel template for the user's area: every local choice, its national rule, an example."""
    _may_see(user)
    with tempfile.TemporaryDirectory() as tmp:
        data = workbook.write(Path(tmp) / "t.xlsx", baseline(), _division(user)).read_bytes()
    return sheets.download(data, f"local-parameters-template-{_division(user)}.xlsx")


@router.get(f"{PATH}/export.xlsx")
def export(user: UserDep, uow: PageUowDep) -> Response:
    """The approved values in force for the area, in the template's shape (it imports again)."""
    _may_see(user)
    division = _division(user)
    values = store.approved_values(uow.connection, division)
    with tempfile.TemporaryDirectory() as tmp:
        data = workbook.write(Path(tmp) / "e.xlsx", baseline(), division, values).read_bytes()
    record(
        uow.connection, user.username, "export_local_parameters", "local_parameters", division, {"values": len(values)}
    )
    uow.commit()
    return sheets.download(data, f"local-parameters-{division}.xlsx")


@router.post(f"{PATH}/propose", response_class=HTMLResponse)
def propose(
    request: Request, user: UserDep, uow: PageUowDep, params: ParamsDep, today: TodayDep, form: FormDep
) -> Response:
    """One value, typed in the form: checked as a template row is; pending until another person approves."""
    _may_see(user)
    typed = {k: str(form.get(k) or "").strip()[:500] for k in FORM_FIELDS}
    division = _division(user)
    rows = _form_rows(typed, division)
    values, errors = workbook.check_rows(rows, baseline(), division, "form")
    if errors:
        found = _field_errors(errors, lang_of(request))
        return _page(request, user, uow, params, today, status_code=422, typed=typed, field_errors=found)
    try:
        batch = store.submit(uow.connection, user, values, division=division, source_file="网页填报 web form")
    except (Forbidden, InvalidInput) as exc:
        uow.rollback()
        problem = _said(exc, lang_of(request))
        return _page(request, user, uow, params, today, status_code=_status(exc), problem=problem, typed=typed)
    uow.commit()
    return RedirectResponse(f"{PATH}?done=proposed&batch={batch}", status_code=303)


def _form_rows(typed: dict[str, str], division: str) -> list[tuple[int, dict[str, str]]]:
    """The form as template rows: one for both urban and rural, or (a rural value given) one each."""
    cell = {k: typed[k] for k in ("parameter", "region", "effective", "value", "doc", "title", "clause", "url", "note")}
    cell["region"] = cell["region"] or division
    if not typed["value_rural"]:
        return [(1, cell | {"axis": ""})]
    return [(1, cell | {"axis": "城镇"}), (2, cell | {"axis": "农村", "value": typed["value_rural"]})]


def _field_errors(errors: list[RowError], lang: str) -> dict[str, str]:
    """Each problem under the field it is about: the rural row's value and axis under the rural value."""
    found: dict[str, list[str]] = {}
    for e in errors:
        field = "value_rural" if e.row == 2 and e.column in ("value", "axis") else (e.column or "parameter")
        reason = e.reason_zh if lang == "zh" else e.reason_en
        if reason not in found.setdefault(field, []):
            found[field].append(reason)
    return {k: "；".join(v) if lang == "zh" else "; ".join(v) for k, v in found.items()}


@router.post(f"{PATH}/upload", response_class=HTMLResponse)
async def upload(request: Request, user: UserDep, uow: PageUowDep, params: ParamsDep, today: TodayDep) -> Response:
    """The filled-in template: all or nothing; every row error listed; pending until approved."""
    _may_see(user)
    division = _division(user)
    async with request.form(max_files=1, max_fields=2) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _page(request, user, uow, params, today, status_code=422, upload_problem="lp.no_file")
        name = Path(upload.filename).name[:120]
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _page(request, user, uow, params, today, status_code=413, upload_problem="lp.too_large")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (name if name.lower().endswith(".xlsx") else f"{name}.xlsx")
        path.write_bytes(data)
        try:
            values = workbook.read(path, baseline(), division)
            batch = store.submit(uow.connection, user, values, division=division, source_file=name)
        except ImportRejected as exc:
            uow.rollback()
            lang = lang_of(request)
            rows = [_shown_error(e, lang) for e in exc.report or []]  # type: ignore[attr-defined]
            error = _said(exc, lang)
            return _page(request, user, uow, params, today, status_code=422, upload_error=error, upload_rows=rows)
        except (Forbidden, InvalidInput) as exc:
            uow.rollback()
            error = _said(exc, lang_of(request))
            return _page(request, user, uow, params, today, status_code=_status(exc), upload_error=error)
    uow.commit()
    return RedirectResponse(f"{PATH}?done=uploaded&batch={batch}", status_code=303)


@router.post(f"{PATH}/{{batch_id}}/approve", response_class=HTMLResponse)
def approve(
    request: Request, batch_id: str, user: UserDep, uow: PageUowDep, params: ParamsDep, today: TodayDep, form: FormDep
) -> Response:
    return _decide(request, row_id(batch_id), True, str(form.get("note") or "")[:2000], user, uow, params, today)


@router.post(f"{PATH}/{{batch_id}}/reject", response_class=HTMLResponse)
def reject(
    request: Request, batch_id: str, user: UserDep, uow: PageUowDep, params: ParamsDep, today: TodayDep, form: FormDep
) -> Response:
    return _decide(request, row_id(batch_id), False, str(form.get("note") or "")[:2000], user, uow, params, today)


def _decide(
    request: Request,
    batch: int,
    approve: bool,
    note: str,
    user: Principal,
    uow: UnitOfWork,
    params: Any,
    today: dt.date,
) -> Response:
    """Maker-checker is `store.decide`'s: a refusal (the submitter, decided already, no reason)
    shows the page again with the reason beside the submission."""
    _may_see(user)
    try:
        store.decide(uow.connection, user, batch, approve=approve, note=note.strip())
    except (Forbidden, Conflict, InvalidInput, NotFound) as exc:
        uow.rollback()
        error = (batch, _said(exc, lang_of(request)))
        return _page(request, user, uow, params, today, status_code=_status(exc), decide_error=error)
    uow.commit()
    return RedirectResponse(f"{PATH}?done={'approved' if approve else 'rejected'}&batch={batch}", status_code=303)


def _said(exc: MinshengError, lang: str) -> str:
    """The message in the page's language; a form's field code (InvalidInput's "note：") left out."""
    text = exc.zh if lang == "zh" else exc.en
    if isinstance(exc, InvalidInput):
        return text.removeprefix(f"{exc.field}：").removeprefix(f"{exc.field}: ")
    return text


def _shown_error(e: RowError, lang: str) -> dict[str, Any]:
    """A workbook row error as the page lists it: the column by its header in the page's language."""
    field = next((f for f in workbook.FIELDS if f.key == e.column), None)
    column = (field.zh if lang == "zh" else field.en) if field else (e.column or "—")
    return {
        "row": e.row,
        "column": column,
        "value": e.value or "",
        "reason": e.reason_zh if lang == "zh" else e.reason_en,
    }


def _status(exc: MinshengError) -> int:
    """The status the JSON API gives the same refusal (`web.api.errors.STATUS`)."""
    return next((status for kind, status, _ in STATUS if isinstance(exc, kind)), 422)
