"""Tables of economic-status verification (家庭经济状况核对): the household's written consent
to the check (核对授权) and each 核对报告 as produced (declared vs recorded, re-assessment).
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Date, DateTime, Integer, String, Table, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.db.base import Base


class VerificationAuthorisation(Base):
    __tablename__ = "verification_authorisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[str] = mapped_column(String(64), index=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    signed_by: Mapped[str] = mapped_column(String(64))  # the member who signed (name)
    signed_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    document_ref: Mapped[str] = mapped_column(String(128))  # the paper form's number or scan reference
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class VerificationReport(Base):
    __tablename__ = "verification_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[str] = mapped_column(String(64), index=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    authorisation_id: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[dt.date] = mapped_column(Date)
    content: Mapped[str] = mapped_column(Text)  # JSON: items declared vs recorded, re-assessment
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


VERIFICATION_AUTHORISATIONS = cast(Table, VerificationAuthorisation.__table__)
VERIFICATION_REPORTS = cast(Table, VerificationReport.__table__)
