"""Turn the generator's arrays into the contract's frames and the ground truth.

Column names and order are those of the data contract (DATA-CONTRACT.md,
households and persons); the ground truth has one row per household.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from minsheng.contract import columns
from minsheng.synth import people as P
from minsheng.synth.assets import Assets, Expenses
from minsheng.synth.config import SynthConfig
from minsheng.synth.enrolment import DIBAO, ITEMS, TEKUN, Declared, Enrolment
from minsheng.synth.geography import Geography
from minsheng.synth.households import Members
from minsheng.synth.incomes import SOURCES, Incomes
from minsheng.synth.sampling import IntArray, group_sum

# The data contract's columns, in its order: defined once, in registry.columns.
HOUSEHOLD_COLUMNS = tuple(c.name for c in columns.HOUSEHOLD_COLUMNS)
PERSON_COLUMNS = tuple(c.name for c in columns.PERSON_COLUMNS)
HUKOU_KINDS = ("same_village", "other_township", "other_county_same_province", "other_province")


@dataclass(frozen=True, slots=True)
class Draft:
    """Everything the stages drew, before it becomes frames."""

    cfg: SynthConfig
    sizes: IntArray
    geo: Geography
    members: Members
    people: P.People
    incomes: Incomes
    assets: Assets
    expenses: Expenses
    names: pl.Series
    surname: IntArray
    id_numbers: pl.Series
    phones: pl.Series
    declared: Declared
    enrolment: Enrolment


def _labels(labels: tuple[str, ...], codes: IntArray) -> pl.Series:
    return pl.Series(list(labels), dtype=pl.String).gather(codes)


def _ids(prefix: str, n: int, width: int) -> pl.Expr:
    return pl.concat_str([pl.lit(prefix), pl.int_range(1, n + 1).cast(pl.String).str.zfill(width)])


def _yuan(fen: IntArray) -> pl.Series:
    return pl.Series(fen / 100, dtype=pl.Float64)


def household_frame(d: Draft) -> pl.DataFrame:
    n = len(d.sizes)
    e, a, dec = d.enrolment, d.assets, d.declared
    enrolled = e.programme > 0
    ref = np.datetime64(d.cfg.reference_date, "D")
    frame = pl.DataFrame(
        {
            "residence_division": pl.Series(d.geo.residence).cast(pl.String),
            "hukou_division": pl.Series(d.geo.hukou).cast(pl.String),
            "urban_rural": _labels(("rural", "urban"), d.geo.urban.astype(np.int64)),
            "financial_assets": dec.financial_assets,
            "properties": a.properties,
            "housing_area_m2": a.housing_area_m2,
            "non_residential_property": a.non_residential_property,
            "vehicles": dec.vehicles,
            "vehicle_value": dec.vehicle_value,
            "business_capital": a.business_capital,
            "enrolled": _labels(("", "dibao", "tekun"), e.programme),
            "enrolled_since": pl.Series(ref - e.since.astype("timedelta64[D]")),
            "current_benefit": _yuan(e.benefit_fen),
            "_enrolled": enrolled,
        }
    )
    return frame.with_columns(
        _ids(f"{d.cfg.county}H", n, 7).alias("household_id"),
        pl.when(pl.col("_enrolled")).then(pl.col("enrolled")),
        pl.when(pl.col("_enrolled")).then(pl.col("enrolled_since")),
        pl.when(pl.col("_enrolled")).then(pl.col("current_benefit")),
    ).select(HOUSEHOLD_COLUMNS)


def person_frame(d: Draft, household_ids: pl.Series) -> pl.DataFrame:
    m, p, x, fen = d.members, d.people, d.expenses, d.declared.person_fen
    kind = _labels((*P.KINDS, ""), np.where(p.disability_kind < 0, len(P.KINDS), p.disability_kind))
    frame = pl.DataFrame(
        {
            "household_id": household_ids.gather(m.hh),
            "id_number": d.id_numbers,
            "name": d.names,
            "relation": pl.Series(m.relation).cast(pl.String).str.zfill(2),
            "sex": m.sex,
            "birth_date": pl.Series(m.birth),
            "disability_grade": p.disability_grade,
            "disability_kind": kind,
            "labour_capacity": _labels(P.CAPACITY, p.labour),
            "self_care": _labels(P.CAPACITY, p.self_care),
            "employment": _labels(P.JOBS, p.job),
            "school_stage": _labels(P.STAGES, p.school),
            **{f"{s}_income": _yuan(fen[:, k]) for k, s in enumerate(SOURCES)},
            "disregarded_income": _yuan(d.incomes.disregarded_fen),
            "medical_expense": x.medical,
            "education_expense": x.education,
            "other_rigid_expense": x.other_rigid,
            "medical_insurance": _labels(P.INSURANCE, p.medical),
            "medical_insurance_years": p.medical_years,
            "zero_claim_years": p.zero_claim_years,
            "pension_insurance": _labels(P.INSURANCE, p.pension),
            "supporter_capable": p.supporter_capable,
            "phone": d.phones,
        }
    )
    return frame.with_columns(
        _ids(f"{d.cfg.county}P", len(m.hh), 8).alias("person_id"),
        pl.when(pl.col("disability_kind") != "").then(pl.col("disability_kind")).alias("disability_kind"),
    ).select(PERSON_COLUMNS)


def truth_frame(d: Draft, household_ids: pl.Series) -> pl.DataFrame:
    """One row per household: true circumstances and the truth about enrolment."""
    n = len(d.sizes)
    hh, e, a, dec = d.members.hh, d.enrolment, d.assets, d.declared
    true_fen = d.incomes.person_fen
    by_source = {
        f"true_{s}_income": _yuan(group_sum(hh, true_fen[:, k], n).astype(np.int64)) for k, s in enumerate(SOURCES)
    }
    items = pl.DataFrame({k: (dec.items & (1 << i)) > 0 for i, k in enumerate(ITEMS)})
    item_text = items.select(
        pl.concat_str([pl.when(pl.col(k)).then(pl.lit(k)) for k in ITEMS], separator=";", ignore_nulls=True).alias("x")
    ).to_series()
    towns = d.geo.townships
    eligible = e.true_income_eligible & e.true_asset_eligible
    enrolled_dibao = e.programme == DIBAO
    return pl.DataFrame(
        {
            "household_id": household_ids,
            "size": d.sizes,
            "urban_rural": _labels(("rural", "urban"), d.geo.urban.astype(np.int64)),
            "township_code": _labels(tuple(t.code for t in towns), d.geo.township),
            "township_name": _labels(tuple(t.name for t in towns), d.geo.township),
            "hukou_kind": _labels(HUKOU_KINDS, d.geo.hukou_kind),
            **by_source,
            "true_income_per_capita": _yuan(d.incomes.per_capita_fen),
            "true_income_per_capita_year": _yuan(d.incomes.per_capita_fen * 12),
            "true_financial_assets": a.financial_assets,
            "true_properties": a.properties,
            "true_housing_area_m2": a.housing_area_m2,
            "true_non_residential_property": a.non_residential_property,
            "true_vehicles": a.vehicles,
            "true_vehicle_value": a.vehicle_value,
            "true_business_capital": a.business_capital,
            "under_declared": dec.items > 0,
            "under_declared_items": item_text,
            "wage_under_declared_share": np.round(dec.wage_cut, 4),
            "dibao_standard": _yuan(e.standard_fen),
            "true_income_eligible": e.true_income_eligible,
            "true_asset_eligible": e.true_asset_eligible,
            "true_dibao_eligible": eligible,
            "true_tekun_eligible": e.true_tekun_eligible,
            "enrolled_programme": _labels(("none", "dibao", "tekun"), e.programme),
            "leaked": e.leaked,
            "enrolled_ineligible": (enrolled_dibao & ~eligible) | ((e.programme == TEKUN) & ~e.true_tekun_eligible),
            "eligible_not_enrolled": (eligible | e.true_tekun_eligible) & (e.programme == 0),
        }
    )
