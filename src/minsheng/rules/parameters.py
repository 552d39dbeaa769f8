"""Dated, per-region, sourced parameters (参数), compiled into dense lookup tables.

A parameter file (YAML) holds one parameter:

    id: dibao.standard
    label: {zh: 最低生活保障标准, en: Dibao standard}
    unit: yuan/person/month
    kind: money                 # money (yuan → fen) | ratio | number | int | bool
    axis: urban_rural           # optional: one value per urban / rural
    missing: error              # error (default) | unknown: what a region without a value gets
    values:
      CN:                       # national; or a GB/T 2260 province/city/county code
        2024-01-01: {value: 700, source: {doc: 民发〔2024〕16号, title: …, url: …, clause: …}}
      "110105":
        2025-07-01: {value: {urban: 1450, rural: 1450}, source: {local_choice: "illustrative demo value"}}

Resolution walks county → city → province → national and takes, at each level,
the latest value in force on the date; `value: null` at a level means "not
applicable here" and stops the walk. Compilation turns this into arrays
indexed by (date interval, region, axis value), so a lookup over a million
rows is one gather (`Compiled.lookup`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from minsheng.codes.divisions import canonical, divisions
from minsheng.errors import DivisionError, MissingParameterValue, RuleDataError
from minsheng.rules.yamlsrc import Located, load

KINDS = ("money", "ratio", "number", "int", "bool")
AXES: dict[str, tuple[str, ...]] = {"urban_rural": ("urban", "rural")}
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_FEN = Decimal(2**53)  # the largest amount of fen a float64 holds exactly
NATIONAL = ""  # the region key of national values ("CN" in files)
LEVELS = {0: "national", 2: "province", 4: "city", 6: "county"}
LEVEL_ZH = {"national": "国家", "province": "省级", "city": "市级", "county": "县级"}


@dataclass(frozen=True)
class Source:
    """Where a value comes from: a document and clause, or a stated local choice."""

    doc: str | None = None
    title: str | None = None
    url: str | None = None
    clause: str | None = None
    local_choice: str | None = None

    def cite(self) -> str:
        if self.local_choice:
            return f"地方选择 local choice: {self.local_choice}"
        parts = [p for p in (self.doc, self.title, self.clause) if p]
        return " ".join(parts) + (f" <{self.url}>" if self.url else "")

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass(frozen=True)
class Entry:
    """One dated value at one region level."""

    region: str  # NATIONAL or a canonical 2/4/6-digit code
    effective: dt.date
    value: dict[str, float] | None  # axis value ("" without an axis) → number; None = not applicable
    source: Source
    line: int

    @property
    def level(self) -> str:
        return LEVELS[len(self.region)]


@dataclass(frozen=True)
class Parameter:
    id: str
    label_zh: str
    label_en: str
    unit: str
    kind: str
    axis: str | None
    missing: str
    entries: tuple[Entry, ...]
    file: str
    description: str = ""

    @property
    def axis_values(self) -> tuple[str, ...]:
        return AXES[self.axis] if self.axis else ("",)

    def label(self, lang: str = "zh") -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def to_display(self, raw: float) -> float:
        """A stored number as people read it: money back to yuan."""
        return raw / 100 if self.kind == "money" else raw


# ---------------------------------------------------------------- loading


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
    entries = parse_values(param, doc["values"], file, doc.line_of("values"), require_source=True)
    return replace(param, entries=entries)


def parse_values(param: Parameter, values: Any, file: str, line: int, *, require_source: bool) -> tuple[Entry, ...]:
    if not isinstance(values, Located) or not values:
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


# ---------------------------------------------------------------- regions and compilation


@dataclass(frozen=True)
class RegionIndex:
    """Every national/province/city/county code as a dense integer index."""

    codes: tuple[str, ...]

    @cached_property
    def position(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.codes)}

    @cached_property
    def array(self) -> np.ndarray:
        return np.array(self.codes, dtype=object)

    def of(self, division: pl.Expr) -> pl.Expr:
        """Region index of a residence division (6/9/12 digits): its county, or the
        nearest known level above it (a retired county code falls back to its city)."""
        pos = self.position
        county = division.str.slice(0, 6).replace_strict(pos, default=None, return_dtype=pl.Int32)
        city = division.str.slice(0, 4).replace_strict(pos, default=None, return_dtype=pl.Int32)
        province = division.str.slice(0, 2).replace_strict(pos, default=None, return_dtype=pl.Int32)
        return pl.coalesce(county, city, province, pl.lit(0, dtype=pl.Int32))


def region_index() -> RegionIndex:
    book = divisions()
    return RegionIndex((NATIONAL, *book.codes("province"), *book.codes("city"), *book.codes("county")))


@dataclass
class Compiled:
    """One parameter as arrays over (date interval, region, axis value)."""

    param: Parameter
    regions: RegionIndex
    starts: np.ndarray  # datetime64[D], the start of intervals 1..K (interval 0: before any value)
    values: np.ndarray  # float64, NaN where no value
    levels: np.ndarray  # int8: -1 none, 0 national, 2 province, 4 city, 6 county
    sources: np.ndarray  # int32 index into param.entries, -1 none
    _masks: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def build(cls, param: Parameter, regions: RegionIndex) -> Compiled:
        starts = sorted({e.effective for e in param.entries})
        n_r, n_a = len(regions.codes), len(param.axis_values)
        shape = (len(starts) + 1, n_r, n_a)
        values = np.full(shape, np.nan)
        levels = np.full(shape[:2], -1, dtype=np.int8)
        sources = np.full(shape[:2], -1, dtype=np.int32)
        by_region: dict[str, list[tuple[int, Entry]]] = {}
        for i, e in enumerate(param.entries):
            by_region.setdefault(e.region, []).append((i, e))
        masks = {code: np.char.startswith(regions.array.astype(str), code) for code in by_region}
        for k, start in enumerate(starts, start=1):
            # Shallow levels first, deeper ones override: county → city → province → national.
            for code in sorted(by_region, key=len):
                in_force = [(i, e) for i, e in by_region[code] if e.effective <= start]
                if not in_force:
                    continue
                i, e = in_force[-1]
                mask = masks[code]
                values[k, mask, :] = np.nan if e.value is None else [e.value[a] for a in param.axis_values]
                levels[k, mask] = len(code)
                sources[k, mask] = i
        return cls(param, regions, np.array(starts, dtype="datetime64[D]"), values, levels, sources)

    def _interval(self, dates: np.ndarray | np.datetime64) -> np.ndarray:
        return np.searchsorted(self.starts, np.asarray(dates, dtype="datetime64[D]"), side="right")

    def lookup(
        self, region_idx: np.ndarray, dates: np.ndarray | np.datetime64, axis_idx: np.ndarray | None = None
    ) -> np.ndarray:
        """Values for rows (NaN where none): one gather. `dates` is one date or one per row
        (datetime64[D]); `axis_idx` the position of each row's axis value in `axis_values`."""
        k = self._interval(dates)
        if self.param.axis and axis_idx is not None:
            return self.values[k, region_idx, axis_idx]
        return self.values[k, region_idx, 0]

    def provenance(self, region: int, date: dt.date) -> tuple[str | None, Entry | None]:
        """(level name, entry) that supplies the value for one region on one date."""
        k = int(self._interval(np.array([date], dtype="datetime64[D]"))[0])
        src = int(self.sources[k, region])
        if src < 0:
            return None, None
        entry = self.param.entries[src]
        return entry.level, entry

    def check_present(self, found: np.ndarray, region_idx: np.ndarray, dates: np.ndarray) -> None:
        """`missing: error`: refuse rows whose region has no value, naming them."""
        if self.param.missing != "error":
            return
        bad = np.isnan(found)
        if not bad.any():
            return
        rows = np.flatnonzero(bad)[:5]
        places = "、".join(f"{self.regions.codes[region_idx[r]] or 'CN'}@{dates[r]}" for r in rows)
        raise MissingParameterValue(
            f"参数 {self.param.id}（{self.param.label_zh}）在 {places} 等{int(bad.sum())}行没有取值，请在 {self.param.file} 中补充",
            f"parameter {self.param.id} has no value for {places} ({int(bad.sum())} rows): add one in {self.param.file}",
        )


