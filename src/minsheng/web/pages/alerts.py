"""预警队列: the alerts of the user's jurisdiction, red first (or nearest deadline first), paged
on the server with the filters in the URL; a bulk "open work orders and assign them" and a
bulk close of stale or duplicate alerts (with a reason), each in one transaction; the
filtered list as Excel; one alert with the department records behind it.

Routes translate the request and call `casework.queries` / `casework.orders`; the rules
(who may open, who may be assigned, one order per alert) live there. A few helpers here
are shared with the work-order pages (`row_id`, `FormDep`, `field_workers`, `area_name`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, select
from starlette.datastructures import FormData

from minsheng.casework import orders, queries
from minsheng.codes.divisions import divisions
from minsheng.contract.columns import FEED_KINDS, FEED_SOURCES
from minsheng.db.uow import UnitOfWork
from minsheng.errors import Conflict, Forbidden, InvalidInput, MinshengError, NotFound
from minsheng.monitoring import alerts as monitoring_alerts
from minsheng.monitoring.figures import Shown
from minsheng.monitoring.warnings import RULES, SEVERITY_RANK
from minsheng.rules.parameters import ParameterSet
from minsheng.security.tables import USERS
from minsheng.security.users import ROLES, Principal
from minsheng.web.api.deps import ParamsDep, TodayDep
from minsheng.web.messages import translator
from minsheng.web.pages.common import PageUowDep, UserDep, lang_of, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
MAX_ROW = 2**31 - 1  # row ids are 32-bit integers in both databases
ALERT_STATUSES = (*monitoring_alerts.STATUSES, "unfinished")  # unfinished: open or being checked (未办结)
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
    return list(_townships(principal.jurisdiction)) if len(principal.jurisdiction) == 6 else []


@lru_cache(maxsize=64)
def _townships(county: str) -> tuple[tuple[str, str], ...]:
    # the shipped division list does not change while the server runs; reading it took 10 ms a page
    return tuple((d.code, d.name) for d in divisions().townships(county))


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


def filters(query: Mapping[str, str]) -> dict[str, Any]:
    """The queue's filters from the query string; an unknown value is no filter."""
    status = query.get("status")
    return {
        "reason": query.get("reason") if query.get("reason") in RULES else "",
        "severity": query.get("severity") if query.get("severity") in SEVERITY_RANK else "",
        "township": digits(query.get("township")),
        "min_age_days": whole(query.get("min_age_days"), 0, 0, 3650),
        "max_age_days": whole(query.get("max_age_days"), -1, 0, 3650),  # -1: no upper bound
        "sort": query.get("sort") if query.get("sort") in queries.SORTS else "grade",
        # no status in the URL: the open alerts; an empty one: every status
        "status": "open" if status is None else (status if status in ALERT_STATUSES else ""),
        "page": whole(query.get("page"), 1, 1, MAX_ROW // PAGE_SIZE),
    }


def _query(filters: Mapping[str, Any], **change: Any) -> str:
    merged = {**filters, **change}
    return urlencode(
        {
            k: v
            for k, v in merged.items()
            if (v or k == "status") and not (k == "max_age_days" and v == -1) and not (k == "sort" and v == "grade")
        }
    )


def list_filters(f: Mapping[str, Any]) -> dict[str, Any]:
    """The queue's filters as `queries.list_alerts` takes them (the page and its Excel)."""
    return {
        "status": f["status"],
        "reason": f["reason"],
        "severity": f["severity"],
        "township": f["township"],
        "min_age_days": f["min_age_days"],
        "max_age_days": None if f["max_age_days"] < 0 else f["max_age_days"],
        "sort": f["sort"],
    }


def figure_text(figure: dict[str, Any] | None, lang: str) -> str:
    return Shown(**figure).text(lang) if figure else ""


def _queue(
    request: Request,
    user: Principal,
    uow: UnitOfWork,
    today: dt.date,
    params: ParameterSet,
    *,
    error: str = "",
    selected: Iterable[str] = (),
    assignee: str = "",
    close_reason: str = "",
    close_note: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    f = filters(request.query_params)
    conn = uow.connection
    lang = lang_of(request)
    page = queries.list_alerts(
        conn,
        user,
        today=today,
        params=params,
        limit=PAGE_SIZE,
        offset=(f["page"] - 1) * PAGE_SIZE,
        **list_filters(f),
    )
    homes = {a["household_id"]: a["residence_division"] for a in page.items}
    rows = [
        a
        | {
            "age": a["days_open"],
            "area": area_name(a["residence_division"]),
            "figure_text": figure_text(a["figure"], lang),
        }
        for a in page.items
    ]
    bulk = may_open_and_assign(user)
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
            "sort_grade": _query(f, sort="grade", page=1),
            "sort_deadline": _query(f, sort="deadline", page=1),
            "excel": _query(f, page=0),
            "may_close": user.role in monitoring_alerts.CLOSERS,
            "close_reasons": monitoring_alerts.CLOSE_REASONS,
            "close_reason": close_reason,
            "close_note": close_note,
            "closed": whole(request.query_params.get("closed"), 0, 0, MAX_ROW),
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
def alert_queue(request: Request, user: UserDep, uow: PageUowDep, today: TodayDep, params: ParamsDep) -> Any:
    return _queue(request, user, uow, today, params)


@router.post("/alerts/close")
def bulk_close(
    request: Request, user: UserDep, uow: PageUowDep, today: TodayDep, params: ParamsDep, form: FormDep
) -> Response:
    """Close the ticked alerts (stale or duplicate) with a reason: all of them or none."""
    ticked = [str(v) for v in form.getlist("alert")]
    reason = str(form.get("close_reason") or "")[:20]
    note = str(form.get("close_note") or "")[: monitoring_alerts.MAX_NOTE + 1]
    lang = lang_of(request)
    try:
        # each ticked box carries "id:version", the version the user saw
        items = []
        for text in ticked:
            number, _, version = text.partition(":")
            items.append((row_id(number), whole(version, 0, 0, MAX_ROW)))
        closed = monitoring_alerts.close(uow.connection, user, items, reason, note)
    except (InvalidInput, Conflict, NotFound, Forbidden) as exc:
        uow.rollback()
        status = {Conflict: 409, NotFound: 404, Forbidden: 403}.get(type(exc), 422)
        problem = f"{plain(exc, lang)} {translator(lang)('al.close_none')}"
        return _queue(
            request, user, uow, today, params, error=problem, selected=[t.partition(":")[0] for t in ticked],
            close_reason=reason, close_note=note, status_code=status,
        )  # fmt: skip
    uow.commit()
    back = _query(filters(request.query_params))
    return RedirectResponse(f"/alerts?{back}&{urlencode({'closed': closed})}", status_code=303)


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
            alert_id = row_id(text.partition(":")[0])  # a ticked box carries "id:version"
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
        picked = [t.partition(":")[0] for t in ticked]
        return _queue(
            request, user, uow, today, params, error=problem, selected=picked, assignee=assignee, status_code=status
        )
    uow.commit()
    back = _query(filters(request.query_params))
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
