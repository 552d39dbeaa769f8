"""Work-order decisions (处理意见与审批): the steps after the on-site findings.

    visited ──propose──▶ decided ──approve──▶ closed ──reopen──▶ assigned / new
       ▲                   │
       └─────send_back─────┘

- `propose`: the township proposes a decision that must follow the re-assessment
  (enrol needs eligible, exit ineligible; the benefit is the engine's);
- `approve`: a county reviewer other than the proposer approves; the findings and
  the decision are written into the registry and the alert is closed;
- `send_back` (退回) and `reopen` need a reason.

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
    return orders.move(
        conn,
        principal,
        order,
        "propose",
        "decided",
        {"decision": decision, "programme": programme, "benefit_fen": benefit},
        decision=decision,
        programme=programme,
        benefit_fen=benefit,
        proposed_by=principal.username,
    )


def approve(uow: UnitOfWork, principal: Principal, order_id: int, version: int, *, today: dt.date) -> int:
    orders.require(principal, orders.APPROVERS, "审批", "approve decisions")
    conn = uow.connection
    order = orders.load(conn, principal, order_id)
    orders.expect(order, version, "decided")
    if principal.username == order["proposed_by"]:
        raise Forbidden("审批人不能是提出意见的同一人", "the approver must be a different user from the proposer")
    conflicts.ensure_unrelated(order["conflicts"], principal)
    household = order["household_id"]
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
        {"decision": decision, "programme": programme, "benefit_fen": order["benefit_fen"]},
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


def _enrolled(conn: Connection, household_id: str, programme: str) -> bool:
    query = select(ENROLMENTS.c.id).where(
        ENROLMENTS.c.household_id == household_id, ENROLMENTS.c.programme == programme
    )
    return conn.execute(query).first() is not None
