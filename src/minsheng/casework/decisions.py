"""Work-order decisions (处理意见与审批): the steps after the on-site findings.

    visited ──propose──▶ decided ──approve──▶ closed ──reopen──▶ assigned / new
       ▲                   │
       └─────send_back─────┘

- `propose`: the township proposes a decision that must follow the re-assessment
  (enrol needs eligible, exit ineligible; the benefit is the engine's);
- `approve`: a county reviewer other than the proposer approves, with a comment
  (审批意见); the findings and the decision are written into the registry and the
  alert is closed;
- `send_back` (退回) and `reopen` need a reason.

What a decision changes is said in money: `payment` gives 现发 (paid now) → 应发
(due after the decision) and the difference, never the engine's before/after alone
(a household paid a stale 1,533.04 whose re-assessment is 2,585.04 either way still
changes by 1,052.00). Each step's event note keeps the figures it was taken on.

Opening, assigning and recording findings are in `orders`, which also holds the
shared steps (`load`, `expect`, `move`): the same optimistic locking and event log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete, func, select, update

from minsheng.casework import conflicts, findings, orders
from minsheng.db.uow import UnitOfWork
from minsheng.errors import Forbidden, InvalidInput
from minsheng.monitoring.tables import ALERTS
from minsheng.programmes.registry import model
from minsheng.registry.tables import ENROLMENTS, HOUSEHOLDS
from minsheng.rules.parameters import ParameterSet
from minsheng.security.users import Principal

MAX_COMMENT = 2000


def paid_now(conn: Connection, household_id: str) -> tuple[int | None, set[str]]:
    """现发: the household's monthly benefit as registered, and the programmes it is enrolled in."""
    paid = conn.execute(
        select(HOUSEHOLDS.c.current_benefit_fen).where(HOUSEHOLDS.c.household_id == household_id)
    ).scalar()
    enrolled = conn.execute(select(ENROLMENTS.c.programme).where(ENROLMENTS.c.household_id == household_id))
    return paid, set(enrolled.scalars())


def payment(
    decision: str | None, programme: str | None, benefit_fen: int | None, paid_fen: int | None, enrolled: set[str]
) -> dict[str, int] | None:
    """现发 → 应发 for a decision on a programme that pays (monthly fen), or None when no money moves.

    >>> payment("adjust", "dibao", 258504, 153304, {"dibao"})
    {'paid_fen': 153304, 'due_fen': 258504, 'difference_fen': 105200}
    """
    if decision is None or programme is None or not model().programmes[programme].benefit:
        return None
    paid = (paid_fen or 0) if programme in enrolled else 0
    due = {"enrol": benefit_fen or 0, "adjust": benefit_fen or 0, "exit": 0}.get(decision, paid)
    return {"paid_fen": paid, "due_fen": due, "difference_fen": due - paid}


def propose(
    uow: UnitOfWork, principal: Principal, order_id: int, decision: str, programme: str | None, version: int
) -> int:
    orders.require(principal, orders.PROPOSERS, "提出处理意见", "propose decisions")
    conn = uow.connection
    order = orders.load(conn, principal, order_id)
    orders.expect(order, version, "visited")
    conflicts.ensure_unrelated(order["conflicts"], principal)
    if decision not in orders.DECISIONS:
        raise InvalidInput(
            "decision", f"应为 {'/'.join(orders.DECISIONS)}", f"must be one of {', '.join(orders.DECISIONS)}"
        )
    benefit = None
    if decision != "no_change":
        if programme not in model().programmes:
            raise InvalidInput("programme", "未知的救助项目", "unknown programme")
        line = next(p for p in order["reassessment"]["programmes"] if p["id"] == programme)
        enrolled = _enrolled(conn, order["household_id"], programme)
        # The decision must follow the re-assessment: a rule lives in the engine, not in a caseworker's choice.
        if decision == "enrol" and (enrolled or line["status"] != "eligible"):
            raise InvalidInput(
                "decision",
                "复核结果不符合纳入条件或已纳入",
                "the re-assessment does not make the household eligible, or it is already enrolled",
            )
        if decision == "adjust" and (not enrolled or line["status"] != "eligible"):
            raise InvalidInput(
                "decision",
                "只能调整已纳入且仍符合条件的待遇",
                "only an enrolled, still eligible household's benefit can be adjusted",
            )
        if decision == "exit" and (not enrolled or line["status"] != "ineligible"):
            raise InvalidInput(
                "decision",
                "只有复核不符合条件的已纳入家庭才能退出",
                "only an enrolled household the re-assessment finds ineligible can exit",
            )
        benefit = line["benefit_fen"] if decision in ("enrol", "adjust") else None
    else:
        programme = None
    paid, programmes = paid_now(conn, order["household_id"])
    money = payment(decision, programme, benefit, paid, programmes) or {}
    return orders.move(
        conn,
        principal,
        order,
        "propose",
        "decided",
        {"decision": decision, "programme": programme, "benefit_fen": benefit, **money},
        decision=decision,
        programme=programme,
        benefit_fen=benefit,
        proposed_by=principal.username,
    )


