"""Work orders (核查工单): from an alert to an approved decision, one use case per step.

    new ──assign──▶ assigned ──record_findings──▶ visited ──propose──▶ decided ──approve──▶ closed
                       ▲                            ▲                  │
                       │                            └────send_back─────┘
                       └─────────────────reopen (with a reason)──────────────────────────┘

- `open_from_alert`: the township of the household's residence gets the order; the
  deadline follows the alert's grade (限时核查, parameters casework.check_days_*).
- findings are re-assessed by the rules engine before anything is decided;
- a decision is proposed in the township and approved in the county by a different
  user; approval writes the findings and the decision into the registry;
- a worker related to the household (conflicts register) can do none of it.

Each function is one business operation: the caller passes a `UnitOfWork` acting
for the user and commits once. Every change names the `version` it was based on
(optimistic locking): a stale version raises `Conflict`, never a silent overwrite.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from minsheng.casework import conflicts, findings
from minsheng.errors import Conflict, Forbidden, InvalidInput, NotFound
from minsheng.programmes.registry import model
from minsheng.registry.access import in_scope, require_persons
from minsheng.registry.models import ALERTS, ENROLMENTS, HOUSEHOLDS, PERSONS, USERS
from minsheng.registry.models_casework import WORK_ORDER_EVENTS, WORK_ORDERS
from minsheng.registry.uow import UnitOfWork
from minsheng.rules.parameters import ParameterSet
from minsheng.security import audit
from minsheng.security.users import Principal

STATUSES = {
    "new": ("新建", "new"),
    "assigned": ("已派单", "assigned"),
    "visited": ("已入户核查", "visited"),
    "decided": ("待审批", "decision proposed"),
    "closed": ("已办结", "closed"),
}
DECISIONS = {
    "enrol": ("纳入", "enrol"),
    "adjust": ("调整待遇", "adjust the benefit"),
    "exit": ("退出", "exit"),
    "no_change": ("维持不变", "no change"),
}
OPENERS = frozenset({"township_caseworker", "county_reviewer"})
ASSIGNERS = frozenset({"township_caseworker", "county_reviewer"})
FIELD_WORKERS = frozenset({"village_caseworker", "township_caseworker"})
PROPOSERS = frozenset({"township_caseworker"})
APPROVERS = frozenset({"county_reviewer"})
REOPENERS = frozenset({"township_caseworker", "county_reviewer"})


def _require(principal: Principal, roles: frozenset[str], zh: str, en: str) -> None:
    require_persons(principal)
    if principal.role not in roles:
        raise Forbidden(f"您的角色不能{zh}", f"your role may not {en}")


def deadline(params: ParameterSet, severity: str, division: str, today: dt.date) -> dt.date:
    days = params.value(f"casework.check_days_{severity}", division[:6], today)
    if days is None:
        raise InvalidInput(
            "severity",
            f"{division[:6]} 没有{severity}预警的核查时限参数",
            f"no check time limit for {severity} alerts in {division[:6]}",
        )
    return today + dt.timedelta(days=int(days))


def load(conn: Connection, principal: Principal, order_id: int) -> dict[str, Any]:
    """The work order, if it concerns a household in the user's jurisdiction (never for an analyst)."""
    require_persons(principal)
    row = (
        conn.execute(
            select(WORK_ORDERS, HOUSEHOLDS.c.residence_division)
            .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == WORK_ORDERS.c.household_id)
            .where(WORK_ORDERS.c.id == order_id, in_scope(principal))
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"辖区内没有工单 {order_id}", f"no work order {order_id} in your jurisdiction")
    order = dict(row)
    order["conflicts"] = json.loads(order["conflicts"])
    order["findings"] = json.loads(order["findings"]) if order["findings"] else None
    order["reassessment"] = json.loads(order["reassessment"]) if order["reassessment"] else None
    return order


