"""The fields applying feeds sets (比对字段规则): per field, its observed value and evidence.

`PERSON_FIELDS` and `HOUSEHOLD_FIELDS` map each column of the registry's frames to two
expressions over the facts of `feeds.facts`: the observed value (a *replace* or a
*floor* rule, each justified on its line) and the feed keys that support it.
`person_rules` and `household_rules` turn them into the `__obs_*` / `__ev_*` columns
`feeds.apply` compares with the declaration.
"""

from __future__ import annotations

import polars as pl

OUT_OF_WORK = ("unemployed", "none")


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


def person_rules(schema: pl.Schema) -> list[pl.Expr]:
    return _rules(PERSON_FIELDS, schema)


def household_rules(schema: pl.Schema) -> list[pl.Expr]:
    return _rules(HOUSEHOLD_FIELDS, schema)


def _rules(fields: dict[str, tuple[pl.Expr, pl.Expr]], schema: pl.Schema) -> list[pl.Expr]:
    out = []
    for name, (observed, evidence) in fields.items():
        if name in schema:
            out += [observed.cast(schema[name]).alias(f"__obs_{name}"), evidence.alias(f"__ev_{name}")]
    return out
