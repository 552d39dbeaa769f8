"""The county's dibao rules (本地低保政策) as the engine has them: the ground truth is decided
by the same standard, property limits and multiples the rules engine will apply.

>>> import datetime as dt
>>> from minsheng.demo.local_params import demo_parameters   # the demo county's own values
>>> policy = local_policy("110105", dt.date(2025, 6, 30), demo_parameters())
>>> policy.standard_yuan(urban=True, date=dt.date(2025, 7, 1))
1520.0

The standard is the engine's own `dibao_standard_fen` (the published `dibao.standard`, or
prior-year consumption × ratio where `dibao.standard_from_consumption` is on), evaluated for
a household of the county on every date any of its parameters changes, so the result is a
step function over time that the feeds look up per event date. Where the engine has no
value for the county (a `missing: unknown` parameter with no value on the county's
county → city → province → national walk: a county's own values come from its local-parameters
file, `minsheng synth --local-params`, not the shipped files), the generator falls back to the end-2024
national averages (PF2 §7) and to the assumptions it stated before it read the engine
(`FALLBACK`), and says so in `LocalPolicy.notes` (the values in force on the reference date
and every later dated change), which `synth.write` puts into calibration.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import polars as pl

from minsheng.errors import MissingParameterValue
from minsheng.rules.parameters import ParameterSet
from minsheng.synth import targets as T
from minsheng.synth.sampling import BoolArray, IntArray

DayArray = npt.NDArray[np.datetime64]
Day = DayArray | np.datetime64 | dt.date  # one date, or one per row
STANDARD_NODE = "dibao_standard_fen"  # the engine's node for "the standard applied"
AREAS = ("urban", "rural")  # the parameters' urban_rural axis, in its order
# Parameters the generator reads besides the standard: id → (fallback, where the fallback comes from).
MAX_VEHICLES = "dibao.max_vehicles"
NON_RESIDENTIAL_ALLOWED = "dibao.non_residential_property_allowed"
MARGINAL_MULTIPLE = "dibao_marginal.income_multiple"
TEKUN_RATIO = "tekun.basic_living_ratio"
FALLBACK: dict[str, tuple[float, str]] = {
    MAX_VEHICLES: (0, "a motor vehicle excludes: the local exclusion rules quoted in PF §1.6"),
    NON_RESIDENTIAL_ALLOWED: (0, "non-residential property excludes: the local exclusion rules quoted in PF §1.6"),
    MARGINAL_MULTIPLE: (1.5, "国办发〔2023〕39号: below 1.5 × the dibao standard (PF §1.1)"),
    TEKUN_RATIO: (1.3, "1.3 × the dibao standard, local practice (PF §2.2)"),
}
DATED = (MAX_VEHICLES, NON_RESIDENTIAL_ALLOWED)  # looked up per date, like the standard


@dataclass(frozen=True, slots=True)
class LocalPolicy:
    """Dibao rules of one county. Dated rules are arrays over intervals: interval 0 runs
    until `breaks[0]`, interval k from `breaks[k-1]` (inclusive) to `breaks[k]`."""

    county: str
    reference_date: dt.date  # the date of the status quo (SynthConfig.reference_date)
    breaks: DayArray  # first day of intervals 1..K
    standard_fen: IntArray  # (K+1, 2): per person per month, columns AREAS
    max_vehicles: IntArray  # (K+1,)
    non_residential_allowed: BoolArray  # (K+1,)
    marginal_multiple: float  # on the reference date
    tekun_ratio: float  # on the reference date
    notes: pl.DataFrame  # parameter, group, value, source: where each value comes from

    def interval(self, dates: Day) -> IntArray:
        """The interval each date falls in."""
        day = np.asarray(np.datetime64(dates, "D") if isinstance(dates, dt.date) else dates, dtype="datetime64[D]")
        found: IntArray = np.searchsorted(self.breaks, day, side="right").astype(np.int64)
        return found

    def standard(self, urban: BoolArray, date: Day) -> IntArray:
        """The standard in fen for each household (urban or not) on one date or a date per household."""
        k = np.broadcast_to(self.interval(date), np.shape(urban))
        found: IntArray = self.standard_fen[k, np.where(urban, 0, 1)]
        return found

    def standard_yuan(self, *, urban: bool, date: dt.date) -> float:
        return float(self.standard(np.array([urban]), date)[0]) / 100

    def assets_ok(self, vehicles: IntArray, non_residential: BoolArray, date: Day) -> BoolArray:
        """The property rules the synth models (vehicles, non-residential property), as the
        engine's `dibao_vehicles_within_limit` and `dibao_no_excluded_non_residential`."""
        k = self.interval(date)
        ok: BoolArray = (vehicles <= self.max_vehicles[k]) & (self.non_residential_allowed[k] | ~non_residential)
        return ok

    def changes_within(self, start: dt.date | np.datetime64, end: dt.date | np.datetime64) -> DayArray:
        """Days in (start, end) on which a dated rule changes."""
        lo, hi = (np.asarray(d, dtype="datetime64[D]") for d in (start, end))
        inside: DayArray = self.breaks[(self.breaks > lo) & (self.breaks < hi)]
        return inside


