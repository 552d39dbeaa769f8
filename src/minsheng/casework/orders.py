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

This module holds the order itself (statuses, roles, `load`, and the shared steps
`require`, `expect`, `move`) and the steps up to the findings: `open_from_alert`,
`assign`, `preview`, `record_findings`. The decision steps (`propose`, `approve`,
`send_back`, `reopen`) are in `decisions`.

Each function is one business operation: the caller passes a `UnitOfWork` acting
for the user and commits once. Every change names the `version` it was based on
(optimistic locking): a stale version raises `Conflict`, never a silent overwrite.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, func, select, update

from minsheng.casework import conflicts, findings
from minsheng.casework.tables import WORK_ORDER_EVENTS, WORK_ORDERS
from minsheng.codes import working_days
from minsheng.db.uow import UnitOfWork
from minsheng.errors import Conflict, Forbidden, InvalidInput, NotFound
from minsheng.monitoring.tables import ALERTS
from minsheng.registry.access import in_scope, require_persons
from minsheng.registry.tables import HOUSEHOLDS, PERSONS
from minsheng.rules.parameters import ParameterSet
from minsheng.security import audit
from minsheng.security.tables import USERS
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


def require(principal: Principal, roles: frozenset[str], zh: str, en: str) -> None:
    """Refuse a user whose role may not take this step (and any analyst)."""
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
    # 限时核查: the grade's limit (parameter casework.check_days_<grade>) counts working days,
    # the State Council's holidays and 调休 included (codes.working_days)
    return working_days.add_working_days(today, int(days))


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


def expect(order: dict[str, Any], version: int, *statuses: str) -> None:
    """Refuse a step based on a stale version or taken in the wrong state."""
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


def move(
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
    require(principal, OPENERS, "建立核查工单", "open work orders")
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
    require(principal, ASSIGNERS, "派单", "assign work orders")
    conn = uow.connection
    order = load(conn, principal, order_id)
    expect(order, version, "new", "assigned")
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
    return move(conn, principal, order, "assign", "assigned", {"assignee": assignee}, assignee=assignee)


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
    require(principal, FIELD_WORKERS, "录入核查结果", "record findings")
    conn = uow.connection
    order = load(conn, principal, order_id)
    expect(order, version, "assigned", "visited")
    conflicts.ensure_unrelated(order["conflicts"], principal)
    found = findings.validate(raw, _members(conn, order["household_id"]))
    result = findings.reassess(conn, order["household_id"], found, date=today, params=params)
    changed = [p["id"] for p in result["programmes"] if p["changed"]]
    return move(
        conn,
        principal,
        order,
        "record_findings",
        "visited",
        {"changed_programmes": changed},
        findings=json.dumps(found, ensure_ascii=False),
        reassessment=json.dumps(result, ensure_ascii=False, default=str),
    )


def _members(conn: Connection, household_id: str) -> set[str]:
    return set(conn.execute(select(PERSONS.c.person_id).where(PERSONS.c.household_id == household_id)).scalars())
