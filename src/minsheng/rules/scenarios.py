"""Scenario tests (情景测试) that policy staff can read, run in one vectorised pass.

A scenario file:

    programme: dibao
    cases:
      - name: 两口之家收入低于标准，领取差额
        date: 2025-08-01
        region: "110105001001"
        source: 社会救助暂行办法 第九条、第十三条
        household: {urban_rural: urban, financial_assets: 1000, properties: 1, vehicles: 0}
        persons:
          - {birth_date: 1980-01-01, wage_income: 1000}
          - {birth_date: 1982-05-01, wage_income: 0, output: {tekun_eligible: false}}
        output: {dibao_eligible: true, dibao_benefit_fen: 2040.00}
        failed: []                       # conditions expected to fail (all others pass or are unknown)
        unknown: []                      # conditions expected to be unknown

Inputs use the data contract's column names and units (money in yuan); outputs
name model nodes, money in yuan. Every case of every file becomes rows of one
frame with its own date, so a whole suite is one evaluation.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from minsheng.contract.columns import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, store_frame
from minsheng.contract.validation import parse_table, reason_text
from minsheng.errors import RuleDataError
from minsheng.rules.evaluate import DATE_COLUMN, evaluate
from minsheng.rules.model import Formula, Model
from minsheng.rules.parameters import ParameterSet
from minsheng.rules.yamlsrc import Located, load

CASE_KEYS = {"name", "date", "region", "source", "household", "persons", "output", "failed", "unknown"}


@dataclass
class Case:
    file: str
    line: int
    name: str
    date: dt.date
    region: str
    household: dict[str, Any]
    persons: list[dict[str, Any]]
    output: dict[str, Any]
    person_outputs: list[dict[str, Any]]
    failed: list[str] | None
    unknown: list[str] | None
    source: str
    programme: str

    @property
    def id(self) -> str:
        return f"{Path(self.file).stem}:{self.line} {self.name}"


@dataclass
class CaseResult:
    case: Case
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_cases(paths: list[Path]) -> list[Case]:
    cases: list[Case] = []
    for path in paths:
        doc = load(path)
        file = str(path)
        if not isinstance(doc, Located) or "cases" not in doc:
            raise RuleDataError(
                file, None, "情景文件需要 programme 和 cases", "a scenario file needs programme and cases"
            )
        for raw in doc["cases"]:
            cases.append(_case(raw, file, str(doc.get("programme", ""))))
    return cases


def _case(raw: Any, file: str, programme: str) -> Case:
    if not isinstance(raw, Located):
        raise RuleDataError(file, None, "每个情景应为映射", "each case must be a mapping")
    unknown_keys = set(raw) - CASE_KEYS
    if unknown_keys:
        raise RuleDataError(file, raw.line, f"未知的键 {sorted(unknown_keys)}", f"unknown keys {sorted(unknown_keys)}")
    for key in ("name", "date", "region", "persons"):
        if key not in raw:
            raise RuleDataError(file, raw.line, f"情景缺少 {key}", f"case lacks '{key}'")
    try:
        date = dt.date.fromisoformat(str(raw["date"]))
    except ValueError:
        raise RuleDataError(file, raw.line_of("date"), "日期应为 YYYY-MM-DD", "date must be YYYY-MM-DD") from None
    persons = [dict(p) for p in raw["persons"]]
    return Case(
        file=file,
        line=raw.line,
        name=str(raw["name"]),
        date=date,
        region=str(raw["region"]),
        household=dict(raw.get("household") or {}),
        persons=[{k: v for k, v in p.items() if k != "output"} for p in persons],
        output=dict(raw.get("output") or {}),
        person_outputs=[dict(p.get("output") or {}) for p in persons],
        failed=list(raw["failed"]) if "failed" in raw else None,
        unknown=list(raw["unknown"]) if "unknown" in raw else None,
        source=str(raw.get("source", "")),
        programme=programme,
    )


def frames(cases: list[Case]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """All cases as typed household and person frames (money in fen), through the importer's parsers."""
    hh_rows, p_rows = [], []
    for i, case in enumerate(cases):
        hid = f"S{i:05d}"
        hh_rows.append(
            {"urban_rural": "urban", **_text(case.household), "household_id": hid, "residence_division": case.region}
        )
        for j, person in enumerate(case.persons):
            p_rows.append(
                {
                    "name": f"成员{j + 1}",
                    "relation": "02" if j == 0 else "99",
                    **_text(person),
                    "person_id": f"{hid}-{j + 1}",
                    "household_id": hid,
                }
            )
    hh_raw = pl.DataFrame(
        hh_rows, schema={c.name: pl.String for c in HOUSEHOLD_COLUMNS if any(c.name in r for r in hh_rows)}
    )
    p_raw = pl.DataFrame(p_rows, schema={c.name: pl.String for c in PERSON_COLUMNS if any(c.name in r for r in p_rows)})
    _check_columns(hh_rows, HOUSEHOLD_COLUMNS, cases, "household")
    _check_columns(p_rows, PERSON_COLUMNS, cases, "persons")
    hh, hh_err = parse_table(hh_raw, "households")
    pp, p_err = parse_table(p_raw, "persons")
    for err, kind, cols in ((hh_err, "households", HOUSEHOLD_COLUMNS), (p_err, "persons", PERSON_COLUMNS)):
        if not err.is_empty():
            first = err.row(0, named=True)
            col = next(c for c in cols if c.name == first["column"])
            zh, en = reason_text(col, first["reason"])
            case = _case_of_row(cases, kind, first["row"] - 2, p_rows)
            raise RuleDataError(
                case.file,
                case.line,
                f"情景“{case.name}”的 {first['column']}={first['value']!r}：{zh}",
                f"case {case.name!r}: {first['column']}={first['value']!r}: {en}",
            )
    hh = store_frame(hh.drop("__row"), "households").with_columns(
        pl.Series(DATE_COLUMN, [c.date for c in cases], dtype=pl.Date)
    )
    pp = store_frame(pp.drop("__row"), "persons")
    return hh, pp


