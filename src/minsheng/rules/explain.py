"""Explanations (结果解释): why a household is or is not entitled, in a versioned schema.

For one household and every programme: eligible / ineligible / unknown (with
the inputs that are missing), each condition with its citation, its inputs and
its result, each parameter value with the region level that supplied it and
its source, and the amount breakdown; `failure_counts` gives the same reasons
counted over a whole run. Turning an explanation into Chinese or English text is
`rules.explain_text`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl

from minsheng import __version__
from minsheng.codes.divisions import divisions
from minsheng.errors import MinshengError
from minsheng.rules.evaluate import DATE_COLUMN, HH, REGION, Result, evaluate, param_column
from minsheng.rules.model import Aggregate, Formula, Input, Model, Programme
from minsheng.rules.parameters import ParameterSet

SCHEMA = "minsheng.explain/v1"
FRACTION_DIGITS = 6  # yuan digits kept for amounts that are not whole fen (1/10,000 of a fen)
STATUS = {True: "eligible", False: "ineligible", None: "unknown"}


def explain_household(
    model: Model,
    params: ParameterSet,
    households: pl.DataFrame,
    persons: pl.DataFrame,
    household_id: str,
    *,
    date: dt.date,
) -> dict[str, Any]:
    """The explanation of every programme for one household (frames may hold more households)."""
    hh = households.filter(pl.col("household_id") == household_id)
    if hh.is_empty():
        raise MinshengError(f"没有编号为 {household_id} 的家庭", f"no household with id {household_id}")
    pp = persons.filter(pl.col("household_id") == household_id)
    # The date asked for is the date explained: a frame's own assessment_date would be
    # evaluated instead, while parameter provenance and the header used `date`.
    hh = hh.drop(DATE_COLUMN, strict=False)
    result = evaluate(model, params, hh, pp, date=date, keep_all=True)
    return build(model, result, date)


def build(model: Model, result: Result, date: dt.date) -> dict[str, Any]:
    hh_row = result.households.row(0, named=True)
    members = result.persons.sort("person_id").to_dicts()
    region = hh_row["residence_division"]
    found = divisions().lookup(region)
    out: dict[str, Any] = {
        "format": SCHEMA,
        "engine": {"name": "minsheng", "version": __version__},
        "household_id": hh_row["household_id"],
        "date": date.isoformat(),
        "region": {"code": region, "name": divisions().full_name(region) if found else None},
        "members": [{"person_id": m["person_id"], "name": m.get("name")} for m in members],
        "programmes": [],
    }
    for programme in model.programmes.values():
        subjects = [hh_row] if programme.entity == "household" else members
        for subject in subjects:
            out["programmes"].append(_programme(model, result, programme, subject, hh_row, members, date))
    return out


def _programme(
    model: Model,
    result: Result,
    programme: Programme,
    row: dict[str, Any],
    hh_row: dict[str, Any],
    members: list[dict[str, Any]],
    date: dt.date,
) -> dict[str, Any]:
    eligible = row[programme.eligible]
    status = STATUS[eligible]
    conditions = [_condition(model, result, name, row, hh_row, members, date) for name in programme.conditions]
    missing = [m for c in conditions if c["result"] is None for m in c["missing"]]
    if programme.benefit and row[programme.benefit] is None and status == "eligible":
        # Eligible but the amount is unknown (a blank birth date hides a top-up): say what it lacks.
        missing += _missing(model, result, programme.benefit, row, hh_row, members)
    entry: dict[str, Any] = {
        "id": programme.id,
        "label": {"zh": programme.label_zh, "en": programme.label_en},
        "basis": programme.basis,
        "subject": {
            "entity": programme.entity,
            "id": row["household_id"] if programme.entity == "household" else row["person_id"],
            "name": row.get("name"),
        },
        "status": status,
        "failed": [c["id"] for c in conditions if c["result"] is False],
        "unknown": [c["id"] for c in conditions if c["result"] is None],
        "conditions": conditions,
        "missing_inputs": _dedupe(missing),
        "amounts": [_value(model, name, row.get(name, hh_row.get(name))) for name in programme.amounts],
        "benefit": _money(row[programme.benefit]) if programme.benefit else None,
    }
    reformed = _reformed(model, programme, row, hh_row)
    if reformed:  # a structural reform's formulas this result went through (absent otherwise)
        entry["reformed"] = reformed
    return entry


def _reformed(model: Model, programme: Programme, row: dict[str, Any], hh_row: dict[str, Any]) -> list[dict[str, Any]]:
    """Every formula a reform replaced on the way to this programme's result: its rule as the
    reform wrote it, the reform it comes from, and its value here (when it was computed)."""
    roots = [n for n in (programme.eligible, programme.benefit, *programme.amounts) if n]
    out = []
    for name in model.order(roots):
        node = model.nodes[name]
        if isinstance(node, Formula) and node.rule:
            value = _value(model, name, row.get(name, hh_row.get(name)))
            out.append({**value, "rule": node.rule, "cite": node.cite})
    return out


def _dedupe(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for item in items:
        key = tuple(sorted((k, str(v)) for k, v in item.items()))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _condition(
    model: Model,
    result: Result,
    name: str,
    row: dict[str, Any],
    hh_row: dict[str, Any],
    members: list[dict[str, Any]],
    date: dt.date,
) -> dict[str, Any]:
    node = model.nodes[name]
    assert isinstance(node, Formula)
    value = row[name]
    inputs = [_value(model, dep, row.get(dep, hh_row.get(dep))) for dep in node.deps]
    params = _parameters(model, result, name, hh_row, date)
    missing = _missing(model, result, name, row, hh_row, members) if value is None else []
    out = {
        "id": name,
        "label": {"zh": node.label_zh, "en": node.label_en},
        "cite": node.cite,
        "result": value,
        "inputs": inputs,
        "parameters": params,
        "missing": missing,
    }
    if node.rule:  # replaced by a reform: the rule is its expression, the citation the reform
        out["rule"] = node.rule
    return out


def _parameters(model: Model, result: Result, name: str, hh_row: dict[str, Any], date: dt.date) -> list[dict[str, Any]]:
    """Every parameter a node depends on (through its ancestors), with its provenance."""
    params: list[dict[str, Any]] = []
    for n in model.order([name]):
        for pid in model.params_of(n).values():
            if pid not in (p["id"] for p in params):
                params.append(_parameter(result, pid, hh_row, date))
    return params


def _missing(
    model: Model,
    result: Result,
    name: str,
    row: dict[str, Any],
    hh_row: dict[str, Any],
    members: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The blank inputs and unset parameters that leave `name` unknown for this subject.

    Walks back from the node through the dependencies that are themselves unknown, so an input
    that is blank but did not matter (a blank disability grade reads as "none on record") is
    not reported as missing."""
    missing: list[dict[str, Any]] = []
    seen: set[tuple[str, Any]] = set()

    def visit(n: str, at: dict[str, Any]) -> None:
        if (n, at.get("person_id")) in seen or at.get(n) is not None:
            return
        seen.add((n, at.get("person_id")))
        node = model.nodes[n]
        label = {"zh": node.label_zh, "en": node.label_en}
        if isinstance(node, Input):
            if node.entity == "household":
                missing.append({"kind": "input", "name": n, "label": label, "entity": "household"})
            else:
                missing.append(
                    {
                        "kind": "input",
                        "name": n,
                        "label": label,
                        "entity": "person",
                        "person_id": at["person_id"],
                        "person": at.get("name"),
                    }
                )
        elif isinstance(node, Aggregate):
            for member in members:
                visit(node.of, member)
        else:
            for pid in node.params.values():
                column = param_column(pid)
                if column in at and at[column] is None:
                    param = result.params[pid]
                    missing.append(
                        {
                            "kind": "parameter",
                            "name": pid,
                            "label": {"zh": param.label_zh, "en": param.label_en},
                            "region": hh_row["residence_division"],
                        }
                    )
            for dep in node.deps:
                visit(dep, hh_row if model.nodes[dep].entity == "household" else at)

    visit(name, hh_row if model.nodes[name].entity == "household" else row)
    return _dedupe(missing)


