"""预警队列: the alerts of the user's jurisdiction, red first; a bulk "open work orders and
assign them" in one transaction; one alert with the department records behind it.

Routes translate the request and call `casework.queries` / `casework.orders`; the rules
(who may open, who may be assigned, one order per alert) live there. A few helpers here
are shared with the work-order pages (`row_id`, `FormDep`, `field_workers`, `area_name`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, select
from starlette.datastructures import FormData

from minsheng.casework import orders, queries
from minsheng.casework.tables import WORK_ORDERS
from minsheng.codes.divisions import divisions
from minsheng.contract.columns import FEED_KINDS, FEED_SOURCES
from minsheng.db.uow import UnitOfWork
from minsheng.errors import Conflict, InvalidInput, MinshengError, NotFound
from minsheng.monitoring.warnings import RULES, SEVERITY_RANK
from minsheng.registry.tables import HOUSEHOLDS
from minsheng.security.tables import USERS
from minsheng.security.users import ROLES, Principal
from minsheng.web.api.deps import ParamsDep, TodayDep
from minsheng.web.messages import translator
from minsheng.web.pages.common import PageUowDep, UserDep, lang_of, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
MAX_ROW = 2**31 - 1  # row ids are 32-bit integers in both databases
ALERT_STATUSES = ("open", "in_check", "closed")
SEVERITIES = sorted(SEVERITY_RANK, key=SEVERITY_RANK.__getitem__, reverse=True)  # red, orange, yellow


# ── shared with the work-order pages ────────────────────────────────────────────────────


async def read_form(request: Request) -> FormData:
    """The posted form as it came: the route reads and checks each field itself, so a wrong
    value re-renders the page with a message instead of a bare validation error."""
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]


def row_id(text: str) -> int:
    """A record id from a URL or form; anything else is a record that does not exist."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ROW:
        raise NotFound(f"没有编号为 {text[:20]} 的记录", f"no record {text[:20]}")
    return int(text)


def digits(text: str | None, size: int = 12) -> str:
    text = (text or "").strip()
    return text if text.isascii() and text.isdigit() and len(text) <= size else ""


def whole(text: str | None, default: int, low: int, high: int) -> int:
    text = (text or "").strip()
    return min(max(int(text), low), high) if text.isascii() and text.isdigit() else default


def area_name(code: str | None) -> str:
    """A township's name, or a village as 'township · 001号村（社区）'."""
    if not code:
        return ""
    book = divisions()
    found = book.lookup(code)
    if found is None:
        return code
    if len(code) == 12:
        town = book.lookup(code[:9])
        return f"{town.name} · {found.name}" if town else found.name
    return found.name


def township_choices(principal: Principal) -> list[tuple[str, str]]:
    """The townships a county (or wider) user can filter by; none for a township or village user."""
    if len(principal.jurisdiction) == 6:
        return [(d.code, d.name) for d in divisions().townships(principal.jurisdiction)]
    return []


def field_workers(conn: Connection, principal: Principal, residences: Iterable[str]) -> list[dict[str, Any]]:
    """Active village and township caseworkers in the user's jurisdiction whose area covers
    at least one of the households (`orders.assign` checks each order again)."""
    wanted = set(residences)
    rows = conn.execute(
        select(USERS.c.username, USERS.c.display_name, USERS.c.role, USERS.c.jurisdiction)
        .where(
            USERS.c.active.is_(True),
            USERS.c.role.in_(sorted(orders.FIELD_WORKERS)),
            USERS.c.jurisdiction.startswith(principal.jurisdiction),
        )
        .order_by(USERS.c.jurisdiction, USERS.c.username)
    ).mappings()
    return [
        dict(r) | {"area": area_name(r["jurisdiction"])}
        for r in rows
        if any(home.startswith(r["jurisdiction"]) for home in wanted)
    ]


def role_label(role: str, lang: str) -> str:
    return ROLES[role][0 if lang == "zh" else 1]


def may_open_and_assign(principal: Principal) -> bool:
    return principal.role in orders.OPENERS and principal.role in orders.ASSIGNERS


