"""On-site findings (入户核查结果) and their re-assessment.

A caseworker records what the visit found, in the contract's own words and units
(money in yuan as on the import template):

    {"household": {"vehicles": 0, "financial_assets": 3200},
     "persons": {"P001": {"wage_income": 0, "employment": "unemployed"}},
     "departed": {"P002": "deceased"},
     "note": "主要劳动力3月失业，家中无车"}

`departed` names the members the visit found gone: `deceased` (死亡) or `moved_out`
(迁出). They leave the household when the decision is approved, and the re-assessment
counts the household without them (the engine counts members).

`validate` turns it into store values (fen, codes) or names the wrong field;
`reassess` runs every programme on the household with the findings laid over the
registry and shows, programme by programme, what changes. The registry itself is
changed only when a decision is approved (`apply`).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
from sqlalchemy import Connection, delete, update

from minsheng.assessment import explain
from minsheng.contract.columns import (
    HOUSEHOLD_COLUMNS,
    MAX_COUNT,
    MAX_DECIMAL,
    MAX_MONEY_FEN,
    PERSON_COLUMNS,
    Column,
)
from minsheng.errors import InvalidInput
from minsheng.registry import population
from minsheng.registry.tables import HOUSEHOLDS, PERSONS
from minsheng.rules.parameters import ParameterSet

# What a visit can establish: incomes, expenses, assets, capacities — never identity.
HOUSEHOLD_FIELDS = {
    c.name: c
    for c in HOUSEHOLD_COLUMNS
    if c.name
    in (
        "financial_assets",
        "properties",
        "housing_area_m2",
        "non_residential_property",
        "vehicles",
        "vehicle_value",
        "business_capital",
    )
}
PERSON_FIELDS = {
    c.name: c
    for c in PERSON_COLUMNS
    if c.kind in ("money", "enum", "int", "bool") and c.name not in ("relation", "sex", "medical_insurance_years")
}
MAX_NOTE = 2000
DEPARTURES = {"deceased": ("死亡", "deceased"), "moved_out": ("迁出", "moved out")}
MAX_YUAN = Decimal(MAX_MONEY_FEN) / 100


def _decimal(raw: Any) -> Decimal | None:
    """A finite amount from a JSON number or a typed one (the page's form), else None."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        return None
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _value(column: Column, raw: Any, where: str) -> Any:
    # Every number within the contract's ranges (contract.columns): a finite value that fits its
    # column (a 32-bit count, int64 fen), as a file would have to carry it (security #6: 1e30,
    # NaN, 2³¹ vehicles were server errors, or reached the registry and no longer exported).
    if raw is None:
        return None
    if column.kind == "money":
        amount = _decimal(raw)
        if (
            amount is None
            or not 0 <= amount <= MAX_YUAN
            or amount != amount.quantize(Decimal("0.01"))  # safe: bounded, far inside the precision
        ):
            raise InvalidInput(
                where,
                f"应为不小于0、不超过{MAX_YUAN}、最多两位小数的金额（元）",
                f"must be an amount in yuan from 0 to {MAX_YUAN} with at most 2 decimals",
            )
        return int(amount * 100)
    if column.kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_COUNT:
            raise InvalidInput(
                where, f"应为不小于0的整数（最大{MAX_COUNT}）", f"must be a whole number from 0 to {MAX_COUNT}"
            )
        return raw
    if column.kind == "decimal":
        finite = isinstance(raw, int) or (isinstance(raw, float) and math.isfinite(raw))
        if isinstance(raw, bool) or not finite or not 0 <= raw < MAX_DECIMAL:
            raise InvalidInput(
                where, f"应为不小于0、小于{MAX_DECIMAL}的数", f"must be a number ≥ 0 and below {MAX_DECIMAL}"
            )
        return float(raw)
    if column.kind == "bool":
        if not isinstance(raw, bool):
            raise InvalidInput(where, "应为是或否（true/false）", "must be true or false")
        return raw
    assert column.codes is not None
    code = column.codes.accepted().get(str(raw))
    if code is None:
        raise InvalidInput(
            where, f"应为 {'/'.join(column.codes.labels)} 之一", f"must be one of {', '.join(column.codes.labels)}"
        )
    return code


def validate(findings: Any, member_ids: set[str]) -> dict[str, Any]:
    """Findings in store units: {"household": {store_column: value}, "persons": {id: {…}},
    "departed": {id: reason}, "note": str}."""
    if not isinstance(findings, dict) or set(findings) - {"household", "persons", "departed", "note"}:
        raise InvalidInput(
            "findings",
            "只能包含 household、persons、departed、note",
            "may hold only household, persons, departed and note",
        )
    note = findings.get("note") or ""
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise InvalidInput(
            "findings.note", f"应为不超过{MAX_NOTE}字的文字", f"must be text of at most {MAX_NOTE} characters"
        )
    for part in ("household", "persons", "departed"):
        if not isinstance(findings.get(part) or {}, dict):
            raise InvalidInput(f"findings.{part}", "应为项目与数值", "must map items to values")
    household: dict[str, Any] = {}
    for name, raw in (findings.get("household") or {}).items():
        if name not in HOUSEHOLD_FIELDS:
            raise InvalidInput(
                f"findings.household.{name}", "不是可核查的家庭项目", "is not a household item a visit records"
            )
        column = HOUSEHOLD_FIELDS[name]
        household[column.store_name] = _value(column, raw, f"findings.household.{name}")
    persons: dict[str, dict[str, Any]] = {}
    for person_id, items in (findings.get("persons") or {}).items():
        if person_id not in member_ids:
            raise InvalidInput(f"findings.persons.{person_id}", "不是该户成员", "is not a member of this household")
        if not isinstance(items, dict):
            raise InvalidInput(f"findings.persons.{person_id}", "应为项目与数值", "must map items to values")
        persons[person_id] = {}
        for name, raw in items.items():
            if name not in PERSON_FIELDS:
                raise InvalidInput(
                    f"findings.persons.{person_id}.{name}",
                    "不是可核查的成员项目",
                    "is not a member item a visit records",
                )
            column = PERSON_FIELDS[name]
            persons[person_id][column.store_name] = _value(column, raw, f"findings.persons.{person_id}.{name}")
    return {"household": household, "persons": persons, "departed": _departed(findings, member_ids), "note": note}


def _departed(findings: dict[str, Any], member_ids: set[str]) -> dict[str, str]:
    departed: dict[str, str] = {}
    for person_id, reason in (findings.get("departed") or {}).items():
        where = f"findings.persons.{person_id}.departed"
        if person_id not in member_ids:
            raise InvalidInput(where, "不是该户成员", "is not a member of this household")
        if reason not in DEPARTURES:
            raise InvalidInput(where, "应为 死亡/迁出 之一", "must be deceased or moved_out")
        departed[person_id] = reason
    if member_ids and set(departed) >= member_ids:
        # A household without members is no household: closing one is a different procedure.
        raise InvalidInput(
            "findings.departed", "至少应有一名成员仍在户", "at least one member must remain in the household"
        )
    return departed


def overlay(hh: pl.DataFrame, pp: pl.DataFrame, found: dict[str, Any]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The household's frames with the findings in place of the registry's values."""
    hh_rows = [row | found["household"] for row in hh.to_dicts()]
    gone = found.get("departed") or {}
    pp_rows = [
        row | found["persons"].get(row["person_id"], {}) for row in pp.to_dicts() if row["person_id"] not in gone
    ]
    return pl.DataFrame(hh_rows, schema=hh.schema), pl.DataFrame(pp_rows, schema=pp.schema)


def by_programme(expl: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One line per programme: a person-level programme (tekun) counts if any member qualifies."""
    out: dict[str, dict[str, Any]] = {}
    rank = {"eligible": 2, "unknown": 1, "ineligible": 0}
    for entry in expl["programmes"]:
        line = out.setdefault(
            entry["id"],
            {"id": entry["id"], "label": entry["label"], "status": "ineligible", "benefit_fen": None, "failed": []},
        )
        if rank[entry["status"]] > rank[line["status"]]:
            line["status"] = entry["status"]
        if entry["benefit"] is not None and entry["status"] == "eligible":
            line["benefit_fen"] = (line["benefit_fen"] or 0) + round(entry["benefit"] * 100)
        line["failed"] = sorted(set(line["failed"]) | set(entry["failed"]))
    return out


def reassess(
    conn: Connection, household_id: str, found: dict[str, Any], *, date: dt.date, params: ParameterSet
) -> dict[str, Any]:
    """Every programme before (registry) and after (findings), with the full explanation after."""
    hh, pp = population.load(conn, household_id=household_id)
    before = by_programme(explain(hh, pp, household_id, date=date, params=params))
    new_hh, new_pp = overlay(hh, pp, found)
    expl = explain(new_hh, new_pp, household_id, date=date, params=params)
    after = by_programme(expl)
    programmes = [
        after[pid]
        | {
            "before_status": before[pid]["status"],
            "before_benefit_fen": before[pid]["benefit_fen"],
            "changed": (before[pid]["status"], before[pid]["benefit_fen"])
            != (after[pid]["status"], after[pid]["benefit_fen"]),
        }
        for pid in after
    ]
    return {"date": date.isoformat(), "programmes": programmes, "explanation": expl}


def apply(conn: Connection, household_id: str, found: dict[str, Any]) -> None:
    """Write approved findings into the registry (the visit's values become the record); a
    member who died or moved out leaves the household."""
    if found["household"]:
        conn.execute(update(HOUSEHOLDS).where(HOUSEHOLDS.c.household_id == household_id).values(**found["household"]))
    for person_id, values in found["persons"].items():
        if values:
            conn.execute(
                update(PERSONS)
                .where(PERSONS.c.person_id == person_id, PERSONS.c.household_id == household_id)
                .values(**values)
            )
    gone = list(found.get("departed") or {})
    if gone:
        # The per-division counts (registry.counts) are the imports' to refresh: the application's
        # database role may only read them, so a departure shows there after the next import.
        conn.execute(delete(PERSONS).where(PERSONS.c.person_id.in_(gone), PERSONS.c.household_id == household_id))
