"""The analyst's reform form (issue 13 §2): every parameter a programme's results depend on, with
its value in force for the area, the level that set it and its source; and the values typed into
the form turned into a reform in the reform file format (`rules.reforms`), so a scenario made on
the page runs exactly as a reform file does, and can be downloaded as one.

    rows = fields(model(), params, "dibao", "110105", dt.date(2026, 7, 1))
    form = build(params, "dibao", "110105", dt.date(2026, 7, 1), {"p:dibao.standard": "5"}, "s12", "提标5%")
    form.errors        # {} or {field name: (zh, en)}: each problem beside its field
    form.text          # the reform YAML; form.changes: old → new per region and axis

An area's value is set where it applies: for a county, at the county; for a city or province,
at the area and at every county (city) inside it that has a value of its own, since a county's
own value would otherwise hide the area's (resolution walks county → city → province →
national). "Change by %" scales each of those values from its own level. Pure: no database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import yaml

from minsheng.errors import MinshengError, RuleDataError
from minsheng.programmes.registry import model as shipped_model
from minsheng.rules.explain_text import UNITS_ZH
from minsheng.rules.model import Model
from minsheng.rules.parameters import LEVEL_ZH, NATIONAL, Parameter, ParameterSet
from minsheng.rules.reforms import parse_reform_text

EDITABLE = ("money", "ratio", "number", "int", "bool")
AXIS_ZH = {"": "", "urban": "城镇", "rural": "农村"}
MAX_PERCENT = Decimal(1000)  # a change of more than ×11 is a typing mistake, not a reform
Message = tuple[str, str]
# units the explanation does not name yet, as a Chinese reader expects them
MORE_UNITS_ZH = {
    "days": " 天",
    "working days": " 个工作日",
    "ratio/year": "（每年比例）",
    "share of household income": "（占家庭收入的比例）",
    "times the threshold": " 倍（门槛）",
}


def unit(text: str, lang: str) -> str:
    """A parameter file's unit as the page shows it: in Chinese words on a Chinese page."""
    if lang != "zh":
        return "" if text in ("ratio", "flag") else text
    return (UNITS_ZH | MORE_UNITS_ZH).get(text, "").strip()


@dataclass(frozen=True)
class Field:
    """One parameter on the form: its value in force for the area on the date, per axis."""

    parameter: str
    label_zh: str
    label_en: str
    unit: str
    kind: str
    axes: tuple[str, ...]  # ("",) or ("urban", "rural")
    current: dict[str, str]  # axis → the value as people write it ("" where none is in force)
    level: str  # national | province | city | county | "" (none)
    source: str
    effective: dt.date | None
    varies: bool  # areas inside this one set their own values

    @property
    def level_zh(self) -> str:
        return LEVEL_ZH.get(self.level, "")


@dataclass
class Form:
    text: str = ""
    changes: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, Message] = field(default_factory=dict)


def programme_parameters(model: Model, programme: str) -> list[str]:
    """Every parameter the programme's eligibility and amount depend on, walking its formulas."""
    prog = model.programmes.get(programme)
    if prog is None:
        raise MinshengError(f"没有救助项目 {programme}", f"no programme {programme!r}")
    seen: set[str] = set()
    found: set[str] = set()
    todo = [prog.eligible, *([prog.benefit] if prog.benefit else []), *prog.conditions, *prog.amounts]
    while todo:
        name = todo.pop()
        if name in seen or name not in model.nodes:
            continue
        seen.add(name)
        found.update(model.params_of(name).values())
        todo.extend(model.deps(name))
    return sorted(found, key=lambda pid: (not pid.startswith(programme + "."), pid))


def fields(model: Model, params: ParameterSet, programme: str, area: str, date: dt.date) -> list[Field]:
    return [_field(params, params[pid], area, date) for pid in programme_parameters(model, programme)]


def _field(params: ParameterSet, param: Parameter, area: str, date: dt.date) -> Field:
    current: dict[str, str] = {}
    entry = None
    for axis in param.axis_values:
        value, _level, found = params.resolve(param.id, area, date, axis or None)
        current[axis] = "" if value is None else _shown(param, Decimal(str(value)))
        entry = entry or found
    return Field(
        parameter=param.id,
        label_zh=param.label_zh,
        label_en=param.label_en,
        unit=param.unit,
        kind=param.kind,
        axes=param.axis_values,
        current=current,
        level=entry.level if entry is not None else "",
        source=entry.source.cite() if entry is not None else "",
        effective=entry.effective if entry is not None else None,
        varies=len(_regions(param, area, date)) > 1,
    )


def _regions(param: Parameter, area: str, date: dt.date) -> list[str]:
    """Where a change for `area` must be written: the area, and every area inside it with a value
    of its own in force on the date (or later: it would hide the change from then on)."""
    inside = sorted({e.region for e in param.entries if e.region != area and e.region.startswith(area) and e.region})
    return [area, *inside] if area != NATIONAL else [NATIONAL]


