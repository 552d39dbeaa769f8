"""家庭经济状况核对 pages: a household's authorisations and reports, a report, its PDF.

    /households/{id}/verification                   authorisations, the form to record one, reports
    POST …/verification/authorisations              record the signed authorisation → back (303)
    POST …/verification/reports                     produce a report → the report (303)
    /verification-reports/{report_id}               the stored report
    /verification-reports/{report_id}.pdf           the same as a PDF

Forms are posted and answered with a redirect (POST-redirect-GET); a wrong value, or a
report asked for without a valid authorisation, shows the page again with the message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from minsheng.db.uow import UnitOfWork
from minsheng.errors import Conflict, InvalidInput
from minsheng.security.users import Principal
from minsheng.verification import authorisation, report
from minsheng.verification.pdf import render_pdf
from minsheng.verification.view import view
from minsheng.web.api.deps import ParamsDep, TodayDep
from minsheng.web.api.verification import pdf_response
from minsheng.web.messages import translator
from minsheng.web.pages.alerts import FormDep, row_id
from minsheng.web.pages.common import PageUowDep, UserDep, lang_of, render

router = APIRouter(include_in_schema=False)
FORM_FIELDS = ("signed_by", "signed_on", "valid_until", "document_ref")


@router.get("/households/{household_id}/verification", response_class=HTMLResponse)
def verification_page(request: Request, household_id: str, user: UserDep, uow: PageUowDep, today: TodayDep) -> Any:
    return _overview(request, household_id, user, uow, today)


@router.post("/households/{household_id}/verification/authorisations")
def record_authorisation(
    request: Request, household_id: str, user: UserDep, uow: PageUowDep, today: TodayDep, form: FormDep
) -> Response:
    typed = {k: str(form.get(k) or "").strip()[:128] for k in FORM_FIELDS}
    try:
        authorisation.record_authorisation(
            uow.connection,
            user,
            household_id,
            signed_by=typed["signed_by"],
            signed_on=_date(typed["signed_on"], "signed_on", required=True) or today,
            valid_until=_date(typed["valid_until"], "valid_until", required=False),
            document_ref=typed["document_ref"],
            today=today,
        )
        uow.commit()
    except InvalidInput as exc:
        uow.rollback()
        return _overview(
            request, household_id, user, uow, today, error=exc.message(lang_of(request)), typed=typed, status_code=422
        )
    return RedirectResponse(f"/households/{household_id}/verification?done=authorisation", status_code=303)


@router.post("/households/{household_id}/verification/reports")
def produce_report(
    request: Request, household_id: str, user: UserDep, uow: PageUowDep, today: TodayDep, params: ParamsDep
) -> Response:
    try:
        produced = report.produce(uow.connection, user, household_id, as_of=today, params=params)
        uow.commit()
    except Conflict as exc:
        uow.rollback()
        return _overview(request, household_id, user, uow, today, error=exc.message(lang_of(request)), status_code=409)
    return RedirectResponse(f"/verification-reports/{produced['id']}", status_code=303)


@router.get("/verification-reports/{report_id}.pdf")
def report_pdf(request: Request, report_id: str, user: UserDep, uow: PageUowDep) -> Response:
    lang = lang_of(request)
    found = report.read(uow.connection, user, row_id(report_id), view="pdf")
    data = render_pdf(view(found, translator(lang), lang), lang=lang)
    uow.commit()
    return pdf_response(data, found["id"])


@router.get("/verification-reports/{report_id}", response_class=HTMLResponse)
def report_page(request: Request, report_id: str, user: UserDep, uow: PageUowDep) -> Any:
    lang = lang_of(request)
    found = report.read(uow.connection, user, row_id(report_id), view="page")
    uow.commit()
    return render(
        request,
        "verification_report.html",
        {"user": user, "r": found, "v": view(found, translator(lang), lang)},
    )


def _overview(
    request: Request,
    household_id: str,
    user: Principal,
    uow: UnitOfWork,
    today: dt.date,
    *,
    error: str = "",
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    data = report.overview(uow.connection, user, household_id, today=today)
    uow.commit()  # the audited read
    return render(
        request,
        "verification.html",
        {
            "user": user,
            "o": data,
            "error": error,
            "typed": typed or {"signed_on": today.isoformat()},
            "done": request.query_params.get("done", ""),
            "today": today,
        },
        status_code=status_code,
    )


def _date(text: str, field: str, *, required: bool) -> dt.date | None:
    if not text and not required:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, "应为日期（年-月-日）", "must be a date (YYYY-MM-DD)") from None