def _expect(order: dict[str, Any], version: int, *statuses: str) -> None:
    if order["version"] != version:
        raise Conflict(
            f"工单 {order['id']} 已被他人修改（版本 {order['version']}），请刷新后再办理",
            f"work order {order['id']} was changed by someone else (now version {order['version']}): reload and try again",
        )
    if order["status"] not in statuses:
        now = STATUSES[order["status"]]
        raise Conflict(
            f"工单当前状态为“{now[0]}”，不能办理此操作", f"the work order is {now[1]}: this step is not allowed now"
        )


def _move(
    conn: Connection,
    principal: Principal,
    order: dict[str, Any],
    action: str,
    to: str,
    note: dict[str, Any],
    **values: Any,
) -> int:
    """Change the order if nobody else has (version check in the WHERE clause) and log the step."""
    result = conn.execute(
        update(WORK_ORDERS)
        .where(WORK_ORDERS.c.id == order["id"], WORK_ORDERS.c.version == order["version"])
        .values(status=to, version=order["version"] + 1, updated_at=func.now(), **values)
    )
    if result.rowcount != 1:
        raise Conflict(
            "工单已被他人同时修改，请刷新后再办理",
            "the work order was changed at the same time by someone else: reload",
        )
    conn.execute(
        WORK_ORDER_EVENTS.insert().values(
            work_order_id=order["id"],
            at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            actor=principal.username,
            action=action,
            from_status=order["status"],
            to_status=to,
            note=json.dumps(note, ensure_ascii=False),
        )
    )
    audit.record(conn, principal.username, action, "work_order", str(order["id"]), note)
    return int(order["version"]) + 1


def open_from_alert(
    uow: UnitOfWork, principal: Principal, alert_id: int, *, today: dt.date, params: ParameterSet
) -> int:
    _require(principal, OPENERS, "建立核查工单", "open work orders")
    conn = uow.connection
    alert = (
        conn.execute(
            select(ALERTS, HOUSEHOLDS.c.residence_division)
            .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == ALERTS.c.household_id)
            .where(ALERTS.c.id == alert_id, in_scope(principal))
        )
        .mappings()
        .first()
    )
    if alert is None:
        raise NotFound(f"辖区内没有预警 {alert_id}", f"no alert {alert_id} in your jurisdiction")
    if alert["status"] != "open":
        raise Conflict("该预警已有工单或已关闭", "this alert already has a work order or is closed")
    division = alert["residence_division"]
    related = conflicts.for_household(conn, alert["household_id"], division[:6])
    result = conn.execute(
        WORK_ORDERS.insert().values(
            alert_id=alert_id,
            household_id=alert["household_id"],
            county=division[:6],
            township=division[:9] if len(division) >= 9 else None,
            reason=alert["reason"],
            severity=alert["severity"],
            status="new",
            deadline=deadline(params, alert["severity"], division, today),
            conflicts=json.dumps(related, ensure_ascii=False),
            reopened=0,
            version=1,
            created_by=principal.username,
        )
    )
    order_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    stale = conn.execute(
        update(ALERTS)
        .where(ALERTS.c.id == alert_id, ALERTS.c.version == alert["version"])
        .values(status="in_check", version=alert["version"] + 1, updated_at=func.now())
    )
    if stale.rowcount != 1:
        raise Conflict("预警已被他人同时处理", "the alert was handled by someone else at the same time")
    conn.execute(
        WORK_ORDER_EVENTS.insert().values(
            work_order_id=order_id,
            at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            actor=principal.username,
            action="open",
            from_status=None,
            to_status="new",
            note=json.dumps({"alert_id": alert_id, "conflicts": len(related)}),
        )
    )
    audit.record(conn, principal.username, "open", "work_order", str(order_id), {"alert_id": alert_id})
    return order_id


