"""Applying department feeds (部门数据应用): the OBSERVED population beside the declared one.

    applied = apply_feeds(households, persons, feeds, start=dt.date(2025, 7, 1), end=dt.date(2026, 6, 30))
    applied.persons        # the persons frame, department facts of the window laid over the declared ones
    applied.changes        # household_id, person_id, field, declared, observed, feed_key: every difference

The registry's DECLARED values are never overwritten: a verification report
compares declared with recorded, and only a caseworker's on-site findings
change the registry. Applying feeds builds a second pair of frames, with the
same columns as `registry.population.load` returns, that the rules engine can
assess like the registry itself; `changes` says, field by field, what differs
and which records (`feed_key`, source:record_id) say so.

Two kinds of rule, each justified on its line in `feeds.fields`:
- *replace*: the record is the authoritative current value (a death, a
  certificate, the latest wage, the school stage);
- *floor*: the record proves at least this much but sees only part of the
  whole (one bank, insured care, registered vehicles), so the observed value
  is the larger of declared and recorded, and a record never lowers a
  declaration. A blank declaration takes the recorded value.

What the records of the window say, per person and household, is `feeds.facts`;
this module lays those facts over the declaration and lists the differences
(`changes`, `describe`).

Only the columns the programmes read, plus the few the data contract pairs
with them (employment, school stage, vehicle value), are touched.
Records outside [start, end], or about persons not in the frames, are ignored;
so is `disaster_loss`: a loss is not income or an expense the rules count (its
warning rule raises an alert instead).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from minsheng.feeds.facts import household_facts, in_window, person_facts
from minsheng.feeds.fields import HOUSEHOLD_FIELDS, PERSON_FIELDS, household_rules, person_rules

CHANGE_SCHEMA = {
    "household_id": pl.String,
    "person_id": pl.String,  # blank for a household field
    "field": pl.String,  # the data contract's name (money: yuan, as in the files)
    "declared": pl.String,
    "observed": pl.String,
    "feed_key": pl.String,  # the evidence: source:record_id, ';'-separated when several
}
MEMBERSHIP = ("member", "household_size")  # the fields a death changes


@dataclass(frozen=True)
class Applied:
    households: pl.DataFrame  # observed: the declared columns, department facts laid over
    persons: pl.DataFrame  # observed: the deceased removed
    changes: pl.DataFrame  # CHANGE_SCHEMA, one row per (household, person, field) that differs
    records: int  # records applied: in the window and about a person in the frames

    @property
    def changed_households(self) -> int:
        return self.changes.get_column("household_id").n_unique()


def apply_feeds(
    households: pl.DataFrame,
    persons: pl.DataFrame,
    feeds: dict[str, pl.DataFrame],
    *,
    start: dt.date,
    end: dt.date,
) -> Applied:
    """`feeds`: one frame per kind as `monitoring.run.linked_feeds` returns them (feed_key,
    event_date, person_id and the kind's columns, money in fen). Pure: frames in, frames out."""
    records = in_window(feeds, persons, start, end)
    people = persons.join(person_facts(records, end), on="person_id", how="left")
    people = people.with_columns(person_rules(persons.schema)).with_columns(
        pl.col("__death").is_not_null().alias("__dead")
    )
    homes = households.join(household_facts(records), on="household_id", how="left").with_columns(
        household_rules(households.schema)
    )
    changes = pl.concat(
        [
            *(_changed(people, field, pl.col("person_id")) for field in PERSON_FIELDS if field in persons.columns),
            *(
                _changed(homes, field, pl.lit(None, pl.String))
                for field in HOUSEHOLD_FIELDS
                if field in households.columns
            ),
            _deaths(people),
        ],
        how="vertical_relaxed",
    )
    observed_persons = people.filter(~pl.col("__dead")).select(
        pl.col(f"__obs_{c}").alias(c) if c in PERSON_FIELDS else pl.col(c) for c in persons.columns
    )
    observed_households = homes.select(
        pl.col(f"__obs_{c}").alias(c) if c in HOUSEHOLD_FIELDS else pl.col(c) for c in households.columns
    )
    return Applied(
        observed_households,
        observed_persons,
        changes.cast(CHANGE_SCHEMA).sort("household_id", "person_id", "field", nulls_last=True),  # type: ignore[arg-type]
        sum(f.height for f in records.values()),
    )


def describe(changes: pl.DataFrame) -> pl.DataFrame:
    """One line per household for a caseworker: household_id, observed_changes.

    `Q1.wage_income: 4000.00→1000.00 [human_resources:W1]; vehicles: 0→1 [public_security:V1]`
    """
    keys = pl.col("feed_key").str.split(";")
    evidence = (
        pl.when(keys.list.len() > 1)
        .then(pl.format("{} +{}", keys.list.first(), keys.list.len() - 1))
        .otherwise(pl.col("feed_key"))
    )
    who = pl.when(pl.col("person_id").is_not_null()).then(pl.col("person_id") + ".").otherwise(pl.lit(""))
    line = pl.format(
        "{}{}: {}→{} [{}]",
        who,
        "field",
        pl.col("declared").fill_null("blank"),
        pl.col("observed").fill_null("blank"),
        evidence,
    )
    return (
        changes.sort("household_id", "person_id", "field", nulls_last=True)
        .group_by("household_id", maintain_order=True)
        .agg(line.str.join("; ").alias("observed_changes"))
    )


# ---- the changes frame


def _text(name: str, expr: pl.Expr) -> pl.Expr:
    """A value as the files write it: money in yuan with two decimals."""
    if name.endswith("_fen"):
        return pl.format("{}.{}", expr // 100, (expr % 100).cast(pl.String).str.zfill(2))
    return expr.cast(pl.String)


def _changed(frame: pl.DataFrame, name: str, person: pl.Expr) -> pl.DataFrame:
    declared, observed = pl.col(name), pl.col(f"__obs_{name}")
    rows = frame.filter(declared.ne_missing(observed))
    if "__dead" in frame.columns:
        rows = rows.filter(~pl.col("__dead"))  # a death explains the rest
    return rows.select(
        "household_id",
        person.alias("person_id"),
        pl.lit(name.removesuffix("_fen")).alias("field"),
        _text(name, declared).alias("declared"),
        _text(name, observed).alias("observed"),
        pl.col(f"__ev_{name}").alias("feed_key"),
    )


def _deaths(people: pl.DataFrame) -> pl.DataFrame:
    """A death removes the member; the household's size follows (the engine counts members).
    The others' relation codes stay as declared: who heads the household now is for the
    caseworker to record."""
    bereaved = people.filter(pl.col("__dead").any().over("household_id"))
    size = bereaved.group_by("household_id").agg(
        pl.len().alias("declared"),
        (~pl.col("__dead")).sum().alias("observed"),
        pl.col("__death").drop_nulls().sort().str.join(";").alias("feed_key"),
    )
    members = people.filter(pl.col("__dead")).select(
        "household_id",
        "person_id",
        pl.lit("member").alias("field"),
        pl.lit("present").alias("declared"),
        pl.lit("deceased").alias("observed"),
        pl.col("__death").alias("feed_key"),
    )
    sizes = size.select(
        "household_id",
        pl.lit(None, pl.String).alias("person_id"),
        pl.lit("household_size").alias("field"),
        pl.col("declared").cast(pl.String),
        pl.col("observed").cast(pl.String),
        "feed_key",
    )
    return pl.concat([members, sizes])
