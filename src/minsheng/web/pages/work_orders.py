"""核查工单: the jurisdiction's work orders, as a filtered, paged list.

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
from minsheng.web.api.deps import TodayDep
from minsheng.web.pages.alerts import MAX_ROW, PAGE_SIZE, area_name, digits, township_choices, whole
from minsheng.web.pages.common import PageUowDep, UserDep, render
from minsheng.web.pages.work_order import FLOW

router = APIRouter(include_in_schema=False)


def _filters(query: Mapping[str, str]) -> dict[str, Any]:
    return {
        "status": query.get("status") if query.get("status") in STATUSES else "",
        "township": digits(query.get("township")),
        "mine": query.get("mine") in ("1", "true"),
        "overdue": query.get("overdue") in ("1", "true"),
        "page": whole(query.get("page"), 1, 1, MAX_ROW // PAGE_SIZE),
    }


def _query(filters: Mapping[str, Any], **change: Any) -> str:
    merged = {**filters, **change}
    return urlencode({k: (1 if v is True else v) for k, v in merged.items() if v})


@router.get("/work-orders", response_class=HTMLResponse)
def order_list(request: Request, user: UserDep, uow: PageUowDep, today: TodayDep) -> Any:
    f = _filters(request.query_params)
    page = queries.list_orders(
        uow.connection,
        user,
        today=today,
        status=f["status"],
        township=f["township"],
        assignee=user.username if f["mine"] else "",
        overdue=f["overdue"],
        limit=PAGE_SIZE,
        offset=(f["page"] - 1) * PAGE_SIZE,
    )
    return render(
        request,
        "work_orders.html",
        {
            "user": user,
            "f": f,
            "rows": [o | {"township_name": area_name(o["township"])} for o in page.items],
            "total": page.total,
            "pages": max(1, -(-page.total // PAGE_SIZE)),
            "prev": _query(f, page=f["page"] - 1),
            "next": _query(f, page=f["page"] + 1),
            "statuses": FLOW,
            "townships": township_choices(user),
        },
    )
