"""核查工单: the jurisdiction's work orders, as a filtered list paged on the server, the
filters in the URL, nearest deadline first (or red first); each row with the head of
household, village, reason, the figure behind it and the deadline; Excel of the filtered list.

One work order's page is `work_order` (what it shows) and `work_order_actions` (the
forms it posts); the rules are `casework.orders` and `casework.decisions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from minsheng.casework import queries
from minsheng.casework.orders import STATUSES
from minsheng.security.users import Principal
from minsheng.web.api.deps import TodayDep
from minsheng.web.pages.alerts import MAX_ROW, PAGE_SIZE, area_name, digits, figure_text, township_choices, whole
from minsheng.web.pages.common import PageUowDep, UserDep, lang_of, render
from minsheng.web.pages.work_order import FLOW

router = APIRouter(include_in_schema=False)


SORTS = ("deadline", "grade")


def filters(query: Mapping[str, str]) -> dict[str, Any]:
    return {
        "status": query.get("status") if query.get("status") in STATUSES else "",
        "township": digits(query.get("township")),
        "mine": query.get("mine") in ("1", "true"),
        "overdue": query.get("overdue") in ("1", "true"),
        "sort": query.get("sort") if query.get("sort") in SORTS else "deadline",
        "page": whole(query.get("page"), 1, 1, MAX_ROW // PAGE_SIZE),
    }


def list_filters(f: Mapping[str, Any], user: Principal) -> dict[str, Any]:
    """The list's filters as `queries.list_orders` takes them (the page and its Excel)."""
    return {
        "status": f["status"],
        "township": f["township"],
        "assignee": user.username if f["mine"] else "",
        "overdue": f["overdue"],
        "sort": f["sort"],
    }


def _query(filters: Mapping[str, Any], **change: Any) -> str:
    merged = {**filters, **change}
    return urlencode(
        {k: (1 if v is True else v) for k, v in merged.items() if v and not (k == "sort" and v == "deadline")}
    )


@router.get("/work-orders", response_class=HTMLResponse)
def order_list(request: Request, user: UserDep, uow: PageUowDep, today: TodayDep) -> Any:
    f = filters(request.query_params)
    lang = lang_of(request)
    page = queries.list_orders(
        uow.connection, user, today=today, limit=PAGE_SIZE, offset=(f["page"] - 1) * PAGE_SIZE, **list_filters(f, user)
    )
    return render(
        request,
        "work_orders.html",
        {
            "user": user,
            "f": f,
            "rows": [
                o | {"area": area_name(o["residence_division"]), "figure_text": figure_text(o["figure"], lang)}
                for o in page.items
            ],
            "total": page.total,
            "pages": max(1, -(-page.total // PAGE_SIZE)),
            "prev": _query(f, page=f["page"] - 1),
            "next": _query(f, page=f["page"] + 1),
            "sort_deadline": _query(f, sort="deadline", page=1),
            "sort_grade": _query(f, sort="grade", page=1),
            "excel": _query(f, page=0),
            "statuses": FLOW,
            "townships": township_choices(user),
        },
    )
