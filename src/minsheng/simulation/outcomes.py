"""Baseline and reforms over one population: one row per household with what each scenario
gives it (issue 13 §1). Pure: frames in, a frame out; the figures are read from it
(`simulation.figures`).

For every scenario `s` and programme `p` the household row carries
- `s:p:eligible`: eligible under s (a person-level programme: any member eligible; null = unknown),
- `s:p:persons`: members eligible (a household programme: all members when eligible),
- `s:p:benefit`: the monthly amount in fen the household would get if enrolled (0 when not eligible),
- `s:p:take_up`: the expected share of it paid (0–1), by the take-up rule below,
the household types of `simulation.household_types` (one boolean column each), and, per
scenario, `s:income`: monthly household income after the expected benefits; and
`poverty_line`: the household's dibao standard at baseline (fen per person a month).

Income before (`income_before`): wage + business + property + transfer + disregarded income
of every member, per month (the contract's components of NBS 可支配收入); it excludes every
simulated benefit. A household with any of the first four unknown has no income (null) and is
left out of the income figures, which report how many were left out; a blank disregarded income
is none.

Take-up: not everyone eligible applies. Where the frame records enrolment, a household eligible
at baseline is paid at baseline if it is enrolled (take-up 1) and not otherwise (0); without a
record of enrolment, at the programme's rate. Under a reform a household eligible at baseline
keeps its baseline take-up, a newly eligible one enters at the rate (an expected value), and
one no longer eligible leaves (0). The rate is the parameter `simulation.take_up.<programme>`
(by place, date and urban/rural) of the scenario's own parameters where it is set; where it is
not (as shipped), the rate measured in the data: enrolled ÷ eligible at baseline, weighted, by
programme and urban/rural (`measured_take_up`), or 1 without a record of enrolment.
`s:p:take_up_set` keeps the set rate (null where measured), for the assumptions table.

Each scenario is evaluated with its own model (`Scenario.model`: a structural reform's formulas
in place), or the model `simulate` is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from minsheng.errors import MinshengError
from minsheng.rules.evaluate import default_outputs, evaluate
from minsheng.rules.model import Model
from minsheng.rules.parameters import ParameterSet
from minsheng.rules.reforms import Reform
from minsheng.simulation.household_types import PERSON_OUTPUTS, household_types

COUNTED_PARTS = ("wage_income_fen", "business_income_fen", "property_income_fen", "transfer_income_fen")
DISREGARDED = "disregarded_income_fen"
INCOME_PARTS = (*COUNTED_PARTS, DISREGARDED)
# A person-level programme is enrolled under the household programme it belongs to (单人保 is dibao).
ENROLMENT_CODE = {"dibao_single": "dibao"}
FRAMES = ("representative", "registry")
LINE_FROM = "dibao_standard_fen"
TAKE_UP_PARAMETER = "simulation.take_up.{}"  # per programme; unset (as shipped): measured


@dataclass(frozen=True)
class Scenario:
    """A named parameter set and model: the baseline, or a reform applied to it (`reform` says what
    changed). `model` is the model to evaluate (a structural reform's, `rules.reforms.apply_model`);
    None: the model `simulate` is given, the baseline's."""

    id: str
    label_zh: str
    label_en: str
    params: ParameterSet
    reform: Reform | None = None
    model: Model | None = None


@dataclass(frozen=True)
class TakeUp:
    """Take-up rate per (programme, urban_rural); `measured` says which came from the data."""

    rates: dict[tuple[str, str], float]
    measured: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def rate(self, programme: str, urban_rural: str) -> float:
        return self.rates.get((programme, urban_rural), 1.0)


@dataclass(frozen=True)
class Outcomes:
    households: pl.DataFrame
    scenarios: tuple[Scenario, ...]
    programmes: tuple[str, ...]  # programmes in the model, in its order
    paying: tuple[str, ...]  # those with an amount
    take_up: TakeUp
    frame: str
    date: dt.date


def col(scenario: str, programme: str, what: str) -> str:
    return f"{scenario}:{programme}:{what}"


def simulate(
    model: Model,
    households: pl.DataFrame,
    persons: pl.DataFrame,
    scenarios: list[Scenario],
    *,
    date: dt.date,
    frame: str = "representative",
    take_up: TakeUp | None = None,
    spark: Any | None = None,
) -> Outcomes:
    """Evaluate every scenario (the first is the baseline) over the same households and persons;
    with a Spark session, each evaluation runs on Spark (partitioned by county) and the figures
    are computed here from its results, by the same code as a local run."""
    if frame not in FRAMES:
        raise ValueError(f"frame must be one of {FRAMES}")
    programmes = tuple(model.programmes)
    paying = tuple(p for p, prog in model.programmes.items() if prog.benefit)
    households, persons = _integer_keys(households, persons)
    frame_out = _household_frame(households, persons)
    for i, scenario in enumerate(scenarios):
        wanted = default_outputs(model) + (list(PERSON_OUTPUTS) if i == 0 else [])
        rules = scenario.model or model  # a structural reform evaluates its own formulas
        if spark is None:
            result = evaluate(rules, scenario.params, households, persons, date=date, outputs=wanted)
        else:
            from minsheng.rules.spark import evaluate_on_spark

            result = evaluate_on_spark(
                rules, scenario.params, households, persons, date=date, spark=spark, outputs=wanted
            )
        per_household = _programme_columns(model, scenario.id, result.households, result.persons)
        frame_out = frame_out.join(per_household, on="household_id", how="left", maintain_order="left")
        frame_out = frame_out.with_columns(
            # a household programme reaches every member
            pl.when(pl.col(col(scenario.id, pid, "eligible")) == True)  # noqa: E712
            .then(pl.col("size"))
            .otherwise(0)
            .cast(pl.Int64)
            .alias(col(scenario.id, pid, "persons"))
            for pid, prog in model.programmes.items()
            if prog.entity == "household"
        )
        if i == 0:
            take_up = take_up or measured_take_up(frame_out, scenario.id, programmes)
            frame_out = frame_out.join(_line(result.households), on="household_id", how="left", maintain_order="left")
            types = household_types(result.persons, persons)
            frame_out = frame_out.join(types, on="household_id", how="left", maintain_order="left")
    assert take_up is not None
    frame_out = _expected(frame_out, scenarios, programmes, paying, take_up, date)
    return Outcomes(frame_out, tuple(scenarios), programmes, paying, take_up, frame, date)


def _integer_keys(households: pl.DataFrame, persons: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Household and person ids replaced by their row numbers, once: every evaluation and every
    group-by after it joins on integers, not on strings (a fifth of a million-person run's time).
    The figures name no household, so the ids are not needed back; persons of no listed household
    are dropped, as `evaluate` drops them."""
    keys = households.select("household_id", pl.int_range(pl.len(), dtype=pl.Int64).alias("__key"))
    persons = persons.join(keys, on="household_id", how="inner", maintain_order="left")
    persons = persons.with_columns(
        pl.col("__key").alias("household_id"), pl.int_range(pl.len(), dtype=pl.Int64).alias("person_id")
    ).drop("__key")
    return households.with_columns(keys.get_column("__key").alias("household_id")), persons


def _line(hh: pl.DataFrame) -> pl.DataFrame:
    """The baseline's dibao standard of each household (fen per person a month): the poverty line
    the figures hold fixed under every reform."""
    line = pl.col(LINE_FROM) if LINE_FROM in hh.columns else pl.lit(None, dtype=pl.Int64)
    return hh.select("household_id", line.alias("poverty_line"))


def _household_frame(households: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    weight = pl.col("weight").cast(pl.Float64) if "weight" in households.columns else pl.lit(1.0)
    enrolled = pl.col("enrolled") if "enrolled" in households.columns else pl.lit(None, dtype=pl.List(pl.String))
    # Any unknown counted component leaves the household's income unknown; a blank disregarded
    # income (an optional column: childcare subsidy, awards) is none, not unknown.
    counted = [pl.col(c) if c in persons.columns else pl.lit(None, dtype=pl.Int64) for c in COUNTED_PARTS]
    disregarded = pl.col(DISREGARDED).fill_null(0) if DISREGARDED in persons.columns else pl.lit(0)
    members = persons.group_by("household_id").agg(
        pl.len().alias("size"),
        pl.sum_horizontal(*counted, disregarded, ignore_nulls=False).sum().alias("income_before"),
        pl.any_horizontal(c.is_null() for c in counted).any().alias("income_unknown"),
    )
    return (
        households.select(
            "household_id",
            "residence_division",
            pl.col("urban_rural") if "urban_rural" in households.columns else pl.lit(None, dtype=pl.String),
            weight.alias("weight"),
            enrolled.alias("enrolled"),
        )
        .join(members, on="household_id", how="inner", maintain_order="left")
        .with_columns(
            pl.when(pl.col("income_unknown")).then(None).otherwise(pl.col("income_before")).alias("income_before")
        )
        .drop("income_unknown")
    )


def _programme_columns(model: Model, sid: str, hh: pl.DataFrame, pp: pl.DataFrame) -> pl.DataFrame:
    household_level, person_level = [], []
    for pid, prog in model.programmes.items():
        eligible, benefit = pl.col(prog.eligible), pl.col(prog.benefit) if prog.benefit else pl.lit(0)
        paid = pl.when(eligible).then(benefit).otherwise(0).fill_null(0)
        if prog.entity == "household":
            household_level += [
                eligible.alias(col(sid, pid, "eligible")),
                paid.cast(pl.Int64).alias(col(sid, pid, "benefit")),
            ]
        else:
            person_level += [
                # Kleene any: one eligible member makes the household a recipient; else unknown if any is unknown.
                eligible.any(ignore_nulls=False).alias(col(sid, pid, "eligible")),
                (eligible == True).sum().cast(pl.Int64).alias(col(sid, pid, "persons")),  # noqa: E712
                paid.sum().cast(pl.Int64).alias(col(sid, pid, "benefit")),
            ]
    out = hh.select("household_id", *household_level)
    if person_level:
        out = out.join(pp.group_by("household_id").agg(person_level), on="household_id", how="left")
    return out


def measured_take_up(frame: pl.DataFrame, baseline: str, programmes: tuple[str, ...]) -> TakeUp:
    """Enrolled ÷ eligible at baseline, weighted, by programme and urban/rural (where enrolment is recorded)."""
    if frame.get_column("enrolled").is_null().all():
        return TakeUp({})
    rates, measured = {}, set()
    for pid in programmes:
        eligible = pl.col(col(baseline, pid, "eligible")) == True  # noqa: E712
        enrolled = pl.col("enrolled").list.contains(ENROLMENT_CODE.get(pid, pid)).fill_null(False)
        by_area = (
            frame.filter(eligible)
            .group_by("urban_rural")
            .agg((pl.col("weight") * enrolled.cast(pl.Float64)).sum().alias("enrolled"), pl.col("weight").sum())
        )
        for area, got, total in by_area.iter_rows():
            if total > 0:
                rates[(pid, area)] = got / total
                measured.add((pid, area))
    return TakeUp(rates, frozenset(measured))


def set_take_up(
    frame: pl.DataFrame, params: ParameterSet, programme: str, date: dt.date, region: np.ndarray | None = None
) -> pl.Series:
    """The take-up rate `simulation.take_up.<programme>` sets for each household on `date`, by its
    place and urban/rural area; null where the parameter sets none (the rate is then measured).
    `region`: the households' region indices, when the caller has them already."""
    pid = TAKE_UP_PARAMETER.format(programme)
    name = col("", programme, "take_up_set")
    if not _sets_take_up(params, programme):
        return pl.Series(name, [None] * frame.height, dtype=pl.Float64)
    comp = params.compiled(pid)
    if region is None:
        region = frame.select(params.regions.of(pl.col("residence_division"))).to_series().to_numpy()
    area = None
    if comp.param.axis:
        positions = {a: i for i, a in enumerate(comp.param.axis_values)}
        area = frame.get_column(comp.param.axis).replace_strict(positions, default=None, return_dtype=pl.Int64)
    found = comp.lookup(region, np.datetime64(date, "D"), None if area is None else area.fill_null(0).to_numpy())
    if area is not None:
        found = np.where(area.is_null().to_numpy(), np.nan, found)  # no area: no rate of its own
    given = found[~np.isnan(found)]
    if ((given < 0) | (given > 1)).any():
        raise MinshengError(
            f"申领率 {pid} 应在0到1之间（{comp.param.file}）",
            f"take-up {pid} must be between 0 and 1 ({comp.param.file})",
        )
    return pl.Series(name, found, nan_to_null=True)


def _sets_take_up(params: ParameterSet, programme: str) -> bool:
    """Whether the take-up parameter has a value anywhere (as shipped, it is set nowhere)."""
    pid = TAKE_UP_PARAMETER.format(programme)
    return pid in params and not np.isnan(params.compiled(pid).values).all()


def _expected(
    frame: pl.DataFrame,
    scenarios: list[Scenario],
    programmes: tuple[str, ...],
    paying: tuple[str, ...],
    take_up: TakeUp,
    date: dt.date,
) -> pl.DataFrame:
    base = scenarios[0].id
    known = not frame.get_column("enrolled").is_null().all()
    region = None  # looked up once, and only when some scenario sets a rate (as shipped, none does)
    if any(_sets_take_up(s.params, pid) for s in scenarios for pid in programmes):
        regions = scenarios[0].params.regions  # one division list for every scenario's parameters
        region = frame.select(regions.of(pl.col("residence_division"))).to_series().to_numpy()
    frame = frame.with_columns(
        set_take_up(frame, s.params, pid, date, region).alias(col(s.id, pid, "take_up_set"))
        for pid in programmes
        for s in scenarios
    )
    exprs = []
    for pid in programmes:
        measured = pl.col("urban_rural").replace_strict(
            {area: take_up.rate(pid, area) for area in ("urban", "rural")}, default=1.0, return_dtype=pl.Float64
        )
        rate = {s.id: pl.coalesce(pl.col(col(s.id, pid, "take_up_set")), measured) for s in scenarios}
        enrolled = pl.col("enrolled").list.contains(ENROLMENT_CODE.get(pid, pid)).fill_null(False).cast(pl.Float64)
        at_baseline = enrolled if known else rate[base]
        was_eligible = (pl.col(col(base, pid, "eligible")) == True).fill_null(False)  # noqa: E712
        for s in scenarios:
            eligible = (pl.col(col(s.id, pid, "eligible")) == True).fill_null(False)  # noqa: E712
            # the newly eligible enter at the scenario's own rate (a reform may set another)
            stays = at_baseline if s.id == base else pl.when(was_eligible).then(at_baseline).otherwise(rate[s.id])
            exprs.append(pl.when(eligible).then(stays).otherwise(0.0).alias(col(s.id, pid, "take_up")))
    frame = frame.with_columns(exprs)
    incomes = [
        (
            pl.col("income_before")
            + pl.sum_horizontal(pl.col(col(s.id, p, "benefit")) * pl.col(col(s.id, p, "take_up")) for p in paying)
        ).alias(f"{s.id}:income")
        for s in scenarios
    ]
    return frame.with_columns(incomes)