def assign(uow: UnitOfWork, principal: Principal, order_id: int, assignee: str, version: int) -> int:
    _require(principal, ASSIGNERS, "派单", "assign work orders")
    conn = uow.connection
    order = load(conn, principal, order_id)
    _expect(order, version, "new", "assigned")
    worker = (
        conn.execute(select(USERS).where(USERS.c.username == assignee, USERS.c.active.is_(True))).mappings().first()
    )
    if (
        worker is None
        or worker["role"] not in FIELD_WORKERS
        or not order["residence_division"].startswith(worker["jurisdiction"])
    ):
        raise InvalidInput(
            "assignee",
            "应为该户所在地的村级或乡镇经办人员",
            "must be a village or township caseworker where the household lives",
        )
    if any(c["worker_username"] == assignee for c in order["conflicts"]):
        raise InvalidInput(
            "assignee",
            "该人员是此户的近亲属，应回避",
            "this worker is a close relative of the household and must stand aside",
        )
    return _move(conn, principal, order, "assign", "assigned", {"assignee": assignee}, assignee=assignee)


def preview(
    uow: UnitOfWork, principal: Principal, order_id: int, raw: Any, *, today: dt.date, params: ParameterSet
) -> dict[str, Any]:
    """The re-assessment the findings would give, without saving anything."""
    require_persons(principal)
    conn = uow.connection
    order = load(conn, principal, order_id)
    found = findings.validate(raw, _members(conn, order["household_id"]))
    return findings.reassess(conn, order["household_id"], found, date=today, params=params)


def record_findings(
    uow: UnitOfWork,
    principal: Principal,
    order_id: int,
    raw: Any,
    version: int,
    *,
    today: dt.date,
    params: ParameterSet,
) -> int:
    _require(principal, FIELD_WORKERS, "录入核查结果", "record findings")
    conn = uow.connection
    order = load(conn, principal, order_id)
    _expect(order, version, "assigned", "visited")
    conflicts.ensure_unrelated(order["conflicts"], principal)
    found = findings.validate(raw, _members(conn, order["household_id"]))
    result = findings.reassess(conn, order["household_id"], found, date=today, params=params)
    changed = [p["id"] for p in result["programmes"] if p["changed"]]
    return _move(
        conn,
        principal,
        order,
        "record_findings",
        "visited",
        {"changed_programmes": changed},
        findings=json.dumps(found, ensure_ascii=False),
        reassessment=json.dumps(result, ensure_ascii=False, default=str),
    )


def propose(
    uow: UnitOfWork, principal: Principal, order_id: int, decision: str, programme: str | None, version: int
) -> int:
    _require(principal, PROPOSERS, "提出处理意见", "propose decisions")
    conn = uow.connection
    order = load(conn, principal, order_id)
    _expect(order, version, "visited")
    conflicts.ensure_unrelated(order["conflicts"], principal)
    if decision not in DECISIONS:
        raise InvalidInput("decision", f"应为 {'/'.join(DECISIONS)}", f"must be one of {', '.join(DECISIONS)}")
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
    return _move(
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
    _require(principal, APPROVERS, "审批", "approve decisions")
    conn = uow.connection
    order = load(conn, principal, order_id)
    _expect(order, version, "decided")
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
    return _move(
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
    _require(principal, APPROVERS, "退回", "send decisions back")
    _need_reason(reason)
    conn = uow.connection
    order = load(conn, principal, order_id)
    _expect(order, version, "decided")
    return _move(
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
    _require(principal, REOPENERS, "重新打开工单", "reopen work orders")
    _need_reason(reason)
    conn = uow.connection
    order = load(conn, principal, order_id)
    _expect(order, version, "closed")
    return _move(
        conn,
        principal,
        order,
        "reopen",
        "assigned" if order["assignee"] else "new",
        {"reason": reason},
        reopened=order["reopened"] + 1,
        deadline=deadline(params, order["severity"], order["residence_division"], today),
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


def _members(conn: Connection, household_id: str) -> set[str]:
    return set(conn.execute(select(PERSONS.c.person_id).where(PERSONS.c.household_id == household_id)).scalars())


def _enrolled(conn: Connection, household_id: str, programme: str) -> bool:
    query = select(ENROLMENTS.c.id).where(
        ENROLMENTS.c.household_id == household_id, ENROLMENTS.c.programme == programme
    )
    return conn.execute(query).first() is not None