def _text(values: dict[str, Any]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for k, v in values.items():
        out[k] = None if v is None else ("1" if v is True else "0" if v is False else str(v))
    return out


def _check_columns(rows: list[dict[str, Any]], columns: tuple[Any, ...], cases: list[Case], what: str) -> None:
    names = {c.name for c in columns}
    for row in rows:
        extra = set(row) - names
        if extra:
            case = cases[int(row["household_id"][1:6])]
            raise RuleDataError(
                case.file,
                case.line,
                f"{what} 中有数据约定之外的列 {sorted(extra)}",
                f"{what} has columns outside the data contract: {sorted(extra)}",
            )


def _case_of_row(cases: list[Case], kind: str, index: int, p_rows: list[dict[str, Any]]) -> Case:
    if kind == "households":
        return cases[index]
    return cases[int(p_rows[index]["household_id"][1:6])]


def run(model: Model, params: ParameterSet, cases: list[Case]) -> list[CaseResult]:
    """Evaluate every case in one pass and compare with the expectations."""
    hh, pp = frames(cases)
    wanted = {n for c in cases for n in c.output} | {n for c in cases for po in c.person_outputs for n in po}
    programmes = {c.programme for c in cases} & set(model.programmes)
    for pid in programmes:
        wanted |= set(model.programmes[pid].conditions) | {model.programmes[pid].eligible}
    for c in cases:
        for name in (c.failed or []) + (c.unknown or []):
            wanted.add(name)
    missing = [n for n in wanted if n not in model.nodes]
    if missing:
        case = next(
            c
            for c in cases
            if set(c.output) & set(missing)
            or set(c.failed or []) & set(missing)
            or any(set(po) & set(missing) for po in c.person_outputs)
            or set(c.unknown or []) & set(missing)
        )
        raise RuleDataError(
            case.file, case.line, f"没有名为 {missing[0]} 的规则节点", f"no model node named {missing[0]}"
        )
    result = evaluate(model, params, hh, pp, outputs=sorted(wanted), keep_all=True)
    hh_rows = result.households.sort("household_id").to_dicts()
    p_rows = result.persons.sort("person_id").to_dicts()
    by_household: dict[str, list[dict[str, Any]]] = {}
    for row in p_rows:
        by_household.setdefault(row["household_id"], []).append(row)
    results = []
    for case, row in zip(cases, hh_rows, strict=True):
        res = CaseResult(case)
        for name, expected in case.output.items():
            _compare(model, res, name, expected, row[name])
        for person, expected_out in zip(by_household.get(row["household_id"], []), case.person_outputs, strict=False):
            for name, expected in expected_out.items():
                _compare(model, res, f"{name}[{person['person_id']}]", expected, person[name], node=name)
        conditions = _case_conditions(model, case)
        subject_rows = [row, *by_household.get(row["household_id"], [])]
        if case.failed is not None:
            got = sorted({c for c in conditions for r in subject_rows if r.get(c) is False})
            if got != sorted(case.failed):
                res.problems.append(f"failed conditions: expected {sorted(case.failed)}, got {got}")
        if case.unknown is not None:
            got = sorted({c for c in conditions for r in subject_rows if c in r and r.get(c) is None})
            if got != sorted(case.unknown):
                res.problems.append(f"unknown conditions: expected {sorted(case.unknown)}, got {got}")
        results.append(res)
    return results


def _case_conditions(model: Model, case: Case) -> list[str]:
    programme = model.programmes.get(case.programme)
    if programme is not None:
        return list(programme.conditions)
    return [n for n, node in model.nodes.items() if isinstance(node, Formula) and node.condition]


def _compare(model: Model, res: CaseResult, label: str, expected: Any, got: Any, node: str | None = None) -> None:
    unit = getattr(model.nodes[node or label], "unit", "")
    if isinstance(got, float) and math.isnan(got):
        got = None
    if got is not None and unit.startswith("fen") and not isinstance(got, bool):
        got = round(got / 100, 2)  # compare money in yuan, as written in the file
    if isinstance(got, dt.date):
        got = got.isoformat()
    if expected is None or isinstance(expected, bool) or got is None:
        if expected != got:
            res.problems.append(f"{label}: expected {expected!r}, got {got!r}")
        return
    if isinstance(expected, int | float) and isinstance(got, int | float):
        if abs(float(expected) - float(got)) > 0.005:
            res.problems.append(f"{label}: expected {expected}, got {got}")
        return
    if str(expected) != str(got):
        res.problems.append(f"{label}: expected {expected!r}, got {got!r}")
