"""核查工单: the forms one work order's page posts (assign, findings, decision, approval).

Every action is a form posted with the order's `version` and answered with a redirect to
the page (POST-redirect-GET); a wrong value or a stale version shows the page again
(`work_order.detail`) with the message, the current state and what the user typed.
The findings form is read here into what `casework.findings.validate` reads: only the
items whose value differs from the registry's, and the members found gone. Approve and
send back take two posts: the first shows the confirmation (what will change, the
comment), the second, with `confirm=yes`, does it. The rules are `casework.orders` and
`casework.decisions`; no rule lives here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from minsheng.casework import decisions, orders
from minsheng.casework.findings import HOUSEHOLD_FIELDS, PERSON_FIELDS
from minsheng.contract.columns import Column
from minsheng.db.uow import UnitOfWork
from minsheng.errors import Conflict, InvalidInput
from minsheng.registry import population
from minsheng.security.users import Principal
from minsheng.web.api.deps import ParamsDep
from minsheng.web.messages import translator
from minsheng.web.pages.alerts import MAX_ROW, FormDep, row_id
from minsheng.web.pages.work_order import Desk, DeskDep, detail

router = APIRouter(include_in_schema=False)


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
    departed = {
        m["person_id"]: values[f"p.{m['person_id']}.departed"]
        for m in pp.to_dicts()
        if values.get(f"p.{m['person_id']}.departed")
    }
    return {"household": household, "persons": persons, "departed": departed, "note": values.get("note", "")}


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
        return detail(desk, order_id, error=exc, values=values, status_code=status)
    return RedirectResponse(f"/work-orders/{order_id}?done={done}", status_code=303)


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
        return detail(desk, number, error=exc, values=values, status_code=422)
    return detail(desk, number, values=values, preview=result)


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
        lambda: decisions.propose(desk.uow, desk.user, number, decision, programme or None, _version(form)),
        {"decision": decision, "programme": programme},
    )


def _confirm(desk: Desk, order_id: int, step: str, form: FormData, field: str) -> Response | None:
    """The first post of approve / send back: the confirmation page, or the page with the
    error when the comment is missing; None once the user has confirmed."""
    text = str(form.get(field) or "").strip()
    if form.get("confirm") == "yes":
        return None
    try:
        _version(form)
        if not text:
            comment = field == "comment"
            raise InvalidInput(
                field, "请填写审批意见" if comment else "请填写原因", "give a comment" if comment else "give a reason"
            )
    except InvalidInput as exc:
        return detail(desk, order_id, error=exc, values={field: text}, status_code=422)
    return detail(desk, order_id, values={field: text}, confirm=step)


@router.post("/work-orders/{order_id}/approve")
def approve(order_id: str, desk: DeskDep, form: FormDep) -> Response:
    number, comment = row_id(order_id), str(form.get("comment") or "")[:2000]
    confirmation = _confirm(desk, number, "approve", form, "comment")
    if confirmation is not None:
        return confirmation
    return _act(
        desk,
        number,
        "approve",
        lambda: decisions.approve(desk.uow, desk.user, number, _version(form), today=desk.today, comment=comment),
        {"comment": comment},
    )


@router.post("/work-orders/{order_id}/send-back")
def send_back(order_id: str, desk: DeskDep, form: FormDep) -> Response:
    number, reason = row_id(order_id), str(form.get("reason") or "")[:2000]
    confirmation = _confirm(desk, number, "send_back", form, "reason")
    if confirmation is not None:
        return confirmation
    return _act(
        desk,
        number,
        "send_back",
        lambda: decisions.send_back(desk.uow, desk.user, number, reason, _version(form)),
        {"reason": reason},
    )


@router.post("/work-orders/{order_id}/reopen")
def reopen(order_id: str, desk: DeskDep, params: ParamsDep, form: FormDep) -> Response:
    number, reason = row_id(order_id), str(form.get("reason") or "")[:2000]
    return _act(
        desk,
        number,
        "reopen",
        lambda: decisions.reopen(desk.uow, desk.user, number, reason, _version(form), today=desk.today, params=params),
        {"reason": reason},
    )
