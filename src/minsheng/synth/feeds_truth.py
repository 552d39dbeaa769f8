"""The truth behind the feeds (真实变化): every event's effect on its household,
and whether the household truly became eligible or ineligible for dibao.

How "eligible" is decided — the synth's test, applied to TRUE circumstances
with the county's rules as the rules engine has them on that day
(`Population.policy`, see `synth.policy`):

    eligible = size ≥ 1
               and true monthly income (wage + business + property + transfer,
                   disregarded income excluded) < dibao standard × size
                   (社会救助暂行办法 第九条; PF §1.1)
               and vehicles ≤ dibao.max_vehicles
                   and (dibao.non_residential_property_allowed or no non-residential property)
                   (第十条, the local property rules; PF §1.6)

The standard is the engine's `dibao_standard_fen` for the county, urban or rural,
in force on the day (national averages 798.1 / 593.9 yuan where the engine has
none, as calibration.md says). Incomes are compared in whole fen. Rigid
expenses, deposits, the number of homes and business capital are recorded
but, as in the synth, do not enter the test (the engine also tests them).

The state on the window's first day is `Population.ground_truth`, judged by
the rules in force that day (the ground truth's own `true_dibao_eligible` is
judged on the reference date, so the two differ where the standard changed in
between). Each event applies its deltas in date order (ties: deaths last), so
the "before" of an event is the "after" of the previous one; both are judged
by the rules in force on the event's day. Where a dated rule changes inside
the window, every household whose status the change flips gets a
`standard_change` event that day (before the day's other events), with no
record: `dibao_standard_before` and `dibao_standard` show the old and the new
standard. The truth lists events in order, household by household. A
household *became eligible* if some event turned it from ineligible to
eligible, and *became ineligible* if some event turned it from eligible to
ineligible (both can hold); `date` is the first day its status changed and
`reasons` the events that changed it. Incomes are current monthly incomes
after the event, not 12-month averages.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from minsheng.synth.feeds_draft import DELTAS, Change, Window
from minsheng.synth.feeds_roster import Roster
from minsheng.synth.policy import LocalPolicy
from minsheng.synth.sampling import IntArray

STANDARD_CHANGE = "standard_change"
# What each event is and where it shows up (the feed kind of its main record; none for a change of rules).
EVENTS: dict[str, tuple[str, str | None]] = {
    "death": ("neutral", "death"),
    "severe_disability": ("hardship", "disability_certification"),
    "major_illness": ("hardship", "medical_claim"),
    "job_loss": ("hardship", "unemployment"),
    "benefit_end": ("hardship", "unemployment"),
    "disaster": ("hardship", "disaster_loss"),
    "higher_education": ("hardship", "education_enrolment"),
    "new_job": ("exit", "wage_record"),
    "pay_rise": ("exit", "wage_record"),
    "business_start": ("exit", "business_registration"),
    "vehicle_purchase": ("exit", "vehicle_registration"),
    "property_purchase": ("exit", "property_registration"),
    "non_residential_purchase": ("exit", "property_registration"),
    STANDARD_CHANGE: ("neutral", None),
}
# Quantities reported before and after each event: name in the truth frame → state column.
STATE = {
    "size": "size",
    "income": "income_fen",
    "financial_assets": "financial",
    "properties": "properties",
    "housing_area_m2": "housing_area",
    "non_residential_property": "non_residential",
    "vehicles": "vehicles",
    "vehicle_value": "vehicle_value",
    "business_capital": "business_capital",
    "rigid_expense": "rigid",
}


def eligible(
    size: pl.Expr,
    income_fen: pl.Expr,
    vehicles: pl.Expr,
    nonres: pl.Expr,
    standard_fen: pl.Expr,
    max_vehicles: pl.Expr,
    nonres_allowed: pl.Expr,
) -> pl.Expr:
    """The synth's dibao test on true circumstances (see the module docstring)."""
    income_ok = income_fen < standard_fen * size  # 社会救助暂行办法 第九条
    assets_ok = (vehicles <= max_vehicles) & (nonres_allowed | ~nonres)  # 第十条, local rules (PF §1.6)
    return (size > 0) & income_ok & assets_ok


def _rules(policy: LocalPolicy, k: IntArray, urban: npt.NDArray[np.bool_], side: str) -> dict[str, Any]:
    """The rules of interval `k` for households (urban or not), as columns `std_`, `veh_`, `nra_` + side."""
    return {
        f"std_{side}": policy.standard_fen[k, np.where(urban, 0, 1)],
        f"veh_{side}": policy.max_vehicles[k],
        f"nra_{side}": policy.non_residential_allowed[k],
    }