# ── the queue ───────────────────────────────────────────────────────────────────────────


def _filters(query: Mapping[str, str]) -> dict[str, Any]:
    """The queue's filters from the query string; an unknown value is no filter."""
    status = query.get("status")
    return {
        "reason": query.get("reason") if query.get("reason") in RULES else "",
        "severity": query.get("severity") if query.get("severity") in SEVERITY_RANK else "",
        "township": digits(query.get("township")),
        "min_age_days": whole(query.get("min_age_days"), 0, 0, 3650),
        # no status in the URL: the open alerts; an empty one: every status
        "status": "open" if status is None else (status if status in ALERT_STATUSES else ""),
        "page": whole(query.get("page"), 1, 1, MAX_ROW // PAGE_SIZE),
    }


def _query(filters: Mapping[str, Any], **change: Any) -> str:
    merged = {**filters, **change}
    return urlencode({k: v for k, v in merged.items() if v or k == "status"})


def _order_ids(conn: Connection, alert_ids: list[int]) -> dict[int, int]:
    if not alert_ids:
        return {}
    rows = conn.execute(select(WORK_ORDERS.c.alert_id, WORK_ORDERS.c.id).where(WORK_ORDERS.c.alert_id.in_(alert_ids)))
    return {a: o for a, o in rows.all()}


def _residences(conn: Connection, household_ids: list[str]) -> dict[str, str]:
    if not household_ids:
        return {}
    rows = conn.execute(
        select(HOUSEHOLDS.c.household_id, HOUSEHOLDS.c.residence_division).where(
            HOUSEHOLDS.c.household_id.in_(household_ids)
        )
    )
    return {h: d for h, d in rows.all()}


def _queue(
    request: Request,
    user: Principal,
    uow: UnitOfWork,
    today: dt.date,
    *,
    error: str = "",
    selected: Iterable[str] = (),
    assignee: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    f = _filters(request.query_params)
    conn = uow.connection
    page = queries.list_alerts(
        conn,
        user,
        today=today,
        status=f["status"],
        reason=f["reason"],
        severity=f["severity"],
        township=f["township"],
        min_age_days=f["min_age_days"],
        limit=PAGE_SIZE,
        offset=(f["page"] - 1) * PAGE_SIZE,
    )
    homes = _residences(conn, sorted({a["household_id"] for a in page.items}))
    order_of = _order_ids(conn, [a["id"] for a in page.items])
    rows = [
        a
        | {
            "age": (today - a["first_event"]).days,
            "township_name": area_name(a["township"]),
            "work_order_id": order_of.get(a["id"]),
        }
        for a in page.items
    ]
    bulk = may_open_and_assign(user)
    lang = lang_of(request)
    workers = field_workers(conn, user, homes.values()) if bulk else []
    opened = whole(request.query_params.get("opened"), 0, 0, MAX_ROW)
    return render(
        request,
        "alerts.html",
        {
            "user": user,
            "f": f,
            "rows": rows,
            "total": page.total,
            "pages": max(1, -(-page.total // PAGE_SIZE)),
            "query": _query(f),
            "prev": _query(f, page=f["page"] - 1),
            "next": _query(f, page=f["page"] + 1),
            "reasons": list(RULES),
            "severities": SEVERITIES,
            "statuses": ALERT_STATUSES,
            "townships": township_choices(user),
            "bulk": bulk,
            "workers": [w | {"role_label": role_label(w["role"], lang)} for w in workers],
            "selected": {str(s) for s in selected},
            "assignee": assignee,
            "opened": opened,
            "opened_to": request.query_params.get("to", "")[:64] if opened else "",
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/alerts", response_class=HTMLResponse)
def alert_queue(request: Request, user: UserDep, uow: PageUowDep, today: TodayDep) -> Any:
    return _queue(request, user, uow, today)


@router.post("/alerts/assign")
def bulk_assign(
    request: Request, user: UserDep, uow: PageUowDep, today: TodayDep, params: ParamsDep, form: FormDep
) -> Response:
    """Open a work order for each ticked alert and assign it: all of them or none (one transaction)."""
    ticked = [str(v) for v in form.getlist("alert")]
    assignee = str(form.get("assignee") or "")[:64]
    lang = lang_of(request)
    t = translator(lang)
    problem = ""
    if not ticked:
        problem = t("al.pick_alerts")
    elif not assignee:
        problem = t("al.pick_worker")
    status = 422
    for text in [] if problem else ticked:
        try:
            alert_id = row_id(text)
            order_id = orders.open_from_alert(uow, user, alert_id, today=today, params=params)
            orders.assign(uow, user, order_id, assignee, 1)
        except (InvalidInput, Conflict, NotFound) as exc:
            # name the alert that failed; nothing of the others is kept
            problem = (
                f"{t('al.detail')} {text[:20]}{'：' if lang == 'zh' else ': '}{plain(exc, lang)} {t('al.bulk_none')}"
            )
            status = 409 if isinstance(exc, Conflict) else 422
            break
    if problem:
        uow.rollback()
        return _queue(request, user, uow, today, error=problem, selected=ticked, assignee=assignee, status_code=status)
    uow.commit()
    back = _query(_filters(request.query_params))
    return RedirectResponse(f"/alerts?{back}&{urlencode({'opened': len(ticked), 'to': assignee})}", status_code=303)


def plain(exc: MinshengError, lang: str) -> str:
    """The error's sentence in the user's language, without the technical field name in front."""
    if isinstance(exc, InvalidInput):
        return exc.zh.removeprefix(f"{exc.field}：") if lang == "zh" else exc.en.removeprefix(f"{exc.field}: ")
    return exc.message(lang)


# ── one alert ───────────────────────────────────────────────────────────────────────────


def _payload(kind: str, payload: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """A department record's own columns as (label, value), money in yuan, codes as labels."""
    t = translator(lang)
    shown: list[tuple[str, str]] = []
    columns = {c.name: c for c in FEED_KINDS.get(kind, ())}
    for name, value in payload.items():
        column = columns.get(name)
        label = (column.zh if lang == "zh" else name.replace("_", " ")) if column else name
        if value is None:
            text = "—"
        elif column is not None and column.kind == "money":
            text = f"{value / 100:,.2f} {t('al.yuan')}"
        elif column is not None and column.kind == "bool":
            text = t("al.yes") if value in (True, 1, "1") else t("al.no")
        elif column is not None and column.codes is not None and str(value) in column.codes.labels:
            text = column.codes.label(str(value), lang)
        else:
            text = str(value)
        shown.append((label, text))
    return shown


def _alert(
    request: Request, user: Principal, uow: UnitOfWork, alert_id: int, *, error: str = "", status_code: int = 200
) -> HTMLResponse:
    lang = lang_of(request)
    found = queries.alert_detail(uow.connection, user, alert_id)
    uow.commit()  # the read is audited
    evidence = [
        e
        | {
            "source_label": FEED_SOURCES.label(e["source"], lang)
            if e["source"] in FEED_SOURCES.labels
            else e["source"],
            "fields": _payload(e["kind"], e["payload"], lang),
        }
        for e in found["evidence"]
    ]
    return render(
        request,
        "alert.html",
        {
            "user": user,
            "a": found,
            "township_name": area_name(found["township"]),
            "evidence": evidence,
            "kinds": set(FEED_KINDS),
            "may_open": user.role in orders.OPENERS and found["status"] == "open" and not found["work_order_id"],
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(alert_id: str, request: Request, user: UserDep, uow: PageUowDep) -> Any:
    return _alert(request, user, uow, row_id(alert_id))


@router.post("/alerts/{alert_id}/work-order")
def open_order(
    alert_id: str, request: Request, user: UserDep, uow: PageUowDep, today: TodayDep, params: ParamsDep
) -> Response:
    number = row_id(alert_id)
    try:
        order_id = orders.open_from_alert(uow, user, number, today=today, params=params)
        uow.commit()
    except Conflict as exc:
        uow.rollback()
        return _alert(request, user, uow, number, error=exc.message(lang_of(request)), status_code=409)
    return RedirectResponse(f"/work-orders/{order_id}?done=open", status_code=303)