def approve(
    uow: UnitOfWork, principal: Principal, order_id: int, version: int, *, today: dt.date, comment: str = ""
) -> int:
    """The county approves the proposal; `comment` is the reviewer's 审批意见, kept in the
    timeline and the audit log with the money the approval moves."""
    orders.require(principal, orders.APPROVERS, "审批", "approve decisions")
    comment = _comment(comment)
    conn = uow.connection
    order = orders.load(conn, principal, order_id)
    orders.expect(order, version, "decided")
    if principal.username == order["proposed_by"]:
        raise Forbidden("审批人不能是提出意见的同一人", "the approver must be a different user from the proposer")
    conflicts.ensure_unrelated(order["conflicts"], principal)
    household = order["household_id"]
    paid, enrolled = paid_now(conn, household)
    money = payment(order["decision"], order["programme"], order["benefit_fen"], paid, enrolled) or {}
    findings.apply(conn, household, order["findings"])
    decision, programme = order["decision"], order["programme"]
    if decision == "enrol":
        conn.execute(ENROLMENTS.insert().values(household_id=household, programme=programme, since=today))
    if decision == "exit":
        conn.execute(
            delete(ENROLMENTS).where(ENROLMENTS.c.household_id == household, ENROLMENTS.c.programme == programme)
        )
    if decision in ("enrol", "adjust") and model().programmes[programme].benefit:
        conn.execute(
            update(HOUSEHOLDS)
            .where(HOUSEHOLDS.c.household_id == household)
            .values(current_benefit_fen=order["benefit_fen"])
        )
    if decision == "exit" and model().programmes[programme].benefit:
        conn.execute(update(HOUSEHOLDS).where(HOUSEHOLDS.c.household_id == household).values(current_benefit_fen=None))
    if order["alert_id"] is not None:
        # closed: a new event about the same reason opens a new alert
        conn.execute(
            update(ALERTS)
            .where(ALERTS.c.id == order["alert_id"])
            .values(status="closed", open_key=None, version=ALERTS.c.version + 1, updated_at=func.now())
        )
    return orders.move(
        conn,
        principal,
        order,
        "approve",
        "closed",
        {
            "decision": decision,
            "programme": programme,
            "benefit_fen": order["benefit_fen"],
            "comment": comment,
            "departed": (order["findings"] or {}).get("departed") or {},
            **money,
        },
        approved_by=principal.username,
        closed_at=func.now(),
    )


def send_back(uow: UnitOfWork, principal: Principal, order_id: int, reason: str, version: int) -> int:
    """The reviewer returns a proposal to the township (退回)."""
    orders.require(principal, orders.APPROVERS, "退回", "send decisions back")
    _need_reason(reason)
    conn = uow.connection
    order = orders.load(conn, principal, order_id)
    orders.expect(order, version, "decided")
    return orders.move(
        conn,
        principal,
        order,
        "send_back",
        "visited",
        {"reason": reason},
        decision=None,
        programme=None,
        benefit_fen=None,
        proposed_by=None,
    )


def reopen(
    uow: UnitOfWork,
    principal: Principal,
    order_id: int,
    reason: str,
    version: int,
    *,
    today: dt.date,
    params: ParameterSet,
) -> int:
    orders.require(principal, orders.REOPENERS, "重新打开工单", "reopen work orders")
    _need_reason(reason)
    conn = uow.connection
    order = orders.load(conn, principal, order_id)
    orders.expect(order, version, "closed")
    return orders.move(
        conn,
        principal,
        order,
        "reopen",
        "assigned" if order["assignee"] else "new",
        {"reason": reason},
        reopened=order["reopened"] + 1,
        deadline=orders.deadline(params, order["severity"], order["residence_division"], today),
        decision=None,
        programme=None,
        benefit_fen=None,
        proposed_by=None,
        approved_by=None,
        closed_at=None,
    )


def _need_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise InvalidInput("reason", "请填写原因", "give a reason")
    if len(reason) > MAX_COMMENT:
        raise InvalidInput("reason", f"不能超过{MAX_COMMENT}字", f"may have at most {MAX_COMMENT} characters")


def _comment(comment: str) -> str:
    if len(comment) > MAX_COMMENT:
        raise InvalidInput("comment", f"审批意见不能超过{MAX_COMMENT}字", f"may have at most {MAX_COMMENT} characters")
    return comment.strip()


def _enrolled(conn: Connection, household_id: str, programme: str) -> bool:
    query = select(ENROLMENTS.c.id).where(
        ENROLMENTS.c.household_id == household_id, ENROLMENTS.c.programme == programme
    )
    return conn.execute(query).first() is not None
