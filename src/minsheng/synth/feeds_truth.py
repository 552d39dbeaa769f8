"""The truth behind the feeds (真实变化): every event's effect on its household,
and whether the household truly became eligible or ineligible for dibao.

How "eligible" is decided — the synth's own logic (`synth.enrolment`), applied
to TRUE circumstances:

    eligible = size ≥ 1
               and true monthly income (wage + business + property + transfer,
                   disregarded income excluded) < dibao standard × size
                   (社会救助暂行办法 第九条; PF §1.1)
               and no vehicle and no non-residential property
                   (the local exclusion rules quoted in PF §1.6)

with the standard of `Population.ground_truth.dibao_standard` (the synth's
national averages, urban 798.1 / rural 593.9 yuan per person per month,
PF2 §7). Incomes are compared in whole fen. Rigid expenses, deposits and
residential property are recorded but, as in the synth, do not enter the test.

The state before a household's first event is `Population.ground_truth`; each
event applies its deltas in date order (ties: deaths last), so the "before" of
an event is the "after" of the previous one; the truth lists events in that
order, household by household. A household *became eligible* if
some event turned it from ineligible to eligible, and *became ineligible* if
some event turned it from eligible to ineligible (both can hold); `date` is
the first day its status changed and `reasons` the events that changed it.
Incomes are current monthly incomes after the event, not 12-month averages.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from minsheng.synth.feeds_draft import DELTAS, Change
from minsheng.synth.feeds_roster import Roster

# What each event is and where it shows up (the feed kind of its main record).
EVENTS = {
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


def eligible(size: pl.Expr, income_fen: pl.Expr, standard_fen: pl.Expr, vehicles: pl.Expr, nonres: pl.Expr) -> pl.Expr:
    """The synth's dibao test on true circumstances (see the module docstring)."""
    income_ok = income_fen < standard_fen * size  # 社会救助暂行办法 第九条
    assets_ok = (vehicles == 0) & ~nonres  # local exclusion rules, PF §1.6
    return (size > 0) & income_ok & assets_ok


def start_state(r: Roster) -> pl.DataFrame:
    """One row per household: the ground truth at the window start."""
    return pl.DataFrame(
        {
            "_hh": np.arange(r.households),
            "household_id": r.household_id,
            "standard_fen": r.standard_fen,
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
        }
    ).with_columns(eligible(*_state_cols("")).alias("eligible_start"))


def _state_cols(suffix: str) -> tuple[pl.Expr, ...]:
    return (
        pl.col(f"size{suffix}"),
        pl.col(f"income_fen{suffix}"),
        pl.col("standard_fen"),
        pl.col(f"vehicles{suffix}"),
        pl.col(f"non_residential{suffix}"),
    )


def _changes_frame(r: Roster, changes: list[Change]) -> pl.DataFrame:
    order = list(EVENTS)
    parts = []
    for c in changes:
        n = len(c.person)
        frame = {
            "_event": c.number,
            "_hh": r.hh[c.person],
            "_person": c.person,
            "event": np.full(n, c.event),
            "_rank": np.full(n, len(order) if c.event == "death" else order.index(c.event)),
            "event_date": c.date,
            "recorded": c.recorded,
        }
        frame |= {f"d_{k}": c.delta(k).astype(bool if k == "non_residential" else np.float64) for k in DELTAS}
        parts.append(pl.DataFrame(frame))
    return pl.concat(parts, how="vertical_relaxed").sort("_hh", "event_date", "_rank", "_event")


def accumulate(r: Roster, changes: list[Change], record_ids: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(truth, outcomes). `record_ids` maps `_event` to the source and record id of its first record."""
    start = start_state(r)
    ch = _changes_frame(r, changes).join(start, on="_hh", how="left", maintain_order="left")
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
        eligible(*_state_cols("_before")).alias("eligible_before"),
        eligible(*_state_cols("_after")).alias("eligible_after"),
    )
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
        _yuan(pl.col("standard_fen")).alias("dibao_standard"),
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
