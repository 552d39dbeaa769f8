"""Saved scenarios (测算方案) of the analyst's page: a reform by name, versioned.

A scenario is never edited: saving it again adds the next version, so a figure quoted from
version 2 can always be traced to what version 2 said. It names no person; it is shared within
the area it was made for (`scenarios.visible`), and every save is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Date, DateTime, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.db.base import Base


class SimulationScenario(Base):
    __tablename__ = "simulation_scenarios"
    __table_args__ = (UniqueConstraint("jurisdiction", "name", "version", name="uq_simulation_scenarios_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reform_id: Mapped[str] = mapped_column(String(16), unique=True)  # the id it runs under, in its text
    name: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    jurisdiction: Mapped[str] = mapped_column(String(12), index=True)  # the area it was made for
    programme: Mapped[str] = mapped_column(String(40))  # "" for a reform file that spans programmes
    effective: Mapped[dt.date] = mapped_column(Date)  # from when the changed values apply
    reform: Mapped[str] = mapped_column(Text)  # the reform file format (YAML), as it runs
    changes: Mapped[str] = mapped_column(Text)  # JSON: what the form changed, old → new, per region
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


SCENARIOS = cast(Table, SimulationScenario.__table__)
