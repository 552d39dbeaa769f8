"""The registry as the feed generator sees it (名册): per-person and per-household
arrays of the synthetic county's TRUE circumstances, in whole fen / yuan.

`Population.persons` carries declared values; the only declared item that
differs from the truth at person level is the wage (see `synth.enrolment`:
wages are under-declared by a household-wide share). A person's true wage is
therefore the household's true wage split in proportion to declared wages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from minsheng.synth import people as P
from minsheng.synth.incomes import SOURCES
from minsheng.synth.policy import LocalPolicy
from minsheng.synth.sampling import BoolArray, FloatArray, IntArray, group_sum, rank_within

DayArray = npt.NDArray[np.datetime64]
ENVELOPE_PERSON = ("id_number", "name", "birth_date", "sex", "residence_division")


@dataclass(frozen=True, slots=True)
class Roster:
    # --- persons, in registry order ---
    hh: IntArray  # household index
    person_id: pl.Series
    birth: DayArray
    age: IntArray  # completed years at the window start
    job: IntArray  # index into people.JOBS
    school: IntArray  # index into people.STAGES
    grade: IntArray  # disability grade, 0 none
    disability_kind: IntArray  # index into people.KINDS, −1 none
    labour: IntArray  # index into people.CAPACITY
    medical: IntArray  # index into people.INSURANCE
    pension: IntArray  # index into people.INSURANCE
    income_fen: IntArray  # (persons, 4) true fen / month by incomes.SOURCES
    transfer_yuan: FloatArray  # true transfer income, yuan / month
    education_expense: FloatArray  # yuan / 12 months
    envelope: pl.DataFrame  # id_number, name, birth_date, sex, residence_division
    # --- households, in ground-truth order ---
    household_id: pl.Series
    head: IntArray  # person index of the head (relation 02, else the first member)
    size: IntArray
    urban: BoolArray
    standard_fen: IntArray  # dibao standard per person per month in force on the window's first day
    total_fen: IntArray  # true monthly income, all counted sources
    vehicles: IntArray
    vehicle_value: FloatArray
    non_residential: BoolArray
    properties: IntArray
    housing_area: FloatArray
    financial: FloatArray
    business_capital: FloatArray
    rigid: FloatArray  # members' medical + education + other rigid expenses, yuan / 12 months
    rank: FloatArray  # percentile of true per-capita income within urban / rural

    @property
    def persons(self) -> int:
        return len(self.hh)

    @property
    def households(self) -> int:
        return len(self.size)


def _codes(col: pl.Series, labels: tuple[str, ...]) -> IntArray:
    mapped = col.replace_strict(list(labels), list(range(len(labels))), default=-1, return_dtype=pl.Int64)
    return mapped.to_numpy().astype(np.int64)


def _fen(col: pl.Series) -> IntArray:
    return np.rint(col.fill_null(0).to_numpy() * 100).astype(np.int64)


def _age(birth: DayArray, start: dt.date) -> IntArray:
    y = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    m = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    before = (m > start.month) | ((m == start.month) & (d > start.day))
    return (start.year - y - before).astype(np.int64)


def build(
    households: pl.DataFrame, persons: pl.DataFrame, truth: pl.DataFrame, start: dt.date, policy: LocalPolicy
) -> Roster:
    n_hh = truth.height
    index = truth.select("household_id").with_row_index("_hh", 0)
    hh_frame = index.join(households.select("household_id", "residence_division"), on="household_id", how="left")
    per = persons.join(index, on="household_id", how="left", maintain_order="left")
    hh = per.get_column("_hh").cast(pl.Int64).to_numpy()
    n = len(hh)

    declared = np.column_stack([_fen(per.get_column(f"{s}_income")) for s in SOURCES])
    true_hh = np.column_stack([_fen(truth.get_column(f"true_{s}_income")) for s in SOURCES])
    # Only wages are under-declared; other sources are declared as they are.
    decl_wage_hh = group_sum(hh, declared[:, 0], n_hh)
    ratio = np.divide(true_hh[:, 0], decl_wage_hh, out=np.zeros(n_hh), where=decl_wage_hh > 0)
    income = declared.copy()
    income[:, 0] = np.rint(declared[:, 0] * ratio[hh]).astype(np.int64)

    first = np.full(n_hh, n, dtype=np.int64)
    np.minimum.at(first, hh, np.arange(n))
    head = first.copy()
    is_head = (per.get_column("relation") == "02").to_numpy()
    head[hh[is_head]] = np.flatnonzero(is_head)

    birth = per.get_column("birth_date").to_numpy().astype("datetime64[D]")
    residence = pl.Series(hh_frame.get_column("residence_division")).gather(hh)
    envelope = per.select("id_number", "name", "birth_date", "sex").with_columns(residence.alias("residence_division"))
    expenses = (
        per.get_column("medical_expense").fill_null(0).to_numpy()
        + per.get_column("education_expense").fill_null(0).to_numpy()
        + per.get_column("other_rigid_expense").fill_null(0).to_numpy()
    )
    urban = (truth.get_column("urban_rural") == "urban").to_numpy()
    per_capita = truth.get_column("true_income_per_capita").to_numpy()

    def col(name: str) -> npt.NDArray[np.generic]:
        return truth.get_column(name).fill_null(0).to_numpy()

    return Roster(
        hh=hh,
        person_id=per.get_column("person_id"),
        birth=birth,
        age=_age(birth, start),
        job=_codes(per.get_column("employment"), P.JOBS),
        school=_codes(per.get_column("school_stage"), P.STAGES),
        grade=per.get_column("disability_grade").fill_null(0).to_numpy().astype(np.int64),
        disability_kind=_codes(per.get_column("disability_kind"), P.KINDS),
        labour=_codes(per.get_column("labour_capacity"), P.CAPACITY),
        medical=_codes(per.get_column("medical_insurance"), P.INSURANCE),
        pension=_codes(per.get_column("pension_insurance"), P.INSURANCE),
        income_fen=income,
        transfer_yuan=income[:, 3] / 100,
        education_expense=per.get_column("education_expense").fill_null(0).to_numpy().astype(np.float64),
        envelope=envelope.select(ENVELOPE_PERSON),
        household_id=truth.get_column("household_id"),
        head=head,
        size=col("size").astype(np.int64),
        urban=urban,
        standard_fen=policy.standard(urban, start),
        total_fen=true_hh.sum(axis=1),
        vehicles=col("true_vehicles").astype(np.int64),
        vehicle_value=col("true_vehicle_value").astype(np.float64),
        non_residential=col("true_non_residential_property").astype(bool),
        properties=col("true_properties").astype(np.int64),
        housing_area=col("true_housing_area_m2").astype(np.float64),
        financial=col("true_financial_assets").astype(np.float64),
        business_capital=col("true_business_capital").astype(np.float64),
        rigid=group_sum(hh, expenses, n_hh),
        rank=rank_within(per_capita, urban),
    )
