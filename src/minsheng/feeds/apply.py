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

Two kinds of rule, each justified on its line below:
- *replace*: the record is the authoritative current value (a death, a
  certificate, the latest wage, the school stage);
- *floor*: the record proves at least this much but sees only part of the
  whole (one bank, insured care, registered vehicles), so the observed value
  is the larger of declared and recorded, and a record never lowers a
  declaration. A blank declaration takes the recorded value.

Only the columns the programmes read, plus the few the data contract pairs
with them (employment, school stage, vehicle value), are touched.
Records outside [start, end], or about persons not in the frames, are ignored;
so is `disaster_loss`: a loss is not income or an expense the rules count (its
warning rule raises an alert instead).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import reduce

import polars as pl

CHANGE_SCHEMA = {
    "household_id": pl.String,
    "person_id": pl.String,  # blank for a household field
    "field": pl.String,  # the data contract's name (money: yuan, as in the files)
    "declared": pl.String,
    "observed": pl.String,
    "feed_key": pl.String,  # the evidence: source:record_id, ';'-separated when several
}
MEMBERSHIP = ("member", "household_size")  # the fields a death changes
MEDICAL_MONTHS = 12  # medical_expense is "per 12 months" (registry.columns)
OUT_OF_WORK = ("unemployed", "none")
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
    records = _in_window(feeds, persons, start, end)
    people = persons.join(_person_facts(records, end), on="person_id", how="left")
    people = people.with_columns(_person_rules(persons.schema)).with_columns(
        pl.col("__death").is_not_null().alias("__dead")
    )
    homes = households.join(_household_facts(records), on="household_id", how="left").with_columns(
        _household_rules(households.schema)
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


# ---- the records of the window, per kind


def _in_window(
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


def _person_facts(records: dict[str, pl.DataFrame], end: dt.date) -> pl.DataFrame:
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


def _household_facts(records: dict[str, pl.DataFrame]) -> pl.DataFrame:
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


# ---- the rules: observed value and evidence per field


def _floor(declared: str, recorded: pl.Expr) -> pl.Expr:
    """The larger of declared and recorded; a blank declaration takes the record."""
    return (
        pl.when(recorded.is_not_null()).then(pl.max_horizontal(pl.col(declared), recorded)).otherwise(pl.col(declared))
    )


def _nonblank(keys: str) -> pl.Expr:
    return pl.when(pl.col(keys) != "").then(pl.col(keys))


# Still (or again) out of work: an unemployment record no wage record came after. The same
# day counts as a job loss — the last contribution is often paid in the month the job ends.
_UNEMPLOYED = pl.col("__unemployment_status").is_not_null() & (
    pl.col("__wage_date").is_null() | (pl.col("__unemployment_date") >= pl.col("__wage_date"))
)
# 失业保险金 counts from benefit_start until benefit_end, or a new job (a later wage record).
_BENEFIT = pl.when(_UNEMPLOYED & (pl.col("__unemployment_status") == "benefit_start")).then(
    pl.col("__monthly_benefit").fill_null(0)
)

PERSON_FIELDS: dict[str, tuple[pl.Expr, pl.Expr]] = {
    # wage_record: the latest monthly wage REPLACES the declared one. Contributions are paid on
    # the current wage, the store's column is a monthly figure (so no ×12), and averaging the
    # records over the window would count every month without a delivered record as no pay.
    # A later unemployment record means the wage has stopped.
    "wage_income_fen": (
        pl.when(_UNEMPLOYED)
        .then(pl.lit(0, pl.Int64))
        .when(pl.col("__monthly_wage").is_not_null())
        .then(pl.col("__monthly_wage"))
        .otherwise(pl.col("wage_income_fen")),
        pl.when(_UNEMPLOYED)
        .then(pl.col("__unemployment"))
        .when(pl.col("__monthly_wage").is_not_null())
        .then(pl.col("__wage")),
    ),
    # unemployment: out of work is "unemployed"; a wage record of someone declared without work
    # means they work again. Other declared statuses (student, retired …) are left alone.
    "employment": (
        pl.when(_UNEMPLOYED)
        .then(pl.lit("unemployed"))
        .when(pl.col("__monthly_wage").is_not_null() & pl.col("employment").is_in(OUT_OF_WORK).fill_null(True))
        .then(pl.lit("employed"))
        .otherwise(pl.col("employment")),
        pl.when(_UNEMPLOYED).then(pl.col("__unemployment")).otherwise(pl.col("__wage")),
    ),
    # pension_payment and unemployment benefit: a FLOOR under transfer income. A payment on record
    # proves at least that much; the declaration may hold transfers no department records
    # (alimony, remittances), so a record never lowers it (the latest payment counts, not a sum).
    "transfer_income_fen": (
        _floor(
            "transfer_income_fen",
            pl.when(pl.col("__pension_amount").is_not_null() | _BENEFIT.is_not_null()).then(
                pl.col("__pension_amount").fill_null(0) + _BENEFIT.fill_null(0)
            ),
        ),
        pl.concat_str(
            [pl.col("__pension"), pl.when(_BENEFIT.is_not_null()).then(pl.col("__unemployment"))],
            separator=";",
            ignore_nulls=True,
        ),
    ),
    # disability_certification: the certificate (残疾人证) REPLACES the declared grade; a kind the
    # record leaves blank stays as declared.
    "disability_grade": (pl.coalesce("__grade", "disability_grade"), pl.col("__disability")),
    "disability_kind": (
        pl.when(pl.col("__grade").is_not_null())
        .then(pl.coalesce("__kind", "disability_kind"))
        .otherwise(pl.col("disability_kind")),
        pl.col("__disability"),
    ),
    # education_enrolment: the newest enrolment REPLACES the school stage. Its annual fee is a
    # FLOOR under the education expense: the fee is tuition alone, the expense also books,
    # board and travel, so free compulsory schooling does not wipe out a declared expense.
    "school_stage": (pl.coalesce("__stage", "school_stage"), pl.col("__education")),
    "education_expense_fen": (
        _floor("education_expense_fen", pl.col("__annual_fee")),
        pl.when(pl.col("__annual_fee").is_not_null()).then(pl.col("__education")),
    ),
    # medical_claim: out of pocket summed over the last 12 months, a FLOOR: insurance sees only
    # insured care, not pharmacy purchases or treatment paid in full.
    "medical_expense_fen": (_floor("medical_expense_fen", pl.col("__out_of_pocket")), pl.col("__medical")),
}

HOUSEHOLD_FIELDS: dict[str, tuple[pl.Expr, pl.Expr]] = {
    # deposit_balance, provident_fund: the latest balance per person, summed per household, a
    # FLOOR under financial assets (one bank reports, not all). The provident-fund balance
    # counts, as the issue asks; a place whose rules leave it out would need a parameter.
    "financial_assets_fen": (_floor("financial_assets_fen", pl.col("__assets")), pl.col("__assets_keys")),
    # vehicle_registration: each registration in the window is a vehicle the household owns, a
    # FLOOR (a renewal of a declared vehicle is not a second one; there is no plate to tell).
    "vehicles": (_floor("vehicles", pl.col("__vehicles")), pl.col("__vehicle_keys")),
    "vehicle_value_fen": (_floor("vehicle_value_fen", pl.col("__vehicle_value")), pl.col("__vehicle_keys")),
    # property_registration: homes and their floor area are a FLOOR; one non-residential
    # registration sets the flag (the local exclusion rules, 社会救助暂行办法 第十条).
    "properties": (_floor("properties", pl.col("__homes").replace(0, None)), _nonblank("__home_keys")),
    "housing_area_m2": (_floor("housing_area_m2", pl.col("__home_area")), _nonblank("__home_keys")),
    "non_residential_property": (
        pl.when(pl.col("__non_residential")).then(pl.lit(True)).otherwise(pl.col("non_residential_property")),
        _nonblank("__non_residential_keys"),
    ),
    # business_registration: the latest registered capital per member, summed, a FLOOR.
    "business_capital_fen": (_floor("business_capital_fen", pl.col("__capital")), pl.col("__capital_keys")),
}


def _person_rules(schema: pl.Schema) -> list[pl.Expr]:
    return _rules(PERSON_FIELDS, schema)


def _household_rules(schema: pl.Schema) -> list[pl.Expr]:
    return _rules(HOUSEHOLD_FIELDS, schema)


def _rules(fields: dict[str, tuple[pl.Expr, pl.Expr]], schema: pl.Schema) -> list[pl.Expr]:
    out = []
    for name, (observed, evidence) in fields.items():
        if name in schema:
            out += [observed.cast(schema[name]).alias(f"__obs_{name}"), evidence.alias(f"__ev_{name}")]
    return out


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
