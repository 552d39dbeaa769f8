"""Proactive discovery (主动发现, "policy finds people").

Run the programmes over the registry and compare with who is enrolled:

- `missed`  (应保未保): eligible, not enrolled;
- `leaked`  (应退未退): enrolled, no longer eligible (an *unknown* result is not leaked:
  it needs a visit, and is counted separately);
- `changed` (待遇变化): enrolled and eligible, but the computed monthly benefit differs
  from what is paid now.

Each entry names the conditions that failed, so `minsheng explain` can take it
from there. When the population assessed is the observed one (`feeds.apply`),
`observed_changes` lists the department facts that differ from the declaration
and that the programme reads (a medical claim is not shown against dibao), with
their records: a caseworker sees why the registry alone would not say so.
Tekun is decided per person and enrolled per household: a household
is `missed` when a member qualifies and the household has no tekun enrolment.
"""

from __future__ import annotations

import polars as pl

from minsheng.feeds.apply import MEMBERSHIP, describe
from minsheng.rules.evaluate import Result
from minsheng.rules.model import Input, Model

KINDS = ("missed", "leaked", "changed")
SCHEMA = {
    "kind": pl.String,
    "programme": pl.String,
    "household_id": pl.String,
    "residence_division": pl.String,
    "enrolled": pl.Boolean,
    "eligible": pl.Boolean,
    "current_benefit": pl.Float64,
    "computed_benefit": pl.Float64,
    "failed_conditions": pl.String,
    "observed_changes": pl.String,  # department facts that differ from the declaration (feeds.apply.describe)
}


def discover(
    model: Model,
    result: Result,
    enrolments: pl.DataFrame,
    households: pl.DataFrame,
    changes: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`enrolments`: household_id, programme; `households`: household_id, current_benefit_fen;
    `changes`: what applying the feeds changed (`feeds.apply.Applied.changes`), if they were applied."""
    parts = []
    for programme in model.programmes.values():
        if programme.id == "dibao_single":
            continue  # a person-level inclusion recorded as dibao; discovery of it needs person enrolments
        status = _status(model, result, programme.id).join(
            _explained(model, programme.id, changes), on="household_id", how="left"
        )
        enrolled = enrolments.filter(pl.col("programme") == programme.id).select("household_id").unique()
        frame = status.join(enrolled.with_columns(pl.lit(True).alias("enrolled")), on="household_id", how="left")
        frame = frame.with_columns(pl.col("enrolled").fill_null(False))
        if programme.benefit and programme.entity == "household":
            frame = frame.join(households.select("household_id", "current_benefit_fen"), on="household_id", how="left")
        else:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("current_benefit_fen"))
        kind = (
            pl.when(pl.col("eligible") & ~pl.col("enrolled"))
            .then(pl.lit("missed"))
            .when(pl.col("enrolled") & ~pl.col("eligible"))
            .then(pl.lit("leaked"))
            .when(
                pl.col("enrolled")
                & pl.col("eligible")
                & pl.col("computed_fen").is_not_null()
                & pl.col("current_benefit_fen").is_not_null()
                & (pl.col("computed_fen") != pl.col("current_benefit_fen"))
            )
            .then(pl.lit("changed"))
        )
        parts.append(
            frame.with_columns(kind.alias("kind"))
            .filter(pl.col("kind").is_not_null())
            .select(
                "kind",
                pl.lit(programme.id).alias("programme"),
                "household_id",
                "residence_division",
                "enrolled",
                "eligible",
                (pl.col("current_benefit_fen") / 100).alias("current_benefit"),
                (pl.col("computed_fen") / 100).alias("computed_benefit"),
                "failed_conditions",
                "observed_changes",
            )
        )
    if not parts:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat(parts, how="vertical_relaxed").cast(SCHEMA).sort("kind", "programme", "household_id")  # type: ignore[arg-type]


def _explained(model: Model, programme_id: str, changes: pl.DataFrame | None) -> pl.DataFrame:
    """household_id, observed_changes: the changed facts among the programme's inputs."""
    if changes is None:
        return pl.DataFrame(schema={"household_id": pl.String, "observed_changes": pl.String})
    programme = model.programmes[programme_id]
    wanted = [*programme.conditions, programme.eligible, *((programme.benefit,) if programme.benefit else ())]
    # Changes name contract columns (money without `_fen`); membership changes every programme's sums.
    fields = {n.removesuffix("_fen") for n in model.order(wanted) if isinstance(model.nodes[n], Input)}
    return describe(changes.filter(pl.col("field").is_in([*fields, *MEMBERSHIP])))


def _status(model: Model, result: Result, programme_id: str) -> pl.DataFrame:
    """Per household: eligible (Kleene over members for person programmes), computed benefit, failed conditions."""
    programme = model.programmes[programme_id]
    failed = pl.concat_str(
        [pl.when(~pl.col(c)).then(pl.lit(c)) for c in programme.conditions],
        separator=";",
        ignore_nulls=True,
    )
    if programme.entity == "household":
        benefit = pl.col(programme.benefit) if programme.benefit else pl.lit(None, dtype=pl.Int64)
        return result.households.select(
            "household_id",
            "residence_division",
            pl.col(programme.eligible).alias("eligible"),
            benefit.alias("computed_fen"),
            failed.alias("failed_conditions"),
        )
    members = result.persons.with_columns(failed.alias("__failed"))
    per_household = members.group_by("household_id").agg(
        pl.col(programme.eligible).any(ignore_nulls=False).alias("eligible"),
        (pl.col(programme.benefit).sum() if programme.benefit else pl.lit(None, dtype=pl.Int64)).alias("computed_fen"),
        pl.col("__failed").filter(pl.col("__failed") != "").unique().sort().str.join(";").alias("failed_conditions"),
    )
    return result.households.select("household_id", "residence_division").join(
        per_household, on="household_id", how="left"
    )


def counts(found: pl.DataFrame) -> pl.DataFrame:
    """Discovery counts by kind and programme (for the one-screen summary)."""
    return found.group_by("programme", "kind").agg(pl.len().alias("households")).sort("programme", "kind")
