"""Reforms (改革方案): overlays on the baseline parameters, in the same format, and structural
reforms that replace formulas of the model (`formulas:`, see `rules.structural`).

    reform:
      id: raise-standard-2026
      label: {zh: 低保标准提高10%, en: Dibao standard +10 %}
    parameters:
      dibao.standard:
        values:
          "110105":
            2026-01-01: {value: 1672}
      dibao.tiered:
        values:
          CN:
            2026-01-01: {value: true}

A reform is validated in full before use (every parameter must exist, every
entry must fit the parameter's kind and axis, dates in order) and never
mutates the baseline: `apply` returns a new ParameterSet sharing every
unchanged parameter. An entry at the same region and date replaces the
baseline's; others are added. Sources are optional in a reform (it is a
proposal); an entry without one is cited as the reform itself.

A reform gives `parameters:`, `formulas:` or both:

    formulas:
      dibao_gap_fen:
        expression: "max(dibao_standard_fen * dibao_household_size - dibao_household_income_fen, 0)"

`apply_model` returns the model with the replaced formulas (a new model; the baseline's is
shared, never changed). Reading a reform with formulas needs the model they replace nodes of.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from minsheng.errors import RuleDataError
from minsheng.rules.model import Formula, Model
from minsheng.rules.parameter_files import parse_values
from minsheng.rules.parameters import Entry, Parameter, ParameterSet, Source
from minsheng.rules.structural import parse_formulas
from minsheng.rules.yamlsrc import Located, load, load_text


@dataclass(frozen=True)
class Reform:
    id: str
    label_zh: str
    label_en: str
    changes: dict[str, tuple[Entry, ...]]
    file: str
    formulas: dict[str, Formula] = field(default_factory=dict)  # node → its replacement


def load_reform(path: Path, params: ParameterSet, model: Model | None = None) -> Reform:
    if path.suffix.lower() == ".json":
        try:
            json.loads(path.read_text(encoding="utf-8"))  # reject malformed JSON with its own message first
        except json.JSONDecodeError as exc:
            raise RuleDataError(
                str(path), exc.lineno, f"JSON格式错误：{exc.msg}", f"malformed JSON: {exc.msg}"
            ) from None
    return parse_reform(load(path), str(path), params, model)


def parse_reform_text(text: str, file: str, params: ParameterSet, model: Model | None = None) -> Reform:
    return parse_reform(load_text(text, file), file, params, model)


def parse_reform(doc: Any, file: str, params: ParameterSet, model: Model | None = None) -> Reform:
    if not isinstance(doc, Located) or "reform" not in doc or not ("parameters" in doc or "formulas" in doc):
        raise RuleDataError(
            file,
            None,
            "改革方案需要 reform，以及 parameters 或 formulas",
            "a reform needs 'reform' and 'parameters' or 'formulas'",
        )
    head = doc["reform"]
    if not isinstance(head, Located) or "id" not in head:
        raise RuleDataError(file, doc.line_of("reform"), "reform 需要 id", "reform needs an id")
    label = head.get("label") or {}
    changes = _parameters(doc, file, params, str(head["id"])) if "parameters" in doc else {}
    formulas: dict[str, Formula] = {}
    if "formulas" in doc:
        if model is None:
            raise RuleDataError(
                file,
                doc.line_of("formulas"),
                "此改革方案替换公式，读取时需要规则模型",
                "this reform replaces formulas: it must be read with the model",
            )
        formulas = parse_formulas(doc["formulas"], file, doc.line_of("formulas"), model, params, str(head["id"]))
    return Reform(
        str(head["id"]),
        str(label.get("zh", head["id"])),
        str(label.get("en", head["id"])),
        changes,
        file,
        formulas,
    )


def _parameters(doc: Located, file: str, params: ParameterSet, reform_id: str) -> dict[str, tuple[Entry, ...]]:
    changes: dict[str, tuple[Entry, ...]] = {}
    body = doc["parameters"]
    if not isinstance(body, Located) or not body:
        raise RuleDataError(file, doc.line_of("parameters"), "parameters 不能为空", "parameters must not be empty")
    for pid, spec in body.items():
        line = body.line_of(pid)
        if pid not in params:
            raise RuleDataError(file, line, f"参数 {pid} 不存在", f"parameter {pid} does not exist")
        if not isinstance(spec, Located) or "values" not in spec:
            raise RuleDataError(file, line, "每个参数下需要 values", "each parameter needs 'values'")
        entries = parse_values(params[pid], spec["values"], file, spec.line_of("values"), require_source=False)
        cited = Source(local_choice=f"改革方案 reform {reform_id}")
        changes[pid] = tuple(
            e if (e.source.doc or e.source.local_choice) else replace(e, source=cited) for e in entries
        )
    return changes


def apply(params: ParameterSet, reform: Reform) -> ParameterSet:
    """The baseline with the reform's entries laid over it; the baseline is untouched."""
    changed: dict[str, Parameter] = {}
    for pid, entries in reform.changes.items():
        base = params[pid]
        replaced = {(e.region, e.effective) for e in entries}
        merged = [e for e in base.entries if (e.region, e.effective) not in replaced] + list(entries)
        merged.sort(key=lambda e: (e.region, e.effective))
        changed[pid] = replace(base, entries=tuple(merged))
    return params.with_overrides(changed)


def apply_model(model: Model, reform: Reform) -> Model:
    """The model with the reform's formulas in place (a new model), or the model itself when the
    reform replaces none. `model` is the one the reform was read with."""
    return model.replaced(reform.formulas) if reform.formulas else model
