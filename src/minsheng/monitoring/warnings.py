"""Warning rules (预警规则): department records and registry facts that signal a household
slipping into hardship, or out of it.

Thresholds are dated, per-region, cited parameters (`programmes/parameters/monitoring/`);
the rules below only say which records they read and how they grade them. Each
rule returns rows of (household_id, reason, direction, severity, event_date,
feed_key); `alerts.merge` turns them into one open alert per household and reason.

Severity (分级预警): red — likely already below the dibao standard; orange — a shock to
a low-income household or a likely exit; yellow — watch.
"Low-income" is the population monitoring is for (国办发〔2023〕39号): per-capita income
below `monitoring.near_standard_multiple` × the dibao standard. A shock to a household
well above that band (a 20,000-yuan bill in a household earning 300,000) is a watch,
not a case: graded orange, it filled the queue with households that stayed far from the
standard (benchmarks/eval_monitoring.py); a big one (`monitoring.red_multiple` × the
threshold) is watched. Where a record takes income away (a job loss, a death) the grade
follows the income left after it, not the income before; a major illness of a wage earner
whose wage the household could not do without is orange at any income.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from minsheng.rules.parameters import ParameterSet

HARDSHIP, EXIT = "hardship", "exit"
ALERT_SCHEMA = {
    "household_id": pl.String,
    "reason": pl.String,
    "direction": pl.String,
    "severity": pl.String,
    "event_date": pl.Date,
    "feed_key": pl.String,
}
SEVERITY_RANK = {"yellow": 1, "orange": 2, "red": 3}
ENROLLED_PROGRAMMES = ("dibao", "tekun", "dibao_marginal")


@dataclass(frozen=True)
class Context:
    """What the rules know about each household and person on the monitoring date."""

    households: pl.DataFrame  # household_id, residence_division, household_size, income_per_capita_fen,
    #                           household_counted_income_fen, dibao_standard_fen, enrolled (bool)
    persons: pl.DataFrame  # person_id, household_id, age, counted_income_fen, wage_income_fen
    params: ParameterSet
    date: dt.date

    def param(self, pid: str) -> pl.Series:
        """A parameter per household, for its residence and the monitoring date."""
        values = [self.params.value(pid, code, self.date) for code in self._regions()]
        lookup = dict(zip(self._regions(), values, strict=True))
        scale = 100 if self.params[pid].kind == "money" else 1  # money back to fen, like the engine's columns
        return (
            self.households.get_column("residence_division")
            .str.slice(0, 6)
            .replace_strict({k: (None if v is None else v * scale) for k, v in lookup.items()}, return_dtype=pl.Float64)
        )

    def _regions(self) -> list[str]:
        return self.households.get_column("residence_division").str.slice(0, 6).unique().sort().to_list()


Rule = Callable[[dict[str, pl.DataFrame], Context], pl.DataFrame]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn

    return register


def _with_household(records: pl.DataFrame, ctx: Context, *params: str) -> pl.DataFrame:
    hh = ctx.households.with_columns(*(ctx.param(p).alias(p) for p in params))
    return records.join(hh, on="household_id", how="inner")


def _emit(frame: pl.DataFrame, reason: str, direction: str, severity: pl.Expr) -> pl.DataFrame:
    return frame.select(
        "household_id",
        pl.lit(reason).alias("reason"),
        pl.lit(direction).alias("direction"),
        severity.alias("severity"),
        pl.col("event_date"),
        "feed_key",
    ).filter(pl.col("severity").is_not_null())


def _low_income(near: str = "monitoring.near_standard_multiple", income: str = "income_per_capita_fen") -> pl.Expr:
    return pl.col(income) < pl.col(near) * pl.col("dibao_standard_fen")


def _below_standard(income: str = "income_per_capita_fen") -> pl.Expr:
    return pl.col(income) < pl.col("dibao_standard_fen")


def _shock_grade(shock: pl.Expr, big: pl.Expr) -> pl.Expr:
    """A shock: red in a household below the standard, orange in the low-income band above
    it; above the band only a big shock is watched (yellow), a smaller one is no alert."""
    return (
        pl.when(shock & _below_standard())
        .then(pl.lit("red"))
        .when(shock & _low_income())
        .then(pl.lit("orange"))
        .when(big)
        .then(pl.lit("yellow"))
    )


def _after_loss(lost: pl.Expr, gained: pl.Expr, members: pl.Expr) -> pl.Expr:
    """Per-capita counted income once `lost` (fen / month) is gone and `gained` has come in."""
    left = pl.col("household_counted_income_fen") - lost.fill_null(0) + gained.fill_null(0)
    return pl.when(members > 0).then(left / members)


@rule("medical_cost")
def medical_cost(feeds: dict[str, pl.DataFrame], ctx: Context) -> pl.DataFrame:
    claims = feeds.get("medical_claim")
    if claims is None or claims.is_empty():
        return pl.DataFrame(schema=ALERT_SCHEMA)
    # A major illness of an earner may end the earning: the most a patient earned is what the
    # household may lose (the claim cannot say whether the patient still works; the visit can).
    earning = ctx.persons.select("person_id", pl.col("wage_income_fen").alias("patient_income_fen"))
    per_household = (
        claims.join(earning, on="person_id", how="left")
        .group_by("household_id")
        .agg(
            pl.col("out_of_pocket").sum().alias("oop"),
            pl.col("patient_income_fen").filter(pl.col("major_illness").fill_null(False)).max().alias("at_risk"),
            pl.col("event_date").max(),
            pl.col("feed_key"),
        )
    )
    frame = _with_household(
        per_household,
        ctx,
        "monitoring.medical_share_threshold",
        "monitoring.medical_amount_threshold",
        "monitoring.red_multiple",
        "monitoring.near_standard_multiple",
    )
    annual = pl.col("household_counted_income_fen") * 12
    share = pl.col("oop") / annual
    amount = pl.col("monitoring.medical_amount_threshold")
    red = pl.col("monitoring.red_multiple")
    limit = pl.col("monitoring.medical_share_threshold")
    shock = (pl.col("oop") >= amount) | (share >= limit)
    frame = frame.with_columns(_after_loss(pl.col("at_risk"), pl.lit(0), pl.col("household_size")).alias("after_fen"))
    at_risk = (pl.col("at_risk").fill_null(0) > 0) & _below_standard("after_fen")
    severity = (
        pl.when(at_risk & ~_below_standard() & ~_low_income())
        .then(pl.lit("orange"))  # below the standard should the patient stop working
        .otherwise(_shock_grade(shock, (pl.col("oop") >= red * amount) | (share >= red * limit)))
    )
    return _emit(frame.explode("feed_key"), "medical_cost", HARDSHIP, severity)


@rule("unemployment")
def unemployment(feeds: dict[str, pl.DataFrame], ctx: Context) -> pl.DataFrame:
    records = feeds.get("unemployment")
    if records is None or records.is_empty():
        return pl.DataFrame(schema=ALERT_SCHEMA)
    # A person's latest status says what the household lives on now: the declared wage is
    # gone; unemployment benefit comes in while it is paid (benefit_start), not after it ends.
    latest = (
        records.sort("event_date")
        .group_by("household_id", "person_id")
        .agg(
            pl.col("status").last(),
            pl.col("monthly_benefit").last(),
            pl.col("event_date").max(),
            pl.col("feed_key"),
        )
    )
    wages = ctx.persons.select("person_id", "wage_income_fen")
    frame = _with_household(latest.join(wages, on="person_id", how="left"), ctx, "monitoring.near_standard_multiple")
    benefit = pl.when(pl.col("status") == "benefit_start").then(pl.col("monthly_benefit"))
    frame = frame.with_columns(
        _after_loss(pl.col("wage_income_fen"), benefit, pl.col("household_size")).alias("after_fen")
    )
    severity = (
        pl.when(_below_standard("after_fen"))
        .then(pl.lit("red"))
        .when(_low_income(income="after_fen"))
        .then(pl.lit("orange"))
    )
    return _emit(frame.explode("feed_key"), "unemployment", HARDSHIP, severity)


@rule("earner_death")
def earner_death(feeds: dict[str, pl.DataFrame], ctx: Context) -> pl.DataFrame:
    records = feeds.get("death")
    if records is None or records.is_empty():
        return pl.DataFrame(schema=ALERT_SCHEMA)
    frame = records.join(ctx.persons.select("person_id", "counted_income_fen"), on="person_id", how="inner")
    frame = _with_household(frame, ctx, "monitoring.main_earner_share", "monitoring.near_standard_multiple")
    earner = (pl.col("household_counted_income_fen") > 0) & (
        pl.col("counted_income_fen") >= pl.col("monitoring.main_earner_share") * pl.col("household_counted_income_fen")
    )
    # The survivors live on what the others earn; a household of one leaves nobody to help.
    frame = frame.with_columns(
        _after_loss(pl.col("counted_income_fen"), pl.lit(0), pl.col("household_size") - 1).alias("after_fen")
    )
    severity = (
        pl.when(earner & _below_standard("after_fen"))
        .then(pl.lit("red"))
        .when(earner & _low_income(income="after_fen"))
        .then(pl.lit("orange"))
    )
    return _emit(frame, "earner_death", HARDSHIP, severity)


@rule("severe_disability")
def severe_disability(feeds: dict[str, pl.DataFrame], ctx: Context) -> pl.DataFrame:
    records = feeds.get("disability_certification")
    if records is None or records.is_empty():
        return pl.DataFrame(schema=ALERT_SCHEMA)
    frame = _with_household(records, ctx, "monitoring.near_standard_multiple")
    grade = pl.col("disability_grade").cast(pl.Int32, strict=False)
    severe = grade.is_in([1, 2]) | ((grade == 3) & pl.col("disability_kind").is_in(["intellectual", "mental"]))
    severity = (
        pl.when(severe & _below_standard()).then(pl.lit("red")).when(severe & _low_income()).then(pl.lit("orange"))
    )
    return _emit(frame, "severe_disability", HARDSHIP, severity)


@rule("disaster_loss")
def disaster_loss(feeds: dict[str, pl.DataFrame], ctx: Context) -> pl.DataFrame:
    records = feeds.get("disaster_loss")
    if records is None or records.is_empty():
        return pl.DataFrame(schema=ALERT_SCHEMA)
    frame = _with_household(
        records,
        ctx,
        "monitoring.disaster_loss_threshold",
        "monitoring.red_multiple",
        "monitoring.near_standard_multiple",
    )
    limit = pl.col("monitoring.disaster_loss_threshold")
    loss = pl.col("loss_amount")
    severity = _shock_grade(loss >= limit, loss >= pl.col("monitoring.red_multiple") * limit)
    return _emit(frame, "disaster_loss", HARDSHIP, severity)


@rule("higher_education")
def higher_education(feeds: dict[str, pl.DataFrame], ctx: Context) -> pl.DataFrame:
    records = feeds.get("education_enrolment")
    if records is None or records.is_empty():
        return pl.DataFrame(schema=ALERT_SCHEMA)
    frame = _with_household(
        records.filter(pl.col("school_stage") == "higher"), ctx, "monitoring.near_standard_multiple"
    )
    return _emit(frame, "higher_education", HARDSHIP, pl.when(_low_income()).then(pl.lit("yellow")))


@rule("elderly_alone")
def elderly_alone(feeds: dict[str, pl.DataFrame], ctx: Context) -> pl.DataFrame:
    households = ctx.households.with_columns(
        ctx.param("monitoring.elderly_alone_age").alias("limit"),
        ctx.param("monitoring.near_standard_multiple").alias("monitoring.near_standard_multiple"),
    )
    # Old age alone is a registry fact, not an event: watched where income is low too and no
    # programme already visits, or every widow(er) over 70 would sit in the queue all year.
    frame = households.filter((pl.col("household_size") == 1) & _low_income() & ~pl.col("enrolled")).join(
        ctx.persons.select("household_id", "age"), on="household_id", how="inner"
    )
    frame = frame.with_columns(pl.lit(ctx.date).alias("event_date"), pl.lit(None, dtype=pl.String).alias("feed_key"))
    return _emit(frame, "elderly_alone", HARDSHIP, pl.when(pl.col("age") >= pl.col("limit")).then(pl.lit("yellow")))


def _exit(records: pl.DataFrame | None, ctx: Context, reason: str, severity: pl.Expr) -> pl.DataFrame:
    if records is None or records.is_empty():
        return pl.DataFrame(schema=ALERT_SCHEMA)
    frame = _with_household(records, ctx).filter(pl.col("enrolled"))
    return _emit(frame, reason, EXIT, severity)


@rule("exit_vehicle")
def exit_vehicle(feeds: dict[str, pl.DataFrame], ctx: Context) -> pl.DataFrame:
    return _exit(feeds.get("vehicle_registration"), ctx, "exit_vehicle", pl.lit("orange"))


@rule("exit_property")
def exit_property(feeds: dict[str, pl.DataFrame], ctx: Context) -> pl.DataFrame:
    severity = pl.when(pl.col("residential") == False).then(pl.lit("orange")).otherwise(pl.lit("yellow"))  # noqa: E712
    return _exit(feeds.get("property_registration"), ctx, "exit_property", severity)


@rule("exit_business")
def exit_business(feeds: dict[str, pl.DataFrame], ctx: Context) -> pl.DataFrame:
    return _exit(
        feeds.get("business_registration"), ctx, "exit_business", pl.when(pl.col("capital") > 0).then(pl.lit("orange"))
    )


@rule("exit_wage")
def exit_wage(feeds: dict[str, pl.DataFrame], ctx: Context) -> pl.DataFrame:
    records = feeds.get("wage_record")
    if records is None or records.is_empty():
        return pl.DataFrame(schema=ALERT_SCHEMA)
    frame = records.join(ctx.persons.select("person_id", "wage_income_fen"), on="person_id", how="inner")
    # The household's income with this member's declared wage replaced by the recorded one.
    new_income = (
        pl.col("household_counted_income_fen") - pl.col("wage_income_fen").fill_null(0) + pl.col("monthly_wage")
    )
    lifted = new_income / pl.col("household_size") >= pl.col("dibao_standard_fen")
    return _exit(frame, ctx, "exit_wage", pl.when(lifted).then(pl.lit("orange")))


def evaluate_warnings(feeds: dict[str, pl.DataFrame], ctx: Context) -> pl.DataFrame:
    """Every rule over the linked records; one row per triggering record (or registry fact)."""
    parts = [fn(feeds, ctx).cast(ALERT_SCHEMA) for fn in RULES.values()]  # type: ignore[arg-type]
    return pl.concat(parts) if parts else pl.DataFrame(schema=ALERT_SCHEMA)