def local_policy(county: str, reference_date: dt.date, params: ParameterSet | None = None) -> LocalPolicy:
    """The rules for `county` from `params` (default: the engine's baseline parameters)."""
    from minsheng.programmes.registry import baseline, model

    params = params or baseline()
    m = model()
    standard_params = sorted({p for node in m.order([STANDARD_NODE]) for p in m.params_of(node).values()})
    breaks = _breaks(params, county, [*standard_params, *DATED])
    first = breaks[0] - np.timedelta64(1, "D") if len(breaks) else np.datetime64(reference_date, "D")
    days = np.concatenate([[first], breaks]).astype("datetime64[D]")  # one day inside each interval

    engine_fen = _engine_standard(params, county, days)
    fallback_fen = np.array([round(T.DIBAO_STANDARD[a] * 100) for a in AREAS], dtype=np.int64)
    standard = np.where(np.isnan(engine_fen), fallback_fen[None, :], np.nan_to_num(engine_fen)).astype(np.int64)
    dated = {pid: _values(params, pid, county, days) for pid in DATED}
    at_ref = {pid: _value(params, pid, county, reference_date) for pid in (MARGINAL_MULTIPLE, TEKUN_RATIO)}

    vehicles = np.rint(dated[MAX_VEHICLES]).astype(np.int64)
    non_residential = dated[NON_RESIDENTIAL_ALLOWED].astype(bool)
    # Keep only the days on which something the generator uses changes (a new consumption
    # figure, say, does not move a published standard), so the feeds see no empty changes.
    same = (
        (standard[1:] == standard[:-1]).all(axis=1)
        & (vehicles[1:] == vehicles[:-1])
        & (non_residential[1:] == non_residential[:-1])
        & (np.isnan(engine_fen[1:]) == np.isnan(engine_fen[:-1])).all(axis=1)
    )
    keep = np.concatenate([[True], ~same])
    policy = LocalPolicy(
        county=county,
        reference_date=reference_date,
        breaks=breaks[~same],
        standard_fen=standard[keep],
        max_vehicles=vehicles[keep],
        non_residential_allowed=non_residential[keep],
        marginal_multiple=at_ref[MARGINAL_MULTIPLE],
        tekun_ratio=at_ref[TEKUN_RATIO],
        notes=pl.DataFrame(),
    )
    notes = _notes(params, policy, engine_fen[keep], days[keep])
    return replace(policy, notes=notes)


def _breaks(params: ParameterSet, county: str, pids: list[str]) -> DayArray:
    """Every date on which a value that reaches this county (its own, its city's, its
    province's or the national one) starts."""
    dates = {
        e.effective
        for pid in pids
        for e in params[pid].entries
        if e.region == "" or county.startswith(e.region)  # NATIONAL is ""
    }
    return np.array(sorted(dates), dtype="datetime64[D]")


def _engine_standard(params: ParameterSet, county: str, days: DayArray) -> npt.NDArray[np.float64]:
    """The engine's `dibao_standard_fen` for an urban and a rural household of the county
    on each day (NaN where it has none): the engine computes it, not a copy of its formula.
    A day on which the engine refuses (a required parameter not yet in force) has none."""
    try:
        return _evaluate_standard(params, county, days)
    except MissingParameterValue:
        rows = []
        for day in days:
            try:
                rows.append(_evaluate_standard(params, county, day[None]))
            except MissingParameterValue:
                rows.append(np.full((1, len(AREAS)), np.nan))
        return np.concatenate(rows)


