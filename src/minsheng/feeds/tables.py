"""Tables of department feeds (部门比对数据): records as delivered and linked, and the quarantine."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.db.base import Base
from minsheng.registry import tables as _registry  # noqa: F401  (persons and households must share the metadata)


class FeedRecord(Base):
    """部门比对数据: one department record, linked to a registry person when it can be."""

    __tablename__ = "feed_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feed_key: Mapped[str] = mapped_column(String(160), unique=True)  # source:record_id, idempotent re-delivery
    source: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    event_date: Mapped[dt.date] = mapped_column(Date, index=True)
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(18))
    # Why the ID number as delivered is not valid (validation reason key, e.g. id_check_digit);
    # such a record is kept and left to probabilistic linkage, never linked on the number.
    id_issue: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    # True when ingest read the birth date from the ID number (linkage counts it once, migration 0014).
    birth_date_derived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sex: Mapped[str | None] = mapped_column(String(1))
    residence_division: Mapped[str | None] = mapped_column(String(12))
    county: Mapped[str | None] = mapped_column(String(6), index=True)  # jurisdiction of an unlinked record
    # The area of the department token that delivered the record (blank: imported by the county
    # itself): it is linked only to a person living there, now or by a later linkage run (0013).
    delivered_area: Mapped[str | None] = mapped_column(String(12))
    payload: Mapped[str] = mapped_column(Text)  # the kind's own columns as JSON, money in fen
    person_id: Mapped[str | None] = mapped_column(String(64), index=True)
    household_id: Mapped[str | None] = mapped_column(String(64), index=True)
    link_status: Mapped[str] = mapped_column(String(16), index=True)  # feeds.linking.STATUSES
    link_method: Mapped[str | None] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FeedQuarantine(Base):
    """A feed row that failed validation: kept, encrypted, with its reasons, so nothing is lost."""

    __tablename__ = "feed_quarantine"
    __table_args__ = (UniqueConstraint("file_sha256", "row", name="uq_feed_quarantine_file_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    row: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[str] = mapped_column(Text)  # JSON: [{column, reason_zh, reason_en}]
    raw_enc: Mapped[bytes] = mapped_column(LargeBinary)  # the row as delivered (may hold ID numbers): encrypted
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


FEED_RECORDS = cast(Table, FeedRecord.__table__)
FEED_QUARANTINE = cast(Table, FeedQuarantine.__table__)
