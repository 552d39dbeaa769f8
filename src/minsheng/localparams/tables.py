"""Tables of local parameters: a submission (提交) of values and the values it holds.

A submission is pending until a second person approves or rejects it (maker-checker); only
approved values take effect. Values are never edited: a correction is a new submission, and for
one parameter, division and date the most recently approved submission wins.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.db.base import Base

STATUSES = ("pending", "approved", "rejected")


class LocalParameterBatch(Base):
    __tablename__ = "local_parameter_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    division: Mapped[str] = mapped_column(String(12), index=True)  # the submitter's area it was made for
    status: Mapped[str] = mapped_column(String(12), index=True)
    source_file: Mapped[str] = mapped_column(String(255))
    rows: Mapped[int] = mapped_column(Integer)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)


class LocalParameterValue(Base):
    """One dated value of one parameter for one division; `axis` is "" for every axis value
    (urban and rural alike) or the one it gives."""

    __tablename__ = "local_parameter_values"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(Integer, ForeignKey("local_parameter_batches.id"), index=True)
    parameter_id: Mapped[str] = mapped_column(String(80), index=True)
    region: Mapped[str] = mapped_column(String(12), index=True)
    effective: Mapped[dt.date] = mapped_column(Date)
    axis: Mapped[str] = mapped_column(String(12), default="")
    value: Mapped[str] = mapped_column(String(40))  # as a number is written ("1450", "0.35", "true")
    doc: Mapped[str] = mapped_column(String(200))  # 文号: the document that sets it
    title: Mapped[str | None] = mapped_column(String(400))
    clause: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)


BATCHES = cast(Table, LocalParameterBatch.__table__)
VALUES = cast(Table, LocalParameterValue.__table__)
