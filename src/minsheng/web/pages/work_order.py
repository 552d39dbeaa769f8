"""核查工单: one work order's page, through its flow

    new ──assign──▶ assigned ──findings──▶ visited ──decision──▶ decided ──approve──▶ closed

The page shows the order, the household's registry values in the findings form, the
re-assessment, the recorded findings and the events. It shows an action only when
the user's role and the order's state allow it (`_actions`, mirroring
`casework.orders` and `casework.decisions`, which enforce the same rules again).
The forms it posts are handled in `work_order_actions`, which answers a wrong value
or a stale version by showing this page again (`detail` with the error).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from minsheng.casework import queries
from minsheng.casework.findings import HOUSEHOLD_FIELDS, PERSON_FIELDS
from minsheng.casework.orders import APPROVERS, ASSIGNERS, DECISIONS, FIELD_WORKERS, PROPOSERS, REOPENERS, STATUSES
from minsheng.contract.columns import Column
from minsheng.db.uow import UnitOfWork
from minsheng.errors import Conflict, MinshengError
from minsheng.registry import population
from minsheng.registry.access import require_persons
from minsheng.rules.explain_text import render as explain_text
from minsheng.security.users import Principal
from minsheng.web.api.deps import TodayDep
from minsheng.web.messages import translator
from minsheng.web.pages.alerts import area_name, field_workers, plain, role_label, row_id
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


def _actions(order: dict[str, Any], user: Principal) -> dict[str, bool]:
    """What the page offers; `casework.orders` / `casework.decisions` check the same again when the form comes back."""
    status, role = order["status"], user.role
    related = any(c["worker_username"] == user.username for c in order["conflicts"])
    reviewer = role in APPROVERS and status == "decided"
    return {
        "related": related,
        "assign": role in ASSIGNERS and status in ("new", "assigned"),
        "findings": role in FIELD_WORKERS and status in ("assigned", "visited") and not related,
        "propose": role in PROPOSERS and status == "visited" and not related,
        "review": reviewer,
        "approve": reviewer and not related and order["proposed_by"] != user.username,
        "own_proposal": reviewer and order["proposed_by"] == user.username,
        "reopen": role in REOPENERS and status == "closed",
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


def detail(
    desk: Desk,
    order_id: int,
    *,
    error: MinshengError | None = None,
    values: dict[str, str] | None = None,
    preview: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page; with `error`, the message beside the field and what the user typed (`values`)."""
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


@router.get("/work-orders/{order_id}", response_class=HTMLResponse)
def order_page(order_id: str, desk: DeskDep) -> Any:
    return detail(desk, row_id(order_id))
