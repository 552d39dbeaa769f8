"""A local value as an administrator writes it, checked as the engine reads it, and laid over
a parameter set. Pure: no database, so files-only `minsheng assess --local-params` loads no
SQLAlchemy (issue 11 §5: start-up time).

    params = overlay(baseline(), [LocalValue("dibao.standard", "621121", date, {"": "850"}, doc="…")])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from minsheng.errors import RuleDataError
from minsheng.rules.parameter_files import parse_entry
from minsheng.rules.parameters import Entry, ParameterSet, Source, layered

ORIGIN = "本地参数（数据库）local parameters (database)"


@dataclass(frozen=True)
class LocalValue:
    """One dated value as an administrator writes it; `value` maps an axis value ("" = all) to
    its text ("1450", "0.35", "true")."""

    parameter: str
    region: str
    effective: dt.date
    value: dict[str, str]
    doc: str
    title: str = ""
    clause: str = ""
    url: str = ""
    note: str = ""
    row: int = 0  # the row of the file it came from (for errors)

    def source(self) -> Source:
        return Source(doc=self.doc, title=self.title or None, url=self.url or None, clause=self.clause or None)


def to_entry(params: ParameterSet, v: LocalValue) -> Entry:
    """The engine's entry for a stored value, checked like a file's (kind, axis, region, source)."""
    param = params[v.parameter]
    raw: Any
    if set(v.value) == {""}:
        raw = _typed(param.kind, v.value[""])
    else:
        raw = {axis: _typed(param.kind, text) for axis, text in v.value.items()}
    return parse_entry(param, v.region, v.effective, raw, v.source(), f"row {v.row}" if v.row else v.parameter)


def _typed(kind: str, text: str) -> Any:
    if kind == "bool":
        return {"true": True, "false": False}.get(text, text)  # anything else is refused as not a flag
    return text


def overlay(params: ParameterSet, values: list[LocalValue], origin: str = ORIGIN) -> ParameterSet:
    """`params` with `values` laid over them. A value the shipped parameters no longer accept
    (a parameter removed, a kind changed) is refused by name, not skipped."""
    extra: dict[str, list[Entry]] = {}
    for v in values:
        if v.parameter not in params:
            raise RuleDataError(
                origin,
                None,
                f"本地参数 {v.parameter} 已不存在",
                f"local parameter {v.parameter} no longer exists",
            )
        extra.setdefault(v.parameter, []).append(to_entry(params, v))
    return layered(params, extra, origin)
