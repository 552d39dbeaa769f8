"""Read-side queries over the registry: counts for summaries and the demo page.

Every query takes a jurisdiction (a division-code prefix); the default ""
means the whole registry, which only an administrator's session may use.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, case, func, select

from minsheng.codes.divisions import divisions
from minsheng.registry.counts import DIVISION_COUNTS


@dataclass(frozen=True)
class TownshipCount:
    township: str | None
    name: str
    urban_households: int
    rural_households: int
    urban_persons: int
    rural_persons: int

    @property
    def households(self) -> int:
        return self.urban_households + self.rural_households

    @property
    def persons(self) -> int:
        return self.urban_persons + self.rural_persons


@dataclass(frozen=True)
class RegistrySummary:
    jurisdiction: str
    townships: list[TownshipCount]

    @property
    def households(self) -> int:
        return sum(t.households for t in self.townships)

    @property
    def persons(self) -> int:
        return sum(t.persons for t in self.townships)


def summary(bind: Engine | Connection, jurisdiction: str = "") -> RegistrySummary:
    """Households and persons by township and urban/rural within a jurisdiction, from the
    per-division counts every import keeps current (`registry.counts`)."""
    c = DIVISION_COUNTS.c
    township = case((func.length(c.residence_division) >= 9, func.substr(c.residence_division, 1, 9)))
    urban = c.urban_rural == "urban"
    query = (
        select(
            township.label("township"),
            func.sum(case((urban, c.households), else_=0)),
            func.sum(case((urban, 0), else_=c.households)),
            func.sum(case((urban, c.persons), else_=0)),
            func.sum(case((urban, 0), else_=c.persons)),
        )
        .where(c.residence_division.startswith(jurisdiction))
        .group_by(township)
        .order_by(township)
    )
    if isinstance(bind, Connection):
        rows = bind.execute(query).all()
    else:
        with bind.connect() as conn:
            rows = conn.execute(query).all()
    towns = [
        TownshipCount(t, _township_name(t), int(uh or 0), int(rh or 0), int(up or 0), int(rp or 0))
        for t, uh, rh, up, rp in rows
    ]
    return RegistrySummary(jurisdiction, towns)


def _township_name(code: str | None) -> str:
    if code is None:
        return "（仅登记到区县）"
    found = divisions().lookup(code)
    return found.name if found else f"{code}（未知区划）"