def _parameter(result: Result, pid: str, hh_row: dict[str, Any], date: dt.date) -> dict[str, Any]:
    param = result.params[pid]
    comp = result.params.compiled(pid)
    level, entry = comp.provenance(int(hh_row[REGION]), date)
    raw = hh_row.get(param_column(pid))
    if raw is None and entry is not None and entry.value is not None:
        axis = hh_row.get(param.axis) if param.axis else ""
        raw = entry.value.get(axis or "", None)
    value: Any = None if raw is None or (isinstance(raw, float) and math.isnan(raw)) else param.to_display(float(raw))
    if value is not None and param.kind == "bool":
        value = bool(value)
    return {
        "id": pid,
        "label": {"zh": param.label_zh, "en": param.label_en},
        "value": value,
        "unit": param.unit,
        "level": level,
        "region": (entry.region or "CN") if entry else None,
        "effective": entry.effective.isoformat() if entry else None,
        "source": entry.source.as_dict() if entry else None,
        "file": param.file,
    }


def _money(fen: Any) -> float | None:
    return None if fen is None else round(fen / 100, 2)


def _value(model: Model, name: str, raw: Any) -> dict[str, Any]:
    node = model.nodes[name]
    unit = getattr(node, "unit", "")
    if isinstance(raw, float) and math.isnan(raw):
        raw = None
    value: Any = raw
    if raw is not None and unit.startswith("fen"):
        # Whole fen read as yuan with 2 decimals; a per-capita figure (a share of fen) keeps
        # its fraction, so a value a third of a fen over a limit is not shown equal to it.
        value = round(raw / 100, 2) if float(raw).is_integer() else round(raw / 100, FRACTION_DIGITS)
        unit = "yuan" + unit[3:]
    elif isinstance(raw, dt.date):
        value = raw.isoformat()
    elif isinstance(raw, float):
        value = round(raw, 4) if math.isfinite(raw) else "inf"
    return {"id": name, "label": {"zh": node.label_zh, "en": node.label_en}, "value": value, "unit": unit}


