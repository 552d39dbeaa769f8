"""Tables of case work (核查工单) and the conflict-of-interest register (近亲属备案)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import BigInteger, Date, DateTime, Integer, String, Table, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.db.base import Base


class WorkOrder(Base):
    """An on-site check (核查工单) from an alert to a decision: new → assigned → visited →
    decided (proposed in the township) → closed (approved in the county)."""

    __tablename__ = "work_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    household_id: Mapped[str] = mapped_column(String(64), index=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    township: Mapped[str | None] = mapped_column(String(9), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), index=True)
    assignee: Mapped[str | None] = mapped_column(String(64), index=True)
    deadline: Mapped[dt.date] = mapped_column(Date, index=True)
    findings: Mapped[str | None] = mapped_column(Text)  # JSON: corrected incomes and assets found on site
    reassessment: Mapped[str | None] = mapped_column(Text)  # JSON: every programme re-run with the findings
    decision: Mapped[str | None] = mapped_column(String(12))  # enrol / adjust / exit / no_change
    programme: Mapped[str | None] = mapped_column(String(40))
    benefit_fen: Mapped[int | None] = mapped_column(BigInteger)  # monthly, as proposed
    proposed_by: Mapped[str | None] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    conflicts: Mapped[str] = mapped_column(Text, default="[]")  # JSON: related workers (人情保、关系保)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WorkOrderEvent(Base):
    """The timeline of a work order: who moved it, from what to what, and why."""

    __tablename__ = "work_order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    work_order_id: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="{}")


class Relative(Base):
    """The conflict-of-interest register (近亲属备案): a village cadre's or a worker's close
    relative, found by the blind index of the relative's ID number."""

    __tablename__ = "relatives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    worker_name: Mapped[str] = mapped_column(String(64))
    worker_username: Mapped[str | None] = mapped_column(String(64), index=True)  # None: a cadre without an account
    worker_role: Mapped[str] = mapped_column(String(24))  # village_cadre / caseworker / reviewer
    relative_name: Mapped[str] = mapped_column(String(64))
    relative_id_hash: Mapped[str] = mapped_column(String(64), index=True)
    relative_id_masked: Mapped[str] = mapped_column(String(18))
    relation: Mapped[str] = mapped_column(String(16))
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


WORK_ORDERS = cast(Table, WorkOrder.__table__)
WORK_ORDER_EVENTS = cast(Table, WorkOrderEvent.__table__)
RELATIVES = cast(Table, Relative.__table__)
