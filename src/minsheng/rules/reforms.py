"""Reforms (改革方案): overlays on the baseline parameters, in the same format.

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
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from minsheng.errors import RuleDataError
from minsheng.rules.parameter_files import parse_values
from minsheng.rules.parameters import Entry, Parameter, ParameterSet, Source
from minsheng.rules.yamlsrc import Located, load, load_text


@dataclass(frozen=True)
class Reform:
    id: str
    label_zh: str
    label_en: str
    changes: dict[str, tuple[Entry, ...]]
    file: str


def load_reform(path: Path, params: ParameterSet) -> Reform:
    if path.suffix.lower() == ".json":
        try:
            json.loads(path.read_text(encoding="utf-8"))  # reject malformed JSON with its own message first
        except json.JSONDecodeError as exc:
            raise RuleDataError(
                str(path), exc.lineno, f"JSON格式错误：{exc.msg}", f"malformed JSON: {exc.msg}"
            ) from None
    return parse_reform(load(path), str(path), params)


def parse_reform_text(text: str, file: str, params: ParameterSet) -> Reform:
    return parse_reform(load_text(text, file), file, params)


def parse_reform(doc: Any, file: str, params: ParameterSet) -> Reform:
    if not isinstance(doc, Located) or "reform" not in doc or "parameters" not in doc:
        raise RuleDataError(file, None, "改革方案需要 reform 和 parameters", "a reform needs 'reform' and 'parameters'")
    head = doc["reform"]
    if not isinstance(head, Located) or "id" not in head:
        raise RuleDataError(file, doc.line_of("reform"), "reform 需要 id", "reform needs an id")
    label = head.get("label") or {}
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
        cited = Source(local_choice=f"改革方案 reform {head['id']}")
        changes[pid] = tuple(
            e if (e.source.doc or e.source.local_choice) else replace(e, source=cited) for e in entries
        )
    return Reform(str(head["id"]), str(label.get("zh", head["id"])), str(label.get("en", head["id"])), changes, file)


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
