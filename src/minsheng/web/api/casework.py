"""Alerts and work orders: queues, details and every transition of the flow."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import Field

from minsheng.casework import decisions, orders, queries
from minsheng.web.api.deps import ParamsDep, PrincipalDep, TodayDep, UowDep
from minsheng.web.api.schemas import Approval, Assign, Decision, Findings, FindingsPreview, Reasoned

router = APIRouter(prefix="/api", tags=["alerts and work orders"])
MAX_ROW = 2**31 - 1  # row ids are 32-bit integers in both databases
Code = Annotated[str, Query(max_length=12, pattern="^[0-9]*$")]
Word = Annotated[str, Query(max_length=40, pattern="^[a-z_]*$")]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=MAX_ROW)]
Id = Annotated[int, Path(ge=1, le=MAX_ROW)]


class Approved(Approval):
    comment: str = Field(default="", max_length=2000, description="the reviewer's comment (审批意见)")


@router.get("/alerts")
def alerts(
    uow: UowDep,
    principal: PrincipalDep,
    today: TodayDep,
    status: Word = "open",
    reason: Word = "",
    severity: Word = "",
    township: Code = "",
    min_age_days: Annotated[int, Query(ge=0, le=3650)] = 0,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    page = queries.list_alerts(
        uow.connection,
        principal,
        today=today,
        status=status,
        reason=reason,
        severity=severity,
        township=township,
        min_age_days=min_age_days,
        limit=limit,
        offset=offset,
    )
    return {"total": page.total, "items": page.items}


@router.get("/alerts/{alert_id}")
def alert(alert_id: Id, uow: UowDep, principal: PrincipalDep) -> dict[str, Any]:
    found = queries.alert_detail(uow.connection, principal, alert_id)
    uow.commit()
    return found


@router.post("/alerts/{alert_id}/work-order", status_code=201)
def open_order(
    alert_id: Id, uow: UowDep, principal: PrincipalDep, today: TodayDep, params: ParamsDep
) -> dict[str, int]:
    order_id = orders.open_from_alert(uow, principal, alert_id, today=today, params=params)
    uow.commit()
    return {"id": order_id, "version": 1}


@router.get("/work-orders")
def work_orders(
    uow: UowDep,
    principal: PrincipalDep,
    today: TodayDep,
    status: Word = "",
    township: Code = "",
    assignee: Annotated[str, Query(max_length=64)] = "",
    overdue: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    page = queries.list_orders(
        uow.connection,
        principal,
        today=today,
        status=status,
        township=township,
        assignee=assignee,
        overdue=overdue,
        limit=limit,
        offset=offset,
    )
    return {"total": page.total, "items": page.items}


@router.get("/work-orders/{order_id}")
def work_order(order_id: Id, uow: UowDep, principal: PrincipalDep) -> dict[str, Any]:
    found = queries.order_detail(uow.connection, principal, order_id)
    uow.commit()
    return found


def _done(uow: Any, order_id: Id, version: int) -> dict[str, int]:
    uow.commit()
    return {"id": order_id, "version": version}


@router.post("/work-orders/{order_id}/assign")
def assign(order_id: Id, body: Assign, uow: UowDep, principal: PrincipalDep) -> dict[str, int]:
    return _done(uow, order_id, orders.assign(uow, principal, order_id, body.assignee, body.version))


@router.post("/work-orders/{order_id}/findings/preview")
def preview(
    order_id: Id, body: FindingsPreview, uow: UowDep, principal: PrincipalDep, today: TodayDep, params: ParamsDep
) -> dict[str, Any]:
    """The re-assessment the findings would give; nothing is saved."""
    return orders.preview(uow, principal, order_id, body.findings, today=today, params=params)


@router.post("/work-orders/{order_id}/findings")
def findings(
    order_id: Id, body: Findings, uow: UowDep, principal: PrincipalDep, today: TodayDep, params: ParamsDep
) -> dict[str, int]:
    version = orders.record_findings(uow, principal, order_id, body.findings, body.version, today=today, params=params)
    return _done(uow, order_id, version)


@router.post("/work-orders/{order_id}/decision")
def decision(order_id: Id, body: Decision, uow: UowDep, principal: PrincipalDep) -> dict[str, int]:
    return _done(
        uow, order_id, decisions.propose(uow, principal, order_id, body.decision, body.programme, body.version)
    )


@router.post("/work-orders/{order_id}/approval")
def approval(order_id: Id, body: Approved, uow: UowDep, principal: PrincipalDep, today: TodayDep) -> dict[str, int]:
    version = decisions.approve(uow, principal, order_id, body.version, today=today, comment=body.comment)
    return _done(uow, order_id, version)


@router.post("/work-orders/{order_id}/send-back")
def send_back(order_id: Id, body: Reasoned, uow: UowDep, principal: PrincipalDep) -> dict[str, int]:
    return _done(uow, order_id, decisions.send_back(uow, principal, order_id, body.reason, body.version))


@router.post("/work-orders/{order_id}/reopen")
def reopen(
    order_id: Id, body: Reasoned, uow: UowDep, principal: PrincipalDep, today: TodayDep, params: ParamsDep
) -> dict[str, int]:
    version = decisions.reopen(uow, principal, order_id, body.reason, body.version, today=today, params=params)
    return _done(uow, order_id, version)
