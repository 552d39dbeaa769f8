"""Reading parameter files (参数文件): YAML in, validated `Parameter`s out.

Every check a file must pass, each refused with its file:line in Chinese and English
(`RuleDataError`): required keys, kinds and axes, region codes, dates in increasing
order, numbers (money as exact fen), and a source for every value. The format is
described in `rules.parameters`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from minsheng.codes.divisions import canonical, divisions
from minsheng.errors import DivisionError, RuleDataError
from minsheng.rules.parameters import AXES, KINDS, NATIONAL, Entry, Parameter, Source
from minsheng.rules.yamlsrc import Located, load

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_FEN = Decimal(2**53)  # the largest amount of fen a float64 holds exactly


def _err(file: str, line: int | None, zh: str, en: str) -> RuleDataError:
    return RuleDataError(file, line, zh, en)


def parse_parameter(doc: Any, file: str) -> Parameter:
    if not isinstance(doc, Located):
        raise _err(file, None, "参数文件应为一个映射（键: 值）", "a parameter file must be a mapping")
    for key in ("id", "label", "unit", "kind", "values"):
        if key not in doc:
            raise _err(file, doc.line, f"缺少必填项 {key}", f"missing required key '{key}'")
    label = doc["label"]
    if not isinstance(label, dict) or not label.get("zh") or not label.get("en"):
        raise _err(file, doc.line_of("label"), "label 需要 zh 和 en", "label needs both zh and en")
    kind = doc["kind"]
    if kind not in KINDS:
        raise _err(file, doc.line_of("kind"), f"kind 应为 {'/'.join(KINDS)}", f"kind must be one of {', '.join(KINDS)}")
    axis = doc.get("axis")
    if axis is not None and axis not in AXES:
        raise _err(file, doc.line_of("axis"), f"未知的 axis {axis}", f"unknown axis {axis!r}; known: {', '.join(AXES)}")
    missing = doc.get("missing", "error")
    if missing not in ("error", "unknown"):
        raise _err(file, doc.line_of("missing"), "missing 应为 error 或 unknown", "missing must be error or unknown")
    param = Parameter(
        id=str(doc["id"]),
        label_zh=str(label["zh"]),
        label_en=str(label["en"]),
        unit=str(doc["unit"]),
        kind=kind,
        axis=axis,
        missing=missing,
        entries=(),
        file=file,
        description=str(doc.get("description", "")),
    )
    # `values: {}` only where a place without a value gets "unknown": a local rule that no place in
    # the files has set (each county sets its own, `localparams`); under `missing: error` every
    # lookup would fail.
    entries = parse_values(
        param, doc["values"], file, doc.line_of("values"), require_source=True, allow_empty=missing == "unknown"
    )
    return replace(param, entries=entries)


def parse_values(
    param: Parameter, values: Any, file: str, line: int, *, require_source: bool, allow_empty: bool = False
) -> tuple[Entry, ...]:
    if not isinstance(values, Located) or (not values and not allow_empty):
        raise _err(file, line, "values 应为“地区: {日期: 值}”的映射", "values must map region → {date: entry}")
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for region_key, dated in values.items():
        rline = values.line_of(region_key)
        region = _region(str(region_key), file, rline)
        if region in seen:
            # "11" and "110000" are the same province: two lists of dates for one region
            # would be resolved in file order, not date order.
            raise _err(
                file,
                rline,
                f"地区 {region_key} 与 {seen[region]} 是同一地区，请合并为一处",
                f"region {region_key!r} is the same as {seen[region]!r}: list its dates in one place",
            )
        seen[region] = str(region_key)
        if not isinstance(dated, Located) or not dated:
            raise _err(file, rline, "每个地区下应为“日期: 值”的映射", "each region needs a mapping of date → entry")
        previous: dt.date | None = None
        for date_key, raw in dated.items():
            dline = dated.line_of(date_key)
            try:
                # fromisoformat also takes 20240101 and 2024-W01-1; the files promise YYYY-MM-DD.
                if not ISO_DATE.fullmatch(str(date_key)):
                    raise ValueError(date_key)
                effective = dt.date.fromisoformat(str(date_key))
            except ValueError:
                raise _err(
                    file, dline, f"日期 {date_key} 格式错误，应为 YYYY-MM-DD", f"date {date_key!r} is not YYYY-MM-DD"
                ) from None
            if previous is not None and effective <= previous:
                raise _err(
                    file,
                    dline,
                    f"日期 {effective} 与前一日期 {previous} 重叠或顺序颠倒，请按时间先后排列",
                    f"date {effective} overlaps or precedes {previous}: list dates in increasing order",
                )
            previous = effective
            entries.append(_entry(param, region, effective, raw, file, dline, require_source))
    return tuple(entries)


def _region(key: str, file: str, line: int) -> str:
    if key.upper() in ("CN", "NATIONAL", "全国"):
        return NATIONAL
    try:
        code = canonical(key)
    except DivisionError:
        code = ""
    if len(code) not in (2, 4, 6) or not divisions().is_known(code):
        raise _err(
            file,
            line,
            f"未知的地区代码 {key}（应为CN或已知的省、市、县级区划代码）",
            f"unknown region code {key!r}: use CN or a known province, city or county code",
        )
    return code


def _entry(
    param: Parameter, region: str, effective: dt.date, raw: Any, file: str, line: int, require_source: bool
) -> Entry:
    if not isinstance(raw, Located) or "value" not in raw:
        raise _err(file, line, "每个日期下应为 {value: …, source: …}", "each dated entry must be {value: …, source: …}")
    source = _source(raw.get("source"), file, raw.line_of("source"), require_source)
    value = raw["value"]
    if value is None:
        return Entry(region, effective, None, source, line)
    axis_values = param.axis_values
    if isinstance(value, dict):
        if not param.axis:
            raise _err(
                file,
                raw.line_of("value"),
                "该参数没有 axis，值应为单个数",
                "this parameter has no axis: give one value",
            )
        if set(value) != set(axis_values):
            raise _err(
                file,
                raw.line_of("value"),
                f"值应给出 {'、'.join(axis_values)}",
                f"value must give exactly {', '.join(axis_values)}",
            )
        numbers = {k: _number(param, value[k], file, raw.line_of("value")) for k in axis_values}
    else:
        number = _number(param, value, file, raw.line_of("value"))
        numbers = dict.fromkeys(axis_values, number)
    return Entry(region, effective, numbers, source, line)


def _number(param: Parameter, value: Any, file: str, line: int) -> float:
    if param.kind == "bool":
        if not isinstance(value, bool):
            raise _err(file, line, "值应为 true 或 false", "value must be true or false")
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _err(file, line, f"值 {value!r} 不是数字", f"value {value!r} is not a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise _err(file, line, f"值 {value!r} 不是数字", f"value {value!r} is not a number") from None
    if not number.is_finite():  # .nan / .inf (or 1e400, read as inf) would pass as "no value" or break lookups
        raise _err(file, line, f"值 {value!r} 不是有限的数", f"value {value!r} is not a finite number")
    if param.kind == "money":
        if number >= MAX_FEN / 100:  # fen must stay exact in a float64 (and quantize below must not overflow)
            raise _err(file, line, "金额过大", f"money value {value!r} is too large")
        if number < 0 or number != number.quantize(Decimal("0.01")):
            raise _err(
                file,
                line,
                "金额应为非负数，最多两位小数（元）",
                "money must be non-negative yuan with at most 2 decimals",
            )
        return float(int(number * 100))  # fen, exact in a float64
    if param.kind == "int" and number != number.to_integral_value():
        raise _err(file, line, "值应为整数", "value must be a whole number")
    return float(number)


def _source(raw: Any, file: str, line: int, required: bool) -> Source:
    if raw is None:
        if required:
            raise _err(
                file,
                line,
                "值缺少来源 source（文件号、标题、网址、条款，或 local_choice 说明）",
                "value has no source: give doc, title, url and clause, or local_choice",
            )
        return Source()
    if not isinstance(raw, dict):
        raise _err(file, line, "source 应为映射", "source must be a mapping")
    known = {"doc", "title", "url", "clause", "local_choice"}
    extra = set(raw) - known
    if extra:
        raise _err(file, line, f"source 有未知的键 {sorted(extra)}", f"source has unknown keys {sorted(extra)}")
    source = Source(**{k: str(v) for k, v in raw.items()})
    if not source.local_choice and not ((source.doc or source.title) and (source.url or source.clause)):
        raise _err(
            file,
            line,
            "source 需要 doc/title 加 url/clause，或 local_choice 说明",
            "source needs doc or title plus url or clause, or a local_choice note",
        )
    return source


def load_parameters(folder: Path) -> dict[str, Parameter]:
    """Every *.yaml below `folder` (one parameter each), validated."""
    params: dict[str, Parameter] = {}
    for path in sorted(folder.rglob("*.yaml")):
        doc = load(path)
        param = parse_parameter(doc, str(path))
        if param.id in params:
            raise _err(
                str(path),
                doc.line_of("id"),
                f"参数 {param.id} 重复定义（另见 {params[param.id].file}）",
                f"parameter {param.id} is defined twice (also in {params[param.id].file})",
            )
        params[param.id] = param
    return params


def parse_entry(param: Parameter, region: str, effective: dt.date, value: Any, source: Source, where: str) -> Entry:
    """One dated value from outside the files (a county's stored local parameter), checked
    like a file's: a known region, a number of the parameter's kind (money as exact fen), one
    value per axis value. `value` is a number, a bool, or a mapping axis value → number.
    A problem raises `RuleDataError` naming `where` (e.g. "本地参数 row 5")."""
    code = _region(region, where, 0)
    if not (source.doc or source.local_choice):
        raise _err(where, None, "值缺少来源（文号）", "value has no source (document number)")
    if isinstance(value, dict):
        if not param.axis or set(value) != set(param.axis_values):
            raise _err(
                where,
                None,
                f"值应给出 {'、'.join(param.axis_values)}",
                f"value must give exactly {', '.join(param.axis_values)}",
            )
        numbers = {k: _number(param, value[k], where, 0) for k in param.axis_values}
    else:
        numbers = dict.fromkeys(param.axis_values, _number(param, value, where, 0))
    return Entry(code, effective, numbers, source, 0)


# A reform's formula replacement (`rules.structural`) cites and scopes itself like a parameter's value.
parse_source = _source
parse_region = _region
