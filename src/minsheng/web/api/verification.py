"""家庭经济状况核对: record a household's authorisation, produce its verification report, read it
back as JSON or as a PDF. Every step is audited; another area's household or report is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from minsheng.verification import authorisation, report
from minsheng.verification.pdf import render_pdf
from minsheng.verification.view import view
from minsheng.web.api.deps import ParamsDep, PrincipalDep, TodayDep, UowDep
from minsheng.web.messages import LANGS, translator

router = APIRouter(prefix="/api", tags=["verification"])
ReportId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Lang = Annotated[str, Query(pattern="^(zh|en)$", description="the PDF's language")]


class Authorisation(BaseModel):
    signed_by: str = Field(min_length=1, max_length=64, description="the member who signed, as registered")
    signed_on: dt.date
    valid_until: dt.date | None = Field(default=None, description="blank: no end date")
    document_ref: str = Field(min_length=1, max_length=128, description="the form's number or scan reference")


@router.post("/households/{household_id}/verification-authorisations", status_code=201)
def record_authorisation(
    household_id: str, body: Authorisation, uow: UowDep, principal: PrincipalDep, today: TodayDep
) -> dict[str, int]:
    """Record the household's signed authorisation (核对授权); audited."""
    new_id = authorisation.record_authorisation(
        uow.connection,
        principal,
        household_id,
        signed_by=body.signed_by,
        signed_on=body.signed_on,
        valid_until=body.valid_until,
        document_ref=body.document_ref,
        today=today,
    )
    uow.commit()
    return {"id": new_id}


@router.post("/households/{household_id}/verification-reports", status_code=201)
def produce_report(
    household_id: str, uow: UowDep, principal: PrincipalDep, today: TodayDep, params: ParamsDep
) -> dict[str, Any]:
    """Produce, store and return today's verification report (409 without a valid authorisation); audited."""
    produced = report.produce(uow.connection, principal, household_id, as_of=today, params=params)
    uow.commit()
    return produced


@router.get("/verification-reports/{report_id}")
def read_report(report_id: ReportId, uow: UowDep, principal: PrincipalDep) -> dict[str, Any]:
    """A stored report as it was produced (format minsheng.verification/v1); audited."""
    found = report.read(uow.connection, principal, report_id, view="json")
    uow.commit()
    return found


@router.get(
    "/verification-reports/{report_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the report as a PDF"}},
)
def report_pdf(report_id: ReportId, uow: UowDep, principal: PrincipalDep, lang: Lang = "zh") -> Response:
    """A stored report as a PDF with the Chinese font embedded; audited."""
    found = report.read(uow.connection, principal, report_id, view="pdf")
    data = render_pdf(view(found, translator(lang), lang), lang=lang if lang in LANGS else "zh")
    uow.commit()  # the audited read, once the PDF exists
    return pdf_response(data, report_id)


def pdf_response(data: bytes, report_id: int) -> Response:
    """Sent as a download; never cached (personal data)."""
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="verification-report-{report_id}.pdf"',
            "Cache-Control": "no-store",
        },
    )
