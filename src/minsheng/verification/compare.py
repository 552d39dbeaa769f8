"""逐项比对 and 重新测算: the declaration beside what the departments' records establish.

    applied = apply_feeds(hh, pp, found.feeds, start=start, end=as_of)
    compare(hh, pp, found.listing, applied)               # one item per declared value a record bears on
    reassess(hh, pp, applied, "A1", date=as_of, params=params)   # every programme before and after

Which value a record establishes is `feeds.apply`'s to say (a wage record replaces the
declared wage; a bank balance is a floor under declared assets, …): the `determined` value
of an item is its observed value, its evidence the records `apply_feeds` names for a
change. An item that did not change lists the records of the kinds that bear on it, so
a record that confirms a declaration is on the report too (状态 一致).

Pure: frames and lists in, plain data out (money in yuan with two decimals, as text).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from minsheng.assessment import explain
from minsheng.casework.findings import by_programme
from minsheng.contract.columns import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, Column
from minsheng.feeds.apply import MEMBERSHIP, Applied
from minsheng.feeds.fields import HOUSEHOLD_FIELDS, PERSON_FIELDS
from minsheng.feeds.payload import yuan
from minsheng.programmes.registry import model
from minsheng.rules.parameters import ParameterSet

# The record kinds that bear on each field `feeds.apply` sets (a test keeps the keys equal to its fields).
FIELD_KINDS: dict[str, tuple[str, ...]] = {
    "wage_income_fen": ("wage_record", "unemployment"),
    "employment": ("wage_record", "unemployment"),
    "transfer_income_fen": ("pension_payment", "unemployment"),
    "disability_grade": ("disability_certification",),
    "disability_kind": ("disability_certification",),
    "school_stage": ("education_enrolment",),
    "education_expense_fen": ("education_enrolment",),
    "medical_expense_fen": ("medical_claim",),
    "financial_assets_fen": ("deposit_balance", "provident_fund"),
    "vehicles": ("vehicle_registration",),
    "vehicle_value_fen": ("vehicle_registration",),
    "properties": ("property_registration",),
    "housing_area_m2": ("property_registration",),
    "non_residential_property": ("property_registration",),
    "business_capital_fen": ("business_registration",),
}
COLUMNS = {c.store_name: c for c in (*PERSON_COLUMNS, *HOUSEHOLD_COLUMNS)}
CONSISTENT, DIFFERS = "consistent", "differs"


def compare(
    households: pl.DataFrame, persons: pl.DataFrame, listing: list[dict[str, Any]], applied: Applied
) -> list[dict[str, Any]]:
    """Items: scope, person_id, name, field (the contract's name), kind, declared, determined,
    difference (determined − declared; a blank counts as 0), status, evidence (feed keys)."""
    changes = {(c["person_id"], c["field"]): c["feed_key"] for c in applied.changes.to_dicts()}
    deceased = {pid for (pid, field) in changes if field == "member"}
    observed = {p["person_id"]: p for p in applied.persons.to_dicts()}
    items = [_membership(c) for c in applied.changes.filter(pl.col("field").is_in(MEMBERSHIP)).to_dicts()]
    for person in persons.sort("relation", "person_id").to_dicts():
        pid = person["person_id"]
        if pid in deceased:
            continue  # a death explains the rest (feeds.apply reports no other change for them)
        for store in PERSON_FIELDS:
            if store not in persons.columns:
                continue
            mine = [r for r in listing if r["person_id"] == pid]
            evidence = _evidence(changes.get((pid, COLUMNS[store].name)), mine, store)
            if evidence:
                items.append(_item("person", pid, person["name"], store, person[store], observed[pid][store], evidence))
    declared, determined = households.row(0, named=True), applied.households.row(0, named=True)
    for store in HOUSEHOLD_FIELDS:
        if store not in households.columns:
            continue
        evidence = _evidence(changes.get((None, COLUMNS[store].name)), listing, store)
        if evidence:
            items.append(_item("household", None, None, store, declared[store], determined[store], evidence))
    return items


def _evidence(changed_by: str | None, records: list[dict[str, Any]], store: str) -> list[str]:
    if changed_by:
        return changed_by.split(";")
    return [r["feed_key"] for r in records if r["kind"] in FIELD_KINDS[store]]


def _item(
    scope: str, person_id: str | None, name: str | None, store: str, declared: Any, determined: Any, evidence: list[str]
) -> dict[str, Any]:
    column = COLUMNS[store]
    return {
        "scope": scope,
        "person_id": person_id,
        "name": name,
        "field": column.name,
        "kind": column.kind,
        "declared": _value(column, declared),
        "determined": _value(column, determined),
        "difference": _difference(column, declared, determined),
        "status": CONSISTENT if declared == determined else DIFFERS,
        "evidence": evidence,
    }


def _membership(change: dict[str, Any]) -> dict[str, Any]:
    """A death on record: the member is gone (field `member`), the household is smaller (`household_size`)."""
    size = change["field"] == "household_size"
    declared, determined = change["declared"], change["observed"]
    return {
        "scope": "person" if change["person_id"] else "household",
        "person_id": change["person_id"],
        "name": None,
        "field": change["field"],
        "kind": "int" if size else "member",  # member: present → deceased
        "declared": int(declared) if size else declared,
        "determined": int(determined) if size else determined,
        "difference": int(determined) - int(declared) if size else None,
        "status": DIFFERS,
        "evidence": change["feed_key"].split(";"),
    }


def _value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "money":
        return yuan(value)
    if column.kind == "decimal":
        return round(float(value), 2)
    return value


def _difference(column: Column, declared: Any, determined: Any) -> Any:
    """Numbers only; a blank declaration counts as 0 (a record of something never declared)."""
    if column.kind not in ("money", "int", "decimal") or (declared is None and determined is None):
        return None
    change = (determined or 0) - (declared or 0)
    if column.kind == "money":
        return yuan(change)
    return round(float(change), 2) if column.kind == "decimal" else int(change)


def reassess(
    households: pl.DataFrame,
    persons: pl.DataFrame,
    applied: Applied,
    household_id: str,
    *,
    date: dt.date,
    params: ParameterSet,
) -> list[dict[str, Any]]:
    """Every programme on the declaration and on the determined values, as `casework.findings.reassess`
    lines them up: id, label, before_status, before_benefit, status, benefit (yuan/month), changed,
    failed (the conditions not met after the check, with their labels)."""
    before = by_programme(explain(households, persons, household_id, date=date, params=params))
    after = by_programme(explain(applied.households, applied.persons, household_id, date=date, params=params))
    nodes = model().nodes
    lines = []
    for pid, now in after.items():
        was = before[pid]
        lines.append(
            {
                "id": pid,
                "label": now["label"],
                "before_status": was["status"],
                "before_benefit": _benefit(was),
                "status": now["status"],
                "benefit": _benefit(now),
                "changed": (was["status"], was["benefit_fen"]) != (now["status"], now["benefit_fen"]),
                "failed": [
                    {"id": c, "label": {"zh": nodes[c].label_zh, "en": nodes[c].label_en}} for c in now["failed"]
                ],
            }
        )
    return lines


def _benefit(line: dict[str, Any]) -> str | None:
    fen = line["benefit_fen"]
    return None if fen is None or line["status"] != "eligible" else yuan(fen)
