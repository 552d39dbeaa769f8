"""Dated, per-region, sourced parameters (参数): the model and its dense lookup tables.

This module holds `Source`, `Entry`, `Parameter`, the region index, the compiled
arrays (`Compiled`) and `ParameterSet`; reading and validating the YAML files is
`rules.parameter_files`. A parameter file (YAML) holds one parameter:

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
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import polars as pl

from minsheng.codes.divisions import divisions
from minsheng.errors import MissingParameterValue

KINDS = ("money", "ratio", "number", "int", "bool")
AXES: dict[str, tuple[str, ...]] = {"urban_rural": ("urban", "rural")}
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


# ---------------------------------------------------------------- layering stored values


def layer_entries(param: Parameter, extra: list[Entry], origin: str) -> Parameter:
    """`param` with `extra` laid over its shipped entries: an extra entry replaces a shipped one
    of the same region and date, and adds itself otherwise.

    `Compiled.build` takes, per region, the last entry in force in list order, so the
    entries are kept in date order within each region."""
    if not extra:
        return param
    replaced = {(e.region, e.effective) for e in extra}
    kept = [e for e in param.entries if (e.region, e.effective) not in replaced]
    merged = sorted([*kept, *extra], key=lambda e: (len(e.region), e.region, e.effective))
    note = f"{param.file} + {origin}" if origin else param.file
    return Parameter(
        id=param.id,
        label_zh=param.label_zh,
        label_en=param.label_en,
        unit=param.unit,
        kind=param.kind,
        axis=param.axis,
        missing=param.missing,
        entries=tuple(merged),
        file=note,
        description=param.description,
    )


def layered(params: ParameterSet, extra: dict[str, list[Entry]], origin: str = "") -> ParameterSet:
    """A new set with stored (local) values laid over the shipped files; parameters without
    extra values keep their compiled tables (`ParameterSet.with_overrides`)."""
    changed = {pid: layer_entries(params[pid], entries, origin) for pid, entries in extra.items() if entries}
    return params.with_overrides(changed) if changed else params
