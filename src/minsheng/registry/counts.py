"""Households and persons per division (按区划统计), kept beside the registry for dashboards.

Counting a million persons by township takes most of a second; a dashboard must
answer in a fraction of that. Persons and households change only through an import,
so every import refreshes this small table inside its own transaction: the counts
are never stale and never half-written.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Connection, Integer, String, Table, delete, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.db.base import Base
from minsheng.registry.tables import HOUSEHOLDS, PERSONS


class DivisionCount(Base):
    __tablename__ = "division_counts"

    residence_division: Mapped[str] = mapped_column(String(12), primary_key=True)
    urban_rural: Mapped[str] = mapped_column(String(5), primary_key=True)
    households: Mapped[int] = mapped_column(Integer)
    persons: Mapped[int] = mapped_column(Integer)


DIVISION_COUNTS = cast(Table, DivisionCount.__table__)


def refresh(conn: Connection) -> None:
    """Recount everything in the caller's transaction (about a second for a million persons)."""
    members = select(PERSONS.c.household_id, func.count().label("n")).group_by(PERSONS.c.household_id).subquery()
    counted = (
        select(
            HOUSEHOLDS.c.residence_division,
            HOUSEHOLDS.c.urban_rural,
            func.count().label("households"),
            func.coalesce(func.sum(members.c.n), 0).label("persons"),
        )
        .select_from(HOUSEHOLDS.outerjoin(members, members.c.household_id == HOUSEHOLDS.c.household_id))
        .group_by(HOUSEHOLDS.c.residence_division, HOUSEHOLDS.c.urban_rural)
    )
    conn.execute(delete(DIVISION_COUNTS))
    conn.execute(
        insert(DIVISION_COUNTS).from_select(["residence_division", "urban_rural", "households", "persons"], counted)
    )


def counties(conn: Connection) -> list[str]:
    """The counties the registry holds households in (read from this small table)."""
    found = conn.execute(select(DIVISION_COUNTS.c.residence_division).distinct()).scalars()
    return sorted({str(code)[:6] for code in found})
