"""核查工单: the jurisdiction's work orders, and one work order through its flow

    new ──assign──▶ assigned ──findings──▶ visited ──decision──▶ decided ──approve──▶ closed

Every action is a form posted with the order's `version` and answered with a redirect to
the page (POST-redirect-GET); a wrong value or a stale version re-renders the page with the
message, the current state and what the user typed. The page shows an action only when
the user's role and the order's state allow it (`_actions`, mirroring `casework.orders`,
which enforces the same rules again).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from minsheng.casework import orders, queries
from minsheng.casework.findings import HOUSEHOLD_FIELDS, PERSON_FIELDS
from minsheng.casework.orders import DECISIONS, STATUSES
from minsheng.errors import Conflict, InvalidInput, MinshengError
from minsheng.registry import population
from minsheng.registry.access import require_persons
from minsheng.registry.columns import Column
from minsheng.registry.uow import UnitOfWork
from minsheng.rules.explain import render as explain_text
from minsheng.security.users import Principal
from minsheng.web.api.deps import ParamsDep, TodayDep
from minsheng.web.messages import translator
from minsheng.web.pages.alerts import (
    MAX_ROW,
    PAGE_SIZE,
    FormDep,
    area_name,
    digits,
    field_workers,
    plain,
    role_label,
    row_id,
    township_choices,
    whole,
)
from minsheng.web.pages.common import PageUowDep, UserDep, lang_of, render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Desk:
    """What every work-order route works with: the request, the user, their unit of work, today."""

    request: Request
    user: Principal
    uow: UnitOfWork
    today: dt.date


def _desk(request: Request, user: UserDep, uow: PageUowDep, today: TodayDep) -> Desk:
    return Desk(request, user, uow, today)


DeskDep = Annotated[Desk, Depends(_desk)]
FLOW = tuple(STATUSES)  # new → assigned → visited → decided → closed
DONE = ("open", "assign", "findings", "decision", "approve", "send_back", "reopen")
BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")
STORE_FIELDS = {c.store_name: (name, c) for name, c in (HOUSEHOLD_FIELDS | PERSON_FIELDS).items()}


# ── the list ────────────────────────────────────────────────────────────────────────────


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


# ── one work order ──────────────────────────────────────────────────────────────────────


def _actions(order: dict[str, Any], user: Principal) -> dict[str, bool]:
    """What the page offers; `casework.orders` checks the same again when the form comes back."""
    status, role = order["status"], user.role
    related = any(c["worker_username"] == user.username for c in order["conflicts"])
    reviewer = role in orders.APPROVERS and status == "decided"
    return {
        "related": related,
        "assign": role in orders.ASSIGNERS and status in ("new", "assigned"),
        "findings": role in orders.FIELD_WORKERS and status in ("assigned", "visited") and not related,
        "propose": role in orders.PROPOSERS and status == "visited" and not related,
        "review": reviewer,
        "approve": reviewer and not related and order["proposed_by"] != user.username,
        "own_proposal": reviewer and order["proposed_by"] == user.username,
        "reopen": role in orders.REOPENERS and status == "closed",
    }


def _shown(column: Column, value: Any) -> str:
    """A registry value as the form shows it (money in yuan, codes as codes)."""
    if value is None:
        return ""
    if column.kind == "money":
        return f"{Decimal(value) / 100:.2f}"
    if column.kind == "bool":
        return "1" if value else "0"
    if column.kind == "decimal":
        return f"{value:f}".rstrip("0").rstrip(".")
    return str(value)


def _registry_values(household: dict[str, Any], members: list[dict[str, Any]]) -> dict[str, str]:
    values = {f"h.{n}": _shown(c, household[c.store_name]) for n, c in HOUSEHOLD_FIELDS.items()}
    for m in members:
        values |= {f"p.{m['person_id']}.{n}": _shown(c, m[c.store_name]) for n, c in PERSON_FIELDS.items()}
    return values


def _typed(form: FormData) -> dict[str, str]:
    """What the user typed in the findings form, kept as typed to show it again."""
    return {
        k: (str(v) if k == "note" else str(v).strip()[:64])
        for k, v in form.multi_items()
        if k.startswith(("h.", "p.")) or k == "note"
    }


def _raw(column: Column, text: str, where: str) -> Any:
    """A typed value in the form `findings.validate` reads (it checks ranges and codes)."""
    if text == "":
        return None
    if column.kind == "money":
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite():
            raise InvalidInput(where, "应为金额（元）", "must be an amount in yuan")
        return amount
    if column.kind == "int":
        return int(text) if re.fullmatch(r"-?[0-9]{1,12}", text) else text
    if column.kind == "decimal":
        try:
            number = float(text)
        except ValueError:
            return text
        return number if math.isfinite(number) else text
    if column.kind == "bool":
        return {"1": True, "0": False}.get(text, text)
    return text


def _changed(column: Column, text: str, current: Any, where: str) -> tuple[bool, Any]:
    value = _raw(column, text, where)
    if value is None:
        return current is not None, None
    if column.kind == "money":
        return current is None or value * 100 != current, value
    return value != current, value


def _findings(uow: UnitOfWork, user: Principal, order_id: int, values: dict[str, str]) -> dict[str, Any]:
    """The findings to record: only the items whose value differs from the registry's."""
    order = orders.load(uow.connection, user, order_id)
    hh, pp = population.load(uow.connection, household_id=order["household_id"])
    current = hh.row(0, named=True)
    household: dict[str, Any] = {}
    for name, column in HOUSEHOLD_FIELDS.items():
        key = f"h.{name}"
        if key in values:
            changed, value = _changed(column, values[key], current[column.store_name], f"findings.household.{name}")
            if changed:
                household[name] = value
    persons: dict[str, dict[str, Any]] = {}
    for member in pp.to_dicts():
        pid = member["person_id"]
        for name, column in PERSON_FIELDS.items():
            key = f"p.{pid}.{name}"
            if key in values:
                where = f"findings.persons.{pid}.{name}"
                changed, value = _changed(column, values[key], member[column.store_name], where)
                if changed:
                    persons.setdefault(pid, {})[name] = value
    return {"household": household, "persons": persons, "note": values.get("note", "")}


