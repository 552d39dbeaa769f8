"""公示: the households receiving a programme in one village, as a page to print on A4 and
as .xlsx, with names masked to the surname (张*) and ID numbers to their ends
(110105********002X). The notice period is the dated parameter `casework.notice_days`.
Printing or downloading a notice is an export: audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from minsheng.codes.divisions import divisions
from minsheng.db.uow import UnitOfWork
from minsheng.errors import InvalidInput, MissingParameterValue
from minsheng.readmodels import lists
from minsheng.security import audit
from minsheng.security.users import Principal
from minsheng.web.api.deps import ParamsDep, TodayDep
from minsheng.web.messages import translator
from minsheng.web.pages import sheets
from minsheng.web.pages.common import PageUowDep, UserDep, lang_of, render
from minsheng.web.pages.exports import known_programme, programme_label, programmes

router = APIRouter(include_in_schema=False)

COLUMNS = {
    "head_name": "notice.col.head",
    "head_id_number": "notice.col.id_number",
    "size": "notice.col.size",
    "benefit": "notice.col.benefit",
    "since": "notice.col.since",
}


@router.get("/notice", response_class=HTMLResponse)
def notice_form(request: Request, user: UserDep, uow: PageUowDep) -> Any:
    lists.within(user)  # analysts: 403
    villages = lists.areas(uow.connection, user)["villages"]
    return render(request, "notice.html", {"user": user, "villages": villages, "programmes": programmes()})


@router.get("/notice/print", response_class=HTMLResponse)
def notice_print(
    request: Request,
    user: UserDep,
    uow: PageUowDep,
    params: ParamsDep,
    today: TodayDep,
    village: str = "",
    programme: str = "",
    since: str = "",
) -> Any:
    notice = _notice(uow, user, params, today, village, programme, since, "print")
    lang = lang_of(request)
    return render(
        request,
        "notice.html",
        {
            "user": user,
            "notice": notice,
            "programme_label": programme_label(notice["programme"], lang),
            "rows": notice["households"].to_dicts(),
            "query": request.url.query,
        },
    )


@router.get("/notice.xlsx")
def notice_xlsx(
    request: Request,
    user: UserDep,
    uow: PageUowDep,
    params: ParamsDep,
    today: TodayDep,
    village: str = "",
    programme: str = "",
    since: str = "",
) -> Response:
    notice = _notice(uow, user, params, today, village, programme, since, "xlsx")
    lang = lang_of(request)
    t = translator(lang)
    label = programme_label(notice["programme"], lang)
    frame = notice["households"].rename({c: t(k) for c, k in COLUMNS.items()})
    period = t("notice.period").format(days=notice["days"], start=notice["start"], end=notice["end"])
    data = sheets.workbook(
        frame,
        t("notice.sheet"),
        title=f"{notice['village_name']} · {label} · {t('notice.heading')}",
        notes=[
            period,
            t("notice.objection").format(office=notice["office"], county=notice["county"]),
            t("notice.masked"),
        ],
    )
    return sheets.download(data, f"notice-{notice['village']}-{notice['programme']}-{today:%Y%m%d}.xlsx")


def _notice(
    uow: UnitOfWork,
    user: Principal,
    params: ParamsDep,
    today: dt.date,
    village: str,
    programme: str,
    since: str,
    form: str,
) -> dict[str, Any]:
    """The notice's content, audited in the request's unit of work (committed here)."""
    code = lists.within(user, village)
    if len(code) != 12:
        raise InvalidInput(
            "village", "请选择一个村（社区）：12位区划代码", "choose a village: a 12-digit division code"
        )
    known_programme(programme, required=True)
    start = _date(since)
    days = params.value("casework.notice_days", code[:6], today)
    if days is None:
        raise MissingParameterValue(
            f"{code[:6]} 没有公示期参数", f"no notice period (casework.notice_days) for {code[:6]}"
        )
    households = lists.notice_households(uow.connection, code, programme, start)
    audit.record(
        uow.connection,
        user.username,
        "export",
        "notice",
        code,
        {
            "list": "notice",
            "village": code,
            "programme": programme,
            "since": since or None,
            "rows": households.height,
            "format": form,
        },
    )
    uow.commit()
    town = divisions().lookup(code[:9])
    county = divisions().lookup(code[:6])
    return {
        # objections go to the county's civil-affairs bureau by its own name (朝阳区, 通渭县), not "县级"
        "county": county.name if county else code[:6],
        "village": code,
        "village_name": lists.division_name(code),
        "office": town.name if town else code[:9],
        "programme": programme,
        "since": start,
        "households": households,
        "days": int(days),
        "start": today.isoformat(),
        "end": (today + dt.timedelta(days=int(days) - 1)).isoformat(),
        "today": today.isoformat(),
    }


def _date(text: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("since", "日期格式应为YYYY-MM-DD", "a date is written YYYY-MM-DD") from None
