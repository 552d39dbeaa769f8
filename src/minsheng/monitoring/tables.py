"""The table of alerts (预警)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Date, DateTime, Integer, String, Table, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.db.base import Base


class Alert(Base):
    """预警: a household flagged by a warning rule, graded, with the records that triggered it.

    One open alert per household and reason (`open_key`); a new event on it updates
    the alert instead of adding another. `version` guards against lost updates."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    open_key: Mapped[str | None] = mapped_column(String(160), unique=True)  # household:reason while open
    household_id: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(40), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # hardship / exit
    severity: Mapped[str] = mapped_column(String(8), index=True)  # red / orange / yellow (分级预警)
    status: Mapped[str] = mapped_column(String(12), index=True)  # open / closed
    first_event: Mapped[dt.date] = mapped_column(Date)
    last_event: Mapped[dt.date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text)  # JSON list of feed keys (source:record_id)
    county: Mapped[str] = mapped_column(String(6), index=True)
    township: Mapped[str | None] = mapped_column(String(9), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


ALERTS = cast(Table, Alert.__table__)
