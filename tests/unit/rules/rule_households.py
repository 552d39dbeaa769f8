"""Households built the way scenario files build them (contract names, money in yuan), for the
rule tests in this folder: `build(case(region, [adult(...), ...]), ...)`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from minsheng.rules.scenarios import Case, frames

# A household that passes every local property rule of the demo province 11.
MODEST_HOME = {
    "financial_assets": 0,
    "properties": 1,
    "housing_area_m2": 30,
    "vehicles": 0,
    "business_capital": 0,
    "non_residential_property": 0,
}
AUGUST = dt.date(2025, 8, 1)

Frames = tuple[pl.DataFrame, pl.DataFrame]


def adult(**values: Any) -> dict[str, Any]:
    """A working-age member with no income unless given; `None` leaves a cell blank."""
    person = {
        "birth_date": "1985-01-01",
        "wage_income": 0,
        "business_income": 0,
        "property_income": 0,
        "transfer_income": 0,
    }
    person.update(values)
    return {k: v for k, v in person.items() if v is not None}


def case(
    region: str, persons: list[dict[str, Any]], household: dict[str, Any] | None = None, date: dt.date = AUGUST
) -> Case:
    home = {**MODEST_HOME, **(household or {})}
    return Case(
        file="test",
        line=0,
        name=f"{region} × {len(persons)}",
        date=date,
        region=region,
        household={k: v for k, v in home.items() if v is not None},
        persons=persons,
        output={},
        person_outputs=[{} for _ in persons],
        failed=None,
        unknown=None,
        source="",
        programme="",
    )


def build(*cases: Case) -> Frames:
    """Typed household and person frames; ids S00000, S00001, … and S00000-1, S00000-2, …"""
    return frames(list(cases))