def start_state(r: Roster, policy: LocalPolicy, window: Window) -> pl.DataFrame:
    """One row per household: the ground truth on the window's first day, judged by that day's rules."""
    k = np.full(r.households, int(policy.interval(window.start)), dtype=np.int64)
    return pl.DataFrame(
        {
            "_hh": np.arange(r.households),
            "household_id": r.household_id,
            "size": r.size,
            "income_fen": r.total_fen,
            "financial": r.financial,
            "properties": r.properties,
            "housing_area": r.housing_area,
            "non_residential": r.non_residential,
            "vehicles": r.vehicles,
            "vehicle_value": r.vehicle_value,
            "business_capital": r.business_capital,
            "rigid": r.rigid,
            **_rules(policy, k, r.urban, "start"),
        }
    ).with_columns(eligible(*_state_cols("", "start")).alias("eligible_start"))


def _state_cols(suffix: str, side: str) -> tuple[pl.Expr, ...]:
    return (
        pl.col(f"size{suffix}"),
        pl.col(f"income_fen{suffix}"),
        pl.col(f"vehicles{suffix}"),
        pl.col(f"non_residential{suffix}"),
        pl.col(f"std_{side}"),
        pl.col(f"veh_{side}"),
        pl.col(f"nra_{side}"),
    )


def _changes_frame(r: Roster, changes: list[Change], policy: LocalPolicy, window: Window) -> pl.DataFrame:
    order = list(EVENTS)
    parts = []
    for c in changes:
        n = len(c.person)
        hh = r.hh[c.person]
        iv = policy.interval(c.date)  # the rules of the event's day, before and after it
        frame = {
            "_event": c.number,
            "_hh": hh,
            "_person": c.person,
            "event": np.full(n, c.event),
            "_rank": np.full(n, len(order) if c.event == "death" else order.index(c.event)),
            "event_date": c.date,
            "recorded": c.recorded,
        }
        frame |= {f"d_{k}": c.delta(k).astype(bool if k == "non_residential" else np.float64) for k in DELTAS}
        frame |= _rules(policy, iv, r.urban[hh], "before") | _rules(policy, iv, r.urban[hh], "after")
        parts.append(pl.DataFrame(frame))
    # A change of rules inside the window: one candidate event, first on its day, for every household
    # whose status it may flip (`accumulate` keeps those it does flip). A household with no event
    # before the day is still in its start state, so only a flip of that state makes it a candidate.
    number = 1 + max((int(c.number.max()) for c in changes if len(c.number)), default=-1)
    for day in policy.changes_within(window.start, window.end):
        k_old = int(policy.interval(day - np.timedelta64(1, "D")))
        k_new = int(policy.interval(day))
        moved = np.zeros(r.households, dtype=bool)
        for c in changes:
            moved[r.hh[c.person[c.date < day]]] = True
        start_ok = [
            (r.size > 0)
            & (r.total_fen < policy.standard(r.urban, day - np.timedelta64(d, "D")) * r.size)
            & policy.assets_ok(r.vehicles, r.non_residential, day - np.timedelta64(d, "D"))
            for d in (1, 0)
        ]
        who = np.flatnonzero(moved | (start_ok[0] != start_ok[1]))
        n = len(who)
        frame = {
            "_event": np.arange(number, number + n, dtype=np.int64),
            "_hh": who,
            "_person": r.head[who],
            "event": np.full(n, STANDARD_CHANGE),
            "_rank": np.full(n, -1),
            "event_date": np.full(n, day, dtype="datetime64[D]"),
            "recorded": np.zeros(n, dtype=bool),
        }
        frame |= {f"d_{k}": np.zeros(n, dtype=bool if k == "non_residential" else np.float64) for k in DELTAS}
        urban = r.urban[who]
        frame |= _rules(policy, np.full(n, k_old), urban, "before") | _rules(policy, np.full(n, k_new), urban, "after")
        parts.append(pl.DataFrame(frame))
        number += n
    return pl.concat(parts, how="vertical_relaxed").sort("_hh", "event_date", "_rank", "_event")


