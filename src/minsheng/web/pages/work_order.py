"""核查工单: one work order's page, through its flow

    new ──assign──▶ assigned ──findings──▶ visited ──decision──▶ decided ──approve──▶ closed

The page shows the order, the findings form, the re-assessment, the recorded findings and
the events. The form holds, in this order of precedence, what the user just typed, the
saved findings, the alert's figures (a first draft, marked) and the registry's values, in
three tables so that a column never mixes units (元/月 incomes, 元/年 costs, the rest).
Money is said as 现发 → 应发 (difference): what the household is paid now beside what the
decision would pay (`casework.decisions.payment`). Approve and send back ask for the
reviewer's comment and show a confirmation before anything changes; with no step of
their own, users read what happens next and who does it. It shows an action only when
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

from minsheng.casework import decisions, prefill, queries
from minsheng.casework.findings import DEPARTURES, HOUSEHOLD_FIELDS, PERSON_FIELDS
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
from minsheng.web.pages.common import PageUowDep, UserDep, beijing_time, lang_of, render

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
STORE_FIELDS = {c.store_name: (name, c) for name, c in (HOUSEHOLD_FIELDS | PERSON_FIELDS).items()}
# One unit per table: monthly incomes, costs over 12 months, and the rest (codes, counts).
_YEARLY = [n for n, c in PERSON_FIELDS.items() if c.kind == "money" and "per 12 months" in c.en]
_MONTHLY = [n for n, c in PERSON_FIELDS.items() if c.kind == "money" and n not in _YEARLY]
PERSON_GROUPS = (
    ("monthly", _MONTHLY),
    ("yearly", _YEARLY),
    ("other", [n for n in PERSON_FIELDS if n not in _MONTHLY + _YEARLY]),
)


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
        values[f"p.{m['person_id']}.departed"] = ""
    return values


def _found_values(found: dict[str, Any]) -> dict[str, str]:
    """Findings in store units (saved, or the alert's draft) as the form's fields."""
    values = {}
    for store, value in found["household"].items():
        if store in STORE_FIELDS:
            name, column = STORE_FIELDS[store]
            values[f"h.{name}"] = _shown(column, value)
    for pid, items in found["persons"].items():
        for store, value in items.items():
            if store in STORE_FIELDS:
                name, column = STORE_FIELDS[store]
                values[f"p.{pid}.{name}"] = _shown(column, value)
    values |= {f"p.{pid}.departed": reason for pid, reason in (found.get("departed") or {}).items()}
    if found.get("note"):
        values["note"] = found["note"]
    return values


def _with_payment(reassessment: dict[str, Any] | None, paid: int | None, enrolled: set[str]) -> dict[str, Any] | None:
    """Each paying programme's line with 现发 (paid_fen: 0 when not enrolled) and the difference
    to what the re-assessment would pay (应发: its benefit when eligible, else 0)."""
    if reassessment is None:
        return None
    lines = []
    for line in reassessment["programmes"]:
        due = line["benefit_fen"] if line["status"] == "eligible" else 0
        money = decisions.payment("adjust", line["id"], due, paid, enrolled)
        lines.append(line | (money or {}))
    return reassessment | {"programmes": lines}


def _next_step(order: dict[str, Any], lang: str) -> str:
    """What happens next and who does it, for a user with no step of their own here."""
    t = translator(lang)
    who = {"assignee": order["assignee"] or t("wo.unassigned"), "proposer": order["proposed_by"] or ""}
    return t(f"wo.next.{order['status']}").format(**who)


def _field(field: str, names: dict[str, str], lang: str) -> tuple[str, str]:
    """(the form input's name, its label) for an error's field."""
    t = translator(lang)
    if field.startswith("findings.persons."):
        pid, _, name = field.removeprefix("findings.persons.").rpartition(".")
        if (name in PERSON_FIELDS or name == "departed") and pid in names:
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
        "comment": ("comment", "wo.comment"),
        "findings.departed": ("", "wo.field.departed"),
    }
    if field in labels:
        key, label = labels[field]
        return key, t(label)
    return "", ""


def _yuan(fen: int | None, lang: str) -> str:
    return "" if fen is None else f"{fen / 100:,.2f} {translator(lang)('wo.yuan_month')}"


def _money(money: dict[str, int] | None, lang: str) -> str:
    """现发 1,533.04 → 应发 2,585.04 元/月（+1,052.00）."""
    if money is None:
        return ""
    t = translator(lang)
    diff = money["difference_fen"]
    sign = "+" if diff > 0 else "−" if diff < 0 else "±"
    return (
        f"{t('wo.paid')} {money['paid_fen'] / 100:,.2f} → {t('wo.due')} {money['due_fen'] / 100:,.2f} "
        f"{t('wo.yuan_month')}（{t('wo.difference')} {sign}{abs(diff) / 100:,.2f}）"
    )


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
    confirm: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """The page; with `error`, the message beside the field and what the user typed (`values`);
    with `confirm` (approve, send_back), the confirmation of that step with the typed comment."""
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
    paid, enrolled = decisions.paid_now(conn, order["household_id"])
    draft = prefill.from_alert(conn, order) if can["findings"] and order["findings"] is None else prefill.EMPTY
    uow.commit()  # the read is audited
    members = pp.sort("relation", "person_id").to_dicts()
    names = {m["person_id"]: m["name"] for m in members}
    message, bad = "", ""
    if error is not None:
        bad, label = _field(getattr(error, "field", ""), names, lang)
        message = f"{label}{'：' if lang == 'zh' else ': '}{plain(error, lang)}" if label else plain(error, lang)
        if isinstance(error, Conflict):
            message += " " + t("wo.conflict_reload")
    drafted = _found_values(draft)
    form = _registry_values(hh.row(0, named=True), members) | drafted
    form |= _found_values(order["findings"]) if order["findings"] else {}
    form |= values or {}
    step = FLOW.index(order["status"])
    related = {c["worker_username"] for c in order["conflicts"] if c["worker_username"]}
    reassessment = _with_payment(preview or order["reassessment"], paid, enrolled)
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
            "names": names,
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
            "events": [e | {"when": beijing_time(e["at"], seconds=False)} for e in order["events"]],
            "benefit": _yuan(order["benefit_fen"], lang),
            "money": _money(
                decisions.payment(order["decision"], order["programme"], order["benefit_fen"], paid, enrolled), lang
            ),
            "prefilled": {k for k, v in drafted.items() if form.get(k) == v},
            "person_groups": [(g, [(n, PERSON_FIELDS[n]) for n in names]) for g, names in PERSON_GROUPS],
            "departures": [(code, label[0 if lang == "zh" else 1]) for code, label in DEPARTURES.items()],
            "departed": {
                pid: DEPARTURES[r][0 if lang == "zh" else 1]
                for pid, r in ((order["findings"] or {}).get("departed") or {}).items()
            },
            "next_step": _next_step(order, lang),
            "confirm": confirm,
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
