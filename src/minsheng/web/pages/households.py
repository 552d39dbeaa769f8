"""一户一档: find a household, then see all of it on one page."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from minsheng.codes import id_number
from minsheng.errors import InvalidInput
from minsheng.readmodels import profile
from minsheng.registry import access
from minsheng.rules.explain_text import STATUS_ZH, format_parameter, format_value
from minsheng.security import audit
from minsheng.web.api.deps import AppDep, ParamsDep, TodayDep
from minsheng.web.pages.common import PageUowDep, UserDep, beijing_time, lang_of, render

router = APIRouter(include_in_schema=False)
PAGE = 50
# In every handler the unit of work comes before `user`: it finds the session's user in its own
# transaction, and `user` reuses that (named first, `user` looked the session up again on a
# connection of its own — a second look-up on every page).


@router.get("/households", response_class=HTMLResponse)
def households_page(
    request: Request,
    uow: PageUowDep,
    user: UserDep,
    app: AppDep,
    township: Annotated[str, Query(max_length=12, pattern="^[0-9]*$")] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Any:
    found = access.search_households(
        uow.connection, user, app.cipher, township=township, limit=PAGE, offset=(page - 1) * PAGE
    )
    return render(
        request,
        "households.html",
        {"user": user, "found": found, "township": township, "page": page, "pages": -(-found.total // PAGE), "q": ""},
    )


@router.post("/households", response_class=HTMLResponse)
def search_page(
    request: Request,
    uow: PageUowDep,
    user: UserDep,
    app: AppDep,
    q: Annotated[str, Form(max_length=64)] = "",
) -> Any:
    """A search is a POST: the query (perhaps an ID number) never reaches a URL or a log.
    Full-width digits (１１０１…, as a Chinese input method types them) count as digits; an
    ID number whose check digit is wrong finds nothing, and the page says why."""
    q = unicodedata.normalize("NFKC", q).strip()
    if not q:
        raise InvalidInput("q", "请输入身份证号、户编号或姓名", "enter an ID number, a household number or a name")
    found = access.search_households(uow.connection, user, app.cipher, q=q, limit=PAGE)
    audit.record(uow.connection, user.username, "search_households", "query", "", {"hits": found.total})
    uow.commit()
    context = {"user": user, "found": found, "township": "", "page": 1, "pages": 1, "q": q}
    return render(request, "households.html", context | {"hint": search_hint(q, found.total)})


def search_hint(q: str, hits: int) -> str | None:
    """Why a search found nothing, where the query says it: an ID number of the wrong length
    or with a wrong check digit (catalogue keys of households.yaml)."""
    if hits:
        return None
    value = id_number.normalise(q)
    if re.fullmatch(r"[0-9]{17}[0-9X]", value) and id_number.check_char(value[:17]) != value[17]:
        return "hh.hint_check_digit"
    if re.fullmatch(r"[0-9]{14,20}X?", value) and len(value) != 18:
        return "hh.hint_length"
    return "hh.hint_none"


@router.get("/households/{household_id}", response_class=HTMLResponse)
def household_page(
    request: Request, household_id: str, uow: PageUowDep, user: UserDep, today: TodayDep, params: ParamsDep
) -> Any:
    data = profile.household_profile(uow.connection, user, household_id, today=today, params=params)
    uow.commit()  # the audited read
    data["viewers"] = [v | {"at": beijing_time(v["at"])} for v in data["viewers"]]
    lang = lang_of(request)
    return render(
        request,
        "household.html",
        {
            "user": user,
            "p": data,
            "fmt": lambda v: format_value(v, lang),
            "fmt_param": lambda p: format_parameter(p, lang),
            "status_text": lambda s: STATUS_ZH[s] if lang == "zh" else s,
            "yuan": lambda fen: "" if fen is None else f"{fen / 100:,.2f}",
        },
    )
