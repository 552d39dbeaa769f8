"""Department facts (部门事实) for applying feeds: what the records of a window say.

`in_window` keeps the records of the kinds applied, dated in the window and about a
person in the registry's frames (counted in that person's registry household);
`person_facts` and `household_facts` reduce them to one row per person or household
(the latest record, or a sum over the household), each value beside the feed keys
that say so. `feeds.fields` turns these facts into observed values.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce

import polars as pl

MEDICAL_MONTHS = 12  # medical_expense is "per 12 months" (registry.columns)
APPLIED_KINDS = (
    "death",
    "wage_record",
    "unemployment",
    "pension_payment",
    "disability_certification",
    "education_enrolment",
    "medical_claim",
    "vehicle_registration",
    "property_registration",
    "business_registration",
    "deposit_balance",
    "provident_fund",
)


def in_window(
    feeds: dict[str, pl.DataFrame], persons: pl.DataFrame, start: dt.date, end: dt.date
) -> dict[str, pl.DataFrame]:
    # The person's household is the registry's, not the one the record was linked to, so a
    # member who moved counts where the registry has them now.
    members = persons.select("person_id", "household_id")
    out = {}
    for kind, frame in feeds.items():
        if kind not in APPLIED_KINDS:
            continue
        part = frame.filter(pl.col("event_date").is_between(start, end) & pl.col("person_id").is_not_null())
        out[kind] = part.drop("household_id", strict=False).join(members, on="person_id", how="inner")
    return out


def _kind(records: dict[str, pl.DataFrame], kind: str, columns: dict[str, type[pl.DataType]]) -> pl.DataFrame:
    envelope = {"feed_key": pl.String, "event_date": pl.Date, "person_id": pl.String, "household_id": pl.String}
    frame = records.get(kind)
    if frame is None:
        return pl.DataFrame(schema=envelope | columns)
    return frame.select(*envelope, *columns).cast(columns)  # type: ignore[arg-type]


def _latest(frame: pl.DataFrame, by: str = "person_id") -> pl.DataFrame:
    """The newest record per `by` (same day: the larger feed key, so the choice is repeatable)."""
    return frame.sort("event_date", "feed_key").unique(subset=by, keep="last", maintain_order=True)


def _keys() -> pl.Expr:
    return pl.col("feed_key").sort().str.join(";")


def _sum(column: str | pl.Expr) -> pl.Expr:
    """A total of the values on record; blank (not 0) when no record gives one."""
    col = pl.col(column) if isinstance(column, str) else column
    return pl.when(col.is_not_null().any()).then(col.sum())


def person_facts(records: dict[str, pl.DataFrame], end: dt.date) -> pl.DataFrame:
    """One row per person with a record: what the departments say, and which record says it."""
    wage = _latest(_kind(records, "wage_record", {"monthly_wage": pl.Int64}))
    unemployment = _latest(_kind(records, "unemployment", {"status": pl.String, "monthly_benefit": pl.Int64}))
    pension = _latest(_kind(records, "pension_payment", {"monthly_amount": pl.Int64}))
    disability = _latest(
        _kind(records, "disability_certification", {"disability_grade": pl.String, "disability_kind": pl.String})
    )
    education = _latest(_kind(records, "education_enrolment", {"school_stage": pl.String, "annual_fee": pl.Int64}))
    medical_since = pl.select(pl.lit(end).dt.offset_by(f"-{MEDICAL_MONTHS}mo")).item()
    claims = _kind(records, "medical_claim", {"out_of_pocket": pl.Int64}).filter(
        (pl.col("event_date") > medical_since) & pl.col("out_of_pocket").is_not_null()
    )
    death = _latest(_kind(records, "death", {}))
    parts = [
        wage.select(
            "person_id",
            pl.col("event_date").alias("__wage_date"),
            pl.col("monthly_wage").alias("__monthly_wage"),
            pl.col("feed_key").alias("__wage"),
        ),
        unemployment.select(
            "person_id",
            pl.col("event_date").alias("__unemployment_date"),
            pl.col("status").alias("__unemployment_status"),
            pl.col("monthly_benefit").alias("__monthly_benefit"),
            pl.col("feed_key").alias("__unemployment"),
        ),
        pension.select(
            "person_id", pl.col("monthly_amount").alias("__pension_amount"), pl.col("feed_key").alias("__pension")
        ),
        disability.select(
            "person_id",
            pl.col("disability_grade").alias("__grade"),
            pl.col("disability_kind").alias("__kind"),
            pl.col("feed_key").alias("__disability"),
        ),
        education.select(
            "person_id",
            pl.col("school_stage").alias("__stage"),
            pl.col("annual_fee").alias("__annual_fee"),
            pl.col("feed_key").alias("__education"),
        ),
        claims.group_by("person_id").agg(
            pl.col("out_of_pocket").sum().alias("__out_of_pocket"), _keys().alias("__medical")
        ),
        death.select("person_id", pl.col("feed_key").alias("__death")),
    ]
    return reduce(lambda a, b: a.join(b, on="person_id", how="full", coalesce=True), parts)


def household_facts(records: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per household with a record about its assets."""
    deposits = _latest(_kind(records, "deposit_balance", {"amount": pl.Int64}))
    provident = _latest(_kind(records, "provident_fund", {"balance": pl.Int64}).filter(pl.col("balance").is_not_null()))
    # Latest balance per person (a newer statement replaces an older one), summed over the household.
    balances = pl.concat(
        [
            deposits.select("household_id", "feed_key", "amount"),
            provident.select("household_id", "feed_key", pl.col("balance").alias("amount")),
        ]
    )
    vehicles = _kind(records, "vehicle_registration", {"value": pl.Int64})
    properties = _kind(records, "property_registration", {"area_m2": pl.Float64, "residential": pl.Boolean})
    business = _latest(_kind(records, "business_registration", {"capital": pl.Int64}))
    home = pl.col("residential").fill_null(True)  # a registration not marked non-residential is a home
    parts = [
        balances.group_by("household_id").agg(pl.col("amount").sum().alias("__assets"), _keys().alias("__assets_keys")),
        vehicles.group_by("household_id").agg(
            pl.len().cast(pl.Int64).alias("__vehicles"),
            _sum("value").alias("__vehicle_value"),
            _keys().alias("__vehicle_keys"),
        ),
        properties.group_by("household_id").agg(
            home.sum().cast(pl.Int64).alias("__homes"),
            _sum(pl.col("area_m2").filter(home)).alias("__home_area"),
            pl.col("feed_key").filter(home).sort().str.join(";").alias("__home_keys"),
            (~home).any().alias("__non_residential"),
            pl.col("feed_key").filter(~home).sort().str.join(";").alias("__non_residential_keys"),
        ),
        business.group_by("household_id").agg(_sum("capital").alias("__capital"), _keys().alias("__capital_keys")),
    ]
    return reduce(lambda a, b: a.join(b, on="household_id", how="full", coalesce=True), parts)
