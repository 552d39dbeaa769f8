"""The local choices of one area on one date, as the administrator's page lists them: each with
its national rule, the value in force, the level and document that supply it, and its status.

    rows = choices(params, "110105", dt.date(2026, 7, 1), pending={"dibao.standard"})
    rows[0].status   # "set_here" | "set_above" | "national" | "illustrative" | "not_set"

Pure: `params` already carries the approved values (`store.parameters_for`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from minsheng.programmes.local_choices import example, local_choices, national_rule, shown_number
from minsheng.rules.parameters import LEVEL_ZH, NATIONAL, Entry, Parameter, ParameterSet

STATUSES = ("not_set", "illustrative", "national", "set_above", "set_here")


@dataclass(frozen=True)
class Choice:
    parameter: str
    label_zh: str
    label_en: str
    unit: str
    required: bool  # no national value: results that need it are "unknown" until it is set
    axis: bool  # urban and rural may differ
    national_zh: str
    national_en: str
    example: str
    value: str  # in force on the date, as people write it ("" when none)
    level: str  # national | province | city | county | "" (none)
    region: str  # the division whose entry supplies it ("" national or none)
    effective: dt.date | None
    source: str  # the document (文号, title, clause) or the stated local choice
    status: str  # one of STATUSES
    pending: bool  # a submission waiting for approval names it

    @property
    def level_zh(self) -> str:
        return LEVEL_ZH.get(self.level, "")


def choices(params: ParameterSet, division: str, date: dt.date, pending: Collection[str] = ()) -> list[Choice]:
    """Every local choice for `division` on `date`, required ones first (`local_choices`)."""
    return [_choice(params, p, division, date, p.id in pending) for p in local_choices(params)]


def _choice(params: ParameterSet, param: Parameter, division: str, date: dt.date, pending: bool) -> Choice:
    axes = param.axis_values if param.axis else (None,)
    found = [params.resolve(param.id, division, date, axis) for axis in axes]
    entry: Entry | None = next((e for _v, _l, e in found if e is not None), None)
    known = all(v is not None for v, _l, _e in found)
    national = national_rule(param)
    return Choice(
        parameter=param.id,
        label_zh=param.label_zh,
        label_en=param.label_en,
        unit=param.unit,
        required=param.missing == "unknown",
        axis=bool(param.axis),
        national_zh=national[0],
        national_en=national[1],
        example=example(param),
        value=_value(param, entry) if known and entry is not None else "",
        level=entry.level if entry is not None else "",
        region=entry.region if entry is not None else "",
        effective=entry.effective if entry is not None else None,
        source=entry.source.cite() if entry is not None else "",
        status=_status(entry, known, division),
        pending=pending,
    )


def _value(param: Parameter, entry: Entry) -> str:
    if entry.value is None:
        return "不适用 n/a"
    shown = {axis: shown_number(param, raw) for axis, raw in entry.value.items()}
    if len(set(shown.values())) == 1:
        return next(iter(shown.values()))
    words = {"urban": "城镇", "rural": "农村"}
    return "；".join(f"{words.get(axis, axis)} {text}" for axis, text in shown.items())


def _status(entry: Entry | None, known: bool, division: str) -> str:
    if entry is None or not known:
        return "not_set"
    if entry.region == NATIONAL:  # a national rule, or a national default the place may replace
        return "national"
    if entry.source.local_choice:  # a place's value with no document: the demo's illustration
        return "illustrative"
    return "set_here" if entry.region.startswith(division) else "set_above"