def accumulate(
    r: Roster, changes: list[Change], record_ids: pl.DataFrame, policy: LocalPolicy, window: Window
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(truth, outcomes). `record_ids` maps `_event` to the source and record id of its first record."""
    start = start_state(r, policy, window)
    state = start.drop("std_start", "veh_start", "nra_start")
    ch = _changes_frame(r, changes, policy, window).join(state, on="_hh", how="left", maintain_order="left")
    after = []
    for k in DELTAS:
        if k == "non_residential":
            value = pl.col(k) | pl.col(f"d_{k}").cum_max().over("_hh")
        else:
            value = pl.col(k) + pl.col(f"d_{k}").cum_sum().over("_hh")
            value = value.clip(lower_bound=0) if k in ("income_fen", "financial", "rigid") else value
        after.append(value.alias(f"{k}_after"))
    ch = ch.with_columns(after).with_columns(
        [pl.col(f"{k}_after").shift(1).over("_hh").fill_null(pl.col(k)).alias(f"{k}_before") for k in DELTAS]
    )
    ch = ch.with_columns(
        eligible(*_state_cols("_before", "before")).alias("eligible_before"),
        eligible(*_state_cols("_after", "after")).alias("eligible_after"),
    ).filter((pl.col("event") != STANDARD_CHANGE) | (pl.col("eligible_before") != pl.col("eligible_after")))
    truth = _truth_frame(r, ch, record_ids)
    return truth, _outcomes(start, ch)


def _yuan(expr: pl.Expr) -> pl.Expr:
    return (expr / 100).round(2)


def _truth_frame(r: Roster, ch: pl.DataFrame, record_ids: pl.DataFrame) -> pl.DataFrame:
    kinds = pl.DataFrame({"event": list(EVENTS), "direction": [v[0] for v in EVENTS.values()]})
    kinds = kinds.with_columns(pl.Series("record_kind", [v[1] for v in EVENTS.values()]))
    ch = ch.join(kinds, on="event", how="left", maintain_order="left").join(
        record_ids, on="_event", how="left", maintain_order="left"
    )
    cols: list[pl.Expr] = []
    for name, state in STATE.items():
        for side in ("before", "after"):
            col = pl.col(f"{state}_{side}")
            if name == "income":
                col = _yuan(col)
            elif name in ("size", "properties", "vehicles"):
                col = col.cast(pl.Int64)
            elif name != "non_residential_property":
                col = col.round(2)
            cols.append(col.alias(f"{name}_{side}"))
    per_capita = [
        pl.when(pl.col(f"size_{s}") > 0).then(_yuan(pl.col(f"income_fen_{s}")) / pl.col(f"size_{s}")).round(2)
        for s in ("before", "after")
    ]
    change = (
        pl.when(~pl.col("eligible_before") & pl.col("eligible_after"))
        .then(pl.lit("became_eligible"))
        .when(pl.col("eligible_before") & ~pl.col("eligible_after"))
        .then(pl.lit("became_ineligible"))
        .otherwise(pl.lit("none"))
    )
    return ch.select(
        pl.concat_str([pl.lit("EV"), (pl.col("_event") + 1).cast(pl.String).str.zfill(8)]).alias("event_id"),
        "household_id",
        r.person_id.gather(ch.get_column("_person").to_numpy()).alias("person_id"),
        "event",
        "direction",
        "event_date",
        "recorded",
        "record_kind",
        "source",
        "record_id",
        *cols,
        per_capita[0].alias("income_per_capita_before"),
        per_capita[1].alias("income_per_capita_after"),
        _yuan(pl.col("std_before")).alias("dibao_standard_before"),
        _yuan(pl.col("std_after")).alias("dibao_standard"),
        "eligible_before",
        "eligible_after",
        change.alias("status_change"),
    )


def _outcomes(start: pl.DataFrame, ch: pl.DataFrame) -> pl.DataFrame:
    flip = pl.col("eligible_before") != pl.col("eligible_after")
    per_hh = ch.group_by("_hh", maintain_order=True).agg(
        (~pl.col("eligible_before") & pl.col("eligible_after")).any().alias("became_eligible"),
        (pl.col("eligible_before") & ~pl.col("eligible_after")).any().alias("became_ineligible"),
        pl.col("event_date").filter(flip).first().alias("date"),
        pl.col("event").filter(flip).unique(maintain_order=True).str.join(";").alias("reasons"),
        pl.col("eligible_after").last().alias("eligible_end"),
        pl.len().cast(pl.Int64).alias("events"),
    )
    out = start.select("_hh", "household_id", "eligible_start").join(
        per_hh, on="_hh", how="left", maintain_order="left"
    )
    return out.select(
        "household_id",
        "eligible_start",
        pl.col("eligible_end").fill_null(pl.col("eligible_start")),
        pl.col("became_eligible").fill_null(False),
        pl.col("became_ineligible").fill_null(False),
        "date",
        pl.col("reasons").fill_null(""),
        pl.col("events").fill_null(0),
    )