def _field(field: str, names: dict[str, str], lang: str) -> tuple[str, str]:
    """(the form input's name, its label) for an error's field."""
    t = translator(lang)
    if field.startswith("findings.persons."):
        pid, _, name = field.removeprefix("findings.persons.").rpartition(".")
        if name in PERSON_FIELDS and pid in names:
            return f"p.{pid}.{name}", f"{names[pid]} · {t('wo.field.' + name)}"
        person = field.removeprefix("findings.persons.")
        return "", names.get(person, person)
    if field.startswith("findings.household."):
        name = field.removeprefix("findings.household.")
        return (f"h.{name}", t("wo.field." + name)) if name in HOUSEHOLD_FIELDS else ("", name)
    labels = {
        "findings.note": ("note", "wo.note"),
        "assignee": ("assignee", "wo.assign_to"),
        "decision": ("decision", "wo.decision"),
        "programme": ("programme", "wo.programme"),
        "reason": ("reason", "wo.reason_text"),
    }
    if field in labels:
        key, label = labels[field]
        return key, t(label)
    return "", ""


def _yuan(fen: int | None, lang: str) -> str:
    return "" if fen is None else f"{fen / 100:,.2f} {translator(lang)('wo.yuan_month')}"


def _beijing(at: dt.datetime) -> str:
    """An event time in Beijing time (the store keeps UTC; China has one time zone)."""
    utc = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return utc.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _saved(order: dict[str, Any], names: dict[str, str], lang: str) -> list[tuple[str, str, str]]:
    """The recorded findings as (who, item, value) in the user's language."""
    t = translator(lang)
    found = order["findings"] or {"household": {}, "persons": {}}

    def text(store: str, value: Any) -> tuple[str, str]:
        name, column = STORE_FIELDS[store]
        if value is None:
            shown = t("wo.not_recorded")
        elif column.kind == "money":
            shown = f"{value / 100:,.2f}"
        elif column.kind == "bool":
            shown = t("al.yes") if value else t("al.no")
        elif column.codes is not None and str(value) in column.codes.labels:
            shown = column.codes.label(str(value), lang)
        else:
            shown = str(value)
        return t("wo.field." + name), shown

    rows = [(t("wo.household_items"), *text(s, v)) for s, v in found["household"].items() if s in STORE_FIELDS]
    for pid, items in found["persons"].items():
        rows += [(names.get(pid, pid), *text(s, v)) for s, v in items.items() if s in STORE_FIELDS]
    return rows


