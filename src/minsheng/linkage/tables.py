"""The table of probabilistic linkage's review queue (比对复核): a feed record whose best match lies
between the two thresholds waits here for a caseworker (accept / reject), with the match weight of
every comparison (the waterfall of why).
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import DateTime, Float, Integer, String, Table, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.db.base import Base


class LinkCandidate(Base):
    __tablename__ = "link_candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feed_key: Mapped[str] = mapped_column(String(160), index=True)  # source:record_id of the feed record
    person_id: Mapped[str] = mapped_column(String(64), index=True)  # the registry person proposed
    household_id: Mapped[str] = mapped_column(String(64), index=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    match_weight: Mapped[float] = mapped_column(Float)
    match_probability: Mapped[float] = mapped_column(Float)
    comparisons: Mapped[str] = mapped_column(Text)  # JSON: [{comparison, level, label, weight}] (waterfall)
    status: Mapped[str] = mapped_column(String(12), index=True)  # pending / accepted / rejected
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


LINK_CANDIDATES = cast(Table, LinkCandidate.__table__)