def build(
    params: ParameterSet,
    programme: str,
    area: str,
    effective: dt.date,
    typed: dict[str, str],
    reform_id: str,
    label: str,
    model: Model | None = None,
) -> Form:
    """The typed form as a reform: `v:<pid>:<axis>` a new value, `p:<pid>` a change in per cent
    (one or the other for a parameter). Nothing typed is an error: a scenario changes something."""
    form = Form()
    entries: dict[str, dict[str, dict[dt.date, Any]]] = {}
    for pid in programme_parameters(model or shipped_model(), programme):
        param = params[pid]
        if param.kind not in EDITABLE:
            continue
        percent = typed.get(f"p:{pid}", "").strip()
        values = {axis: typed.get(f"v:{pid}:{axis}", "").strip() for axis in param.axis_values}
        if not percent and not any(values.values()):
            continue
        if percent and any(values.values()):
            form.errors[f"p:{pid}"] = (
                "新取值与变动百分比只填一项",
                "give a new value or a change in per cent, not both",
            )
            continue
        per_region = _changed(params, param, area, effective, values, percent, form)
        if per_region:
            entries[pid] = per_region
    if not entries and not form.errors:
        form.errors["form"] = ("没有修改任何参数", "no parameter was changed")
    if form.errors:
        return form
    doc = {
        "reform": {"id": reform_id, "label": {"zh": label, "en": label}},
        "parameters": {pid: {"values": by_region} for pid, by_region in entries.items()},
    }
    form.text = dump(doc)
    try:
        parse_reform_text(form.text, "form", params)  # the reform file's own checks, last of all
    except RuleDataError as exc:
        form.errors["form"] = (exc.zh, exc.en)
    return form


def _changed(
    params: ParameterSet,
    param: Parameter,
    area: str,
    effective: dt.date,
    typed: dict[str, str],
    percent: str,
    form: Form,
) -> dict[str, dict[dt.date, Any]]:
    scale: Decimal | None = None
    if percent:
        if param.kind == "bool":
            form.errors[f"p:{param.id}"] = ("是否类参数不能按百分比调整", "a yes/no parameter has no per cent change")
            return {}
        scale = _number(percent, f"p:{param.id}", form)
        if scale is None:
            return {}
        if not -100 < scale <= MAX_PERCENT:
            form.errors[f"p:{param.id}"] = (
                "变动百分比应大于-100且不超过1000",
                "the change must be above -100 % and at most 1000 %",
            )
            return {}
    new_typed: dict[str, Decimal] = {}
    for axis, text in typed.items():
        if text:
            found = _value(param, text, f"v:{param.id}:{axis}", form)
            if found is None:
                return {}
            new_typed[axis] = found
    out: dict[str, dict[dt.date, Any]] = {}
    for region in _regions(param, area, effective):
        old = {axis: params.resolve(param.id, region, effective, axis or None)[0] for axis in param.axis_values}
        new: dict[str, Decimal] = {}
        for axis in param.axis_values:
            before = None if old[axis] is None else Decimal(str(old[axis]))
            if scale is not None:
                if before is None:
                    form.errors[f"p:{param.id}"] = (
                        f"{region} 没有现行值，无法按百分比调整，请直接填新取值",
                        f"{region} has no value in force to change by a per cent: type the new value",
                    )
                    return {}
                new[axis] = _rounded(param, before * (1 + scale / 100))
            elif axis in new_typed:
                new[axis] = new_typed[axis]
            elif before is not None:
                new[axis] = before  # the other axis keeps its value
            else:
                form.errors[f"v:{param.id}:{axis}"] = ("请同时填写此项", "give this value too: none is in force")
                return {}
            if before != new[axis]:
                form.changes.append(
                    {
                        "parameter": param.id,
                        "label_zh": param.label_zh,
                        "label_en": param.label_en,
                        "unit": param.unit,
                        "region": region,
                        "axis": axis,
                        "old": "" if before is None else _shown(param, before),
                        "new": _shown(param, new[axis]),
                    }
                )
        if any(new[a] != (None if old[a] is None else Decimal(str(old[a]))) for a in param.axis_values):
            out[region or "CN"] = {effective: {"value": _yaml_value(param, new)}}
    return out


class _Plain(yaml.SafeDumper):
    """YAML without anchors: every region repeats its date, as a person would write it."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(doc: dict[str, Any]) -> str:
    """A reform as YAML text, keys in the order given."""
    return yaml.dump(doc, Dumper=_Plain, allow_unicode=True, sort_keys=False)


def _number(text: str, name: str, form: Form) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").replace("，", "").replace("%", "").replace("％", ""))
    except InvalidOperation:
        form.errors[name] = ("请填写数字", "type a number")
        return None
    if not value.is_finite():
        form.errors[name] = ("请填写数字", "type a number")
        return None
    return value


def _value(param: Parameter, text: str, name: str, form: Form) -> Decimal | None:
    if param.kind == "bool":
        words = {"是": 1, "true": 1, "1": 1, "否": 0, "false": 0, "0": 0}
        if text.lower() not in words:
            form.errors[name] = ("请选择“是”或“否”", "choose yes or no")
            return None
        return Decimal(words[text.lower()])
    value = _number(text, name, form)
    if value is None:
        return None
    if value < 0:
        form.errors[name] = ("不能为负数", "must not be negative")
        return None
    if param.kind == "money" and value != value.quantize(Decimal("0.01")):
        form.errors[name] = ("金额最多两位小数（到分）", "an amount has at most two decimals (fen)")
        return None
    if param.kind == "int" and value != value.to_integral_value():
        form.errors[name] = ("请填写整数", "type a whole number")
        return None
    return value


def _rounded(param: Parameter, value: Decimal) -> Decimal:
    """A scaled value as the parameter is written: money to the fen, counts whole, half up."""
    step = {"money": Decimal("0.01"), "int": Decimal(1)}.get(param.kind, Decimal("0.000001"))
    return value.quantize(step, rounding=ROUND_HALF_UP).normalize()


def _shown(param: Parameter, value: Decimal) -> str:
    if param.kind == "bool":
        return "是" if value else "否"
    if param.kind == "money":
        return f"{value:.2f}".removesuffix(".00")
    text = f"{value.normalize():f}"
    return text


def _yaml_value(param: Parameter, new: dict[str, Decimal]) -> Any:
    def plain(v: Decimal) -> Any:
        if param.kind == "bool":
            return bool(v)
        return int(v) if v == v.to_integral_value() else float(v)

    if param.axis:
        return {axis: plain(v) for axis, v in new.items()}
    return plain(new[""])