def _evaluate_standard(params: ParameterSet, county: str, days: DayArray) -> npt.NDArray[np.float64]:
    from minsheng.programmes.registry import model
    from minsheng.rules.evaluate import evaluate

    n = len(days)
    households = pl.DataFrame(
        {
            "household_id": [f"{k}-{a}" for k in range(n) for a in AREAS],
            "residence_division": [county] * (len(AREAS) * n),
            "urban_rural": [a for _ in range(n) for a in AREAS],
            "assessment_date": pl.Series(np.repeat(days, len(AREAS))).cast(pl.Date),
        }
    )
    persons = pl.DataFrame(schema={"person_id": pl.String, "household_id": pl.String})
    result = evaluate(model(), params, households, persons, outputs=[STANDARD_NODE])
    fen = result.households.get_column(STANDARD_NODE).cast(pl.Float64).fill_null(np.nan).to_numpy()
    out: npt.NDArray[np.float64] = fen.reshape(n, len(AREAS))
    return out


def _value(params: ParameterSet, pid: str, county: str, day: dt.date) -> float:
    """The engine's value, or the generator's fallback where the engine has none."""
    found = params.value(pid, county, day)
    return FALLBACK[pid][0] if found is None else found


def _values(params: ParameterSet, pid: str, county: str, days: DayArray) -> npt.NDArray[np.float64]:
    return np.array([_value(params, pid, county, d.astype(dt.date)) for d in days], dtype=np.float64)


def _cite(params: ParameterSet, pid: str, county: str, date: dt.date, axis: str | None = None) -> str:
    value, level, entry = params.resolve(pid, county, date, axis)
    if value is None or entry is None:
        return ""
    region = entry.region or "CN"
    return f"engine parameter {pid}, {level} value ({region}, from {entry.effective}): {entry.source.cite()}"


def _notes(
    params: ParameterSet, policy: LocalPolicy, engine_fen: npt.NDArray[np.float64], days: DayArray
) -> pl.DataFrame:
    """One row per value the generator uses: the parameter, its value and where it comes from."""
    county, ref = policy.county, policy.reference_date
    rows: list[tuple[str, str, str, str]] = []
    k_ref = int(policy.interval(ref))
    for k in range(k_ref, len(days)):
        when = ref if k == k_ref else days[k].astype(dt.date)
        label = "dibao standard (yuan/person/month)" + ("" if k == k_ref else f", from {when}")
        from_consumption = bool(params.value("dibao.standard_from_consumption", county, when))
        for j, area in enumerate(AREAS):
            value = f"{policy.standard_fen[k, j] / 100:,.2f}"
            if np.isnan(engine_fen[k, j]):
                source = (
                    f"FALLBACK: the engine has no dibao standard for {county} on {when}; "
                    f"national average end-2024, {T.DIBAO_SOURCE}"
                )
            elif from_consumption:
                source = (
                    "engine node dibao_standard_fen: prior-year consumption × dibao.consumption_ratio "
                    f"({_cite(params, 'dibao.consumption_ratio', county, when, area)})"
                )
            else:
                source = _cite(params, "dibao.standard", county, when, area)
            rows.append((label, area, value, source))
    for pid in (*DATED, MARGINAL_MULTIPLE, TEKUN_RATIO):
        if pid in DATED:
            raw = (policy.max_vehicles if pid == MAX_VEHICLES else policy.non_residential_allowed)[k_ref]
            value = str(bool(raw)).lower() if pid == NON_RESIDENTIAL_ALLOWED else str(int(raw))
        else:
            value = f"{policy.marginal_multiple if pid == MARGINAL_MULTIPLE else policy.tekun_ratio:g}"
        source = _cite(params, pid, county, ref) or (
            f"FALLBACK: the engine has no {pid} for {county} on {ref}; {FALLBACK[pid][1]}"
        )
        rows.append((pid, "all", value, source))
    return pl.DataFrame(rows, schema=["parameter", "group", "value", "source"], orient="row")