class ParameterSet:
    """All parameters, compiled on first use. Immutable: a reform makes a new set."""

    def __init__(
        self,
        params: dict[str, Parameter],
        regions: RegionIndex | None = None,
        compiled: dict[str, Compiled] | None = None,
    ) -> None:
        self.params = params
        self.regions = regions or region_index()
        self._compiled: dict[str, Compiled] = dict(compiled or {})

    def __contains__(self, pid: str) -> bool:
        return pid in self.params

    def __getitem__(self, pid: str) -> Parameter:
        return self.params[pid]

    def compiled(self, pid: str) -> Compiled:
        if pid not in self._compiled:
            self._compiled[pid] = Compiled.build(self.params[pid], self.regions)
        return self._compiled[pid]

    def with_overrides(self, changed: dict[str, Parameter]) -> ParameterSet:
        """A new set sharing every unchanged parameter and its compiled tables."""
        kept = {k: v for k, v in self._compiled.items() if k not in changed}
        return ParameterSet(self.params | changed, self.regions, kept)

    def value(self, pid: str, region: str, date: dt.date, axis: str | None = None) -> float | None:
        """One value, as people read it (yuan for money), for a division code ("" = national) and date."""
        return self.resolve(pid, region, date, axis)[0]

    def resolve(
        self, pid: str, region: str, date: dt.date, axis: str | None = None
    ) -> tuple[float | None, str | None, Entry | None]:
        """(value as people read it, level that supplied it, the entry) for a division code and date."""
        comp = self.compiled(pid)
        idx = pl.select(self.regions.of(pl.lit(region))).item() if region else 0
        axis_idx = np.array([self.params[pid].axis_values.index(axis) if axis else 0])
        raw = comp.lookup(np.array([idx]), np.datetime64(date, "D"), axis_idx)[0]
        level, entry = comp.provenance(idx, date)
        return (None if np.isnan(raw) else self.params[pid].to_display(float(raw))), level, entry