def _detail(
    desk: Desk,
    order_id: int,
    *,
    error: MinshengError | None = None,
    values: dict[str, str] | None = None,
    preview: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    request, user, uow = desk.request, desk.user, desk.uow
    lang = lang_of(request)
    t = translator(lang)
    conn = uow.connection
    # `queries.order_detail` checks the jurisdiction but not the role: an analyst sees aggregates only.
    require_persons(user)
    order = queries.order_detail(conn, user, order_id)
    hh, pp = population.load(conn, household_id=order["household_id"])
    can = _actions(order, user)
    workers = field_workers(conn, user, [order["residence_division"]]) if can["assign"] else []
    uow.commit()  # the read is audited
    members = pp.sort("relation", "person_id").to_dicts()
    names = {m["person_id"]: m["name"] for m in members}
    message, bad = "", ""
    if error is not None:
        bad, label = _field(getattr(error, "field", ""), names, lang)
        message = f"{label}{'：' if lang == 'zh' else ': '}{plain(error, lang)}" if label else plain(error, lang)
        if isinstance(error, Conflict):
            message += " " + t("wo.conflict_reload")
    form = _registry_values(hh.row(0, named=True), members) | (values or {})
    step = FLOW.index(order["status"])
    related = {c["worker_username"] for c in order["conflicts"] if c["worker_username"]}
    reassessment = preview or order["reassessment"]
    return render(
        request,
        "work_order.html",
        {
            "user": user,
            "o": order,
            "can": can,
            "flow": [(s, "done" if i < step else "current" if i == step else "") for i, s in enumerate(FLOW)],
            "overdue": order["status"] in queries.OPEN_STATUSES and order["deadline"] < desk.today,
            "township_name": area_name(order["township"]),
            "workers": [
                w | {"role_label": role_label(w["role"], lang), "related": w["username"] in related} for w in workers
            ],
            "members": members,
            "household_fields": list(HOUSEHOLD_FIELDS.items()),
            "person_fields": list(PERSON_FIELDS.items()),
            "choices": _choices(lang),
            "values": form,
            "bad": bad,
            "error": message,
            "done": request.query_params.get("done") if request.query_params.get("done") in DONE else "",
            "decision_labels": {code: label[0 if lang == "zh" else 1] for code, label in DECISIONS.items()},
            "reassessment": reassessment,
            "is_preview": preview is not None,
            "explanation": explain_text(reassessment["explanation"], lang) if reassessment else "",
            "saved": _saved(order, names, lang) if order["findings"] else [],
            "events": [e | {"when": _beijing(e["at"])} for e in order["events"]],
            "benefit": _yuan(order["benefit_fen"], lang),
            "colon": "：" if lang == "zh" else ": ",
        },
        status_code=status_code,
    )


def _choices(lang: str) -> dict[str, list[tuple[str, str]]]:
    """Select options per field: the column's code list in the user's language."""
    t = translator(lang)
    out: dict[str, list[tuple[str, str]]] = {}
    for name, column in (HOUSEHOLD_FIELDS | PERSON_FIELDS).items():
        if column.kind == "bool":
            out[name] = [("1", t("al.yes")), ("0", t("al.no"))]
        elif column.codes is not None:
            out[name] = [(code, column.codes.label(code, lang)) for code in column.codes.labels]
    return out


def _version(form: FormData) -> int:
    text = str(form.get("version") or "")
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ROW:
        raise InvalidInput("version", translator("zh")("wo.no_version"), translator("en")("wo.no_version"))
    return int(text)


def _act(
    desk: Desk, order_id: int, done: str, step: Callable[[], object], values: dict[str, str] | None = None
) -> Response:
    """One action: commit and go back to the page, or show the page again with what went wrong."""
    try:
        step()
        desk.uow.commit()
    except (InvalidInput, Conflict) as exc:
        desk.uow.rollback()
        status = 409 if isinstance(exc, Conflict) else 422
        return _detail(desk, order_id, error=exc, values=values, status_code=status)
    return RedirectResponse(f"/work-orders/{order_id}?done={done}", status_code=303)


@router.get("/work-orders/{order_id}", response_class=HTMLResponse)
def order_page(order_id: str, desk: DeskDep) -> Any:
    return _detail(desk, row_id(order_id))


@router.post("/work-orders/{order_id}/assign")
def assign(order_id: str, desk: DeskDep, form: FormDep) -> Response:
    number, assignee = row_id(order_id), str(form.get("assignee") or "")[:64]
    return _act(
        desk,
        number,
        "assign",
        lambda: orders.assign(desk.uow, desk.user, number, assignee, _version(form)),
        {"assignee": assignee},
    )


@router.post("/work-orders/{order_id}/preview", response_class=HTMLResponse)
def preview(order_id: str, desk: DeskDep, params: ParamsDep, form: FormDep) -> Any:
    """The re-assessment the typed findings would give, on the same page; nothing is saved."""
    number, values = row_id(order_id), _typed(form)
    try:
        found = _findings(desk.uow, desk.user, number, values)
        result = orders.preview(desk.uow, desk.user, number, found, today=desk.today, params=params)
    except InvalidInput as exc:
        desk.uow.rollback()
        return _detail(desk, number, error=exc, values=values, status_code=422)
    return _detail(desk, number, values=values, preview=result)


@router.post("/work-orders/{order_id}/findings")
def save_findings(order_id: str, desk: DeskDep, params: ParamsDep, form: FormDep) -> Response:
    number, values = row_id(order_id), _typed(form)

    def step() -> object:
        found = _findings(desk.uow, desk.user, number, values)
        return orders.record_findings(
            desk.uow, desk.user, number, found, _version(form), today=desk.today, params=params
        )

    return _act(desk, number, "findings", step, values)


@router.post("/work-orders/{order_id}/decision")
def decide(order_id: str, desk: DeskDep, form: FormDep) -> Response:
    number = row_id(order_id)
    decision, programme = str(form.get("decision") or "")[:20], str(form.get("programme") or "")[:40]
    return _act(
        desk,
        number,
        "decision",
        lambda: orders.propose(desk.uow, desk.user, number, decision, programme or None, _version(form)),
        {"decision": decision, "programme": programme},
    )


@router.post("/work-orders/{order_id}/approve")
def approve(order_id: str, desk: DeskDep, form: FormDep) -> Response:
    number = row_id(order_id)
    return _act(
        desk, number, "approve", lambda: orders.approve(desk.uow, desk.user, number, _version(form), today=desk.today)
    )


@router.post("/work-orders/{order_id}/send-back")
def send_back(order_id: str, desk: DeskDep, form: FormDep) -> Response:
    number, reason = row_id(order_id), str(form.get("reason") or "")[:2000]
    return _act(
        desk,
        number,
        "send_back",
        lambda: orders.send_back(desk.uow, desk.user, number, reason, _version(form)),
        {"reason": reason},
    )


@router.post("/work-orders/{order_id}/reopen")
def reopen(order_id: str, desk: DeskDep, params: ParamsDep, form: FormDep) -> Response:
    number, reason = row_id(order_id), str(form.get("reason") or "")[:2000]
    return _act(
        desk,
        number,
        "reopen",
        lambda: orders.reopen(desk.uow, desk.user, number, reason, _version(form), today=desk.today, params=params),
        {"reason": reason},
    )