# ---------------------------------------------------------------- over a whole run


def failure_counts(model: Model, result: Result, by: str = "township") -> pl.DataFrame:
    """How many households (or persons) fail or lack each condition, per township (or county)."""
    size = 9 if by == "township" else 6
    parts: list[pl.DataFrame] = []
    # Persons with their household's residence: joined once, for every person programme.
    persons: pl.DataFrame | None = None
    for programme in model.programmes.values():
        if programme.entity == "household":
            frame = result.households
        else:
            if persons is None and "residence_division" in result.persons.columns:
                persons = result.persons  # `evaluate` gives each person their household's area
            elif persons is None:
                where = result.households.select("household_id", "residence_division")
                persons = result.persons.join(where, on="household_id", how="left")
            frame = persons
        conds = [c for c in programme.conditions if c in frame.columns]
        if not conds:
            continue
        # One group-by per programme for all its conditions, then one row per condition.
        counts = frame.group_by(pl.col("residence_division").str.slice(0, size).alias(by)).agg(
            *((pl.col(c) == False).sum().alias(f"failed:{c}") for c in conds),  # noqa: E712 - a count of false
            *(pl.col(c).is_null().sum().alias(f"unknown:{c}") for c in conds),
            pl.len().alias("assessed"),
        )
        parts.extend(
            counts.select(
                by,
                pl.lit(programme.id).alias("programme"),
                pl.lit(c).alias("condition"),
                pl.col(f"failed:{c}").alias("failed"),
                pl.col(f"unknown:{c}").alias("unknown"),
                "assessed",
            )
            for c in conds
        )
    if not parts:
        return pl.DataFrame()
    return (
        pl.concat(parts)
        .select(by, "programme", "condition", "failed", "unknown", "assessed")
        .sort(by, "programme", "condition")
    )


__all__ = ["HH", "SCHEMA", "build", "explain_household", "failure_counts"]
