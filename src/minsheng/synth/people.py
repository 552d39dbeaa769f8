"""Personal circumstances (个人情况): disability, capacities, schooling, work, insurance.

Where a national share exists (PF2 §3, §5, §6) the number of persons in a state
is allocated exactly and people are picked with age/sex/area propensities
(`sampling.pick`); the propensities themselves are assumptions, stated inline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from minsheng.synth import targets as T
from minsheng.synth.households import Members
from minsheng.synth.sampling import BoolArray, FloatArray, IntArray, allocate, pick

KINDS = ("visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple")
CAPACITY = ("full", "partial", "none")
STAGES = ("none", "preschool", "primary", "junior", "senior", "vocational", "higher")
JOBS = ("employed", "flexible", "platform", "migrant", "farming", "unemployed", "student", "retired", "none")
INSURANCE = ("employee", "resident", "none")
WORKING = (0, 1, 2, 3, 4)  # employed, flexible, platform, migrant, farming
STUDENT, RETIRED, NONE, UNEMPLOYED = 6, 7, 8, 5


@dataclass(frozen=True, slots=True)
class People:
    """Per-person states as small integer codes into the tuples above."""

    disability_grade: IntArray  # 0 none, 1 most severe … 4
    disability_kind: IntArray  # index into KINDS, −1 for none
    labour: IntArray  # index into CAPACITY
    self_care: IntArray
    school: IntArray  # index into STAGES
    job: IntArray  # index into JOBS
    medical: IntArray  # index into INSURANCE
    medical_years: IntArray
    zero_claim_years: IntArray
    pension: IntArray
    supporter_capable: BoolArray


def describe(m: Members, urban: BoolArray, floating: BoolArray, rng: np.random.Generator) -> People:
    age, male = m.age, m.sex == 1
    grade, kind = _disability(age, urban, rng)
    labour, care = _capacities(age, grade, kind, rng)
    school = _school(age, rng)
    job = _jobs(age, male, urban, floating, grade, labour, school, rng)
    medical, years, zero = _medical(age, job, floating, grade, rng)
    pension = _pension(age, job, rng)
    return People(
        grade, kind, labour, care, school, job, medical, years, zero, pension, _supporters(m, age, grade, rng)
    )


def _disability(age: IntArray, urban: BoolArray, rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    """6.34% disabled (PF2 §3.1), 53.2% of them 60+, risk rising with age and
    higher in rural areas; kinds by the CDPF 2010 shares, 29.6% severe (PF2 §3.2)."""
    n = len(age)
    risk = np.exp(0.035 * age) * np.where(urban, 1.0, T.RURAL_DISABILITY_RISK)
    total = round(T.DISABILITY_RATE.value * n)
    old = age >= 60
    k_old = round(total * T.DISABLED_60_PLUS.value)
    disabled = pick(rng, np.where(old, risk, 0.0), k_old) | pick(rng, np.where(old, 0.0, risk), total - k_old)
    idx = rng.permutation(np.flatnonzero(disabled))
    kind = np.full(n, -1, dtype=np.int64)
    kind[idx] = np.repeat(np.arange(len(KINDS)), allocate(len(idx), [T.KIND_COUNTS_2010[k] for k in KINDS]))
    # Severe grades more likely for multiple, intellectual and mental disability and the oldest (assumption).
    sev_w = np.where(disabled, 1.0 + np.isin(kind, [4, 5, 6]) + (age >= 80), 0.0)
    severe = pick(rng, sev_w, round(T.SEVERE_SHARE.value * len(idx)))
    split = rng.random(n) < T.GRADE_SPLIT_WITHIN  # 40% grade 1 within severe, 40% grade 3 within mild
    grade = np.where(disabled, np.where(severe, np.where(split, 1, 2), np.where(split, 3, 4)), 0)
    return grade.astype(np.int64), kind


def _capacities(age: IntArray, grade: IntArray, kind: IntArray, rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    """Labour capacity and self-care (assumptions): minors and the very old have
    none; severe disability removes it; mild disability and ages 60–74 reduce it."""
    u = rng.random(len(age))
    labour = np.select(
        [age < 16, (grade >= 1) & (grade <= 2), age >= 75, grade == 3, age >= 65, age >= 60, grade == 4],
        [2, 2, 2, np.where(age >= 60, 2, 1), np.where(u < 0.6, 1, 2), np.where(u < 0.6, 0, 1), np.where(u < 0.5, 1, 0)],
        default=np.where(u < 0.02, 1, 0),  # chronic illness among the working-age (assumption)
    )
    v = rng.random(len(age))
    care = np.select(
        [grade == 1, grade == 2, (grade == 3) & np.isin(kind, [4, 5]), age >= 80, age >= 70],
        [
            np.where(v < 0.6, 2, 1),
            np.where(v < 0.15, 2, np.where(v < 0.7, 1, 0)),
            np.where(v < 0.3, 1, 0),
            np.where(v < 0.06, 2, np.where(v < 0.26, 1, 0)),
            np.where(v < 0.02, 2, np.where(v < 0.08, 1, 0)),
        ],
        default=0,
    )
    return labour.astype(np.int64), care.astype(np.int64)


def _school(age: IntArray, rng: np.random.Generator) -> IntArray:
    """Stage by age (assumption: 90% of 3–5 in preschool; 15–17 split senior 55%,
    vocational 35%; 55% of 18–22 and 8% of 23–26 in higher education)."""
    u = rng.random(len(age))
    stage = np.select(
        [age < 3, age <= 5, age <= 11, age <= 14, age <= 17, age <= 22, age <= 26],
        [
            0,
            np.where(u < 0.9, 1, 0),
            2,
            3,
            np.where(u < 0.55, 4, np.where(u < 0.9, 5, 0)),
            np.where(u < 0.55, 6, 0),
            np.where(u < 0.08, 6, 0),
        ],
        default=0,
    )
    return stage.astype(np.int64)


def _band(age: IntArray, edges: list[int], values: list[float]) -> FloatArray:
    """values[i] for edges[i] <= age < edges[i+1]; 0 outside."""
    i = np.searchsorted(np.asarray(edges), age, side="right") - 1
    v = np.r_[values, 0.0]
    return np.where((i >= 0) & (i < len(values)), v[np.clip(i, 0, len(values))], 0.0)


def _jobs(
    age: IntArray,
    male: BoolArray,
    urban: BoolArray,
    floating: BoolArray,
    grade: IntArray,
    labour: IntArray,
    school: IntArray,
    rng: np.random.Generator,
) -> IntArray:
    n = len(age)
    job = np.full(n, NONE, dtype=np.int64)
    job[school >= 2] = STUDENT
    free = job == NONE
    able = np.where(labour == 2, 0.0, np.where(labour == 1, 0.4, 1.0)) * np.where((grade >= 1) & (grade <= 2), 0.0, 1.0)

    def take(code: int, share: float, weight: FloatArray) -> None:
        nonlocal free
        chosen = pick(rng, np.where(free, weight, 0.0), round(share * n))
        job[chosen] = code
        free = free & ~chosen

    # Retired employees (PF2 §6): urban, 60+, women from 50 (statutory ages; weights are assumptions).
    take(
        RETIRED,
        T.EMPLOYMENT_SHARE["retired"].value,
        np.where(urban, 1.0, 0.15)
        * (
            np.where(age >= 60, 10.0, 0.0)
            + np.where(~male & (age >= 50) & (age < 60), 4.0, 0.0)
            + np.where(male & (age >= 55) & (age < 60), 1.5, 0.0)
        ),
    )
    # 外出务工 (PF2 §5): mostly rural, 62.4% men, mean age 43.
    area = np.where(urban, np.where(floating, 2.0, 0.15), 3.0)
    sex_w = np.where(male, T.MIGRANT_MALE_SHARE, 1 - T.MIGRANT_MALE_SHARE) / 0.5
    take(
        3,
        T.EMPLOYMENT_SHARE["migrant"].value,
        _band(age, [16, 21, 41, 51, 60, 65], [0.6, 1.0, 1.0, 0.8, 0.3]) * sex_w * area * able,
    )
    # Platform work (PF2 §5): young adult men, mostly in towns.
    take(
        2,
        T.EMPLOYMENT_SHARE["platform"].value,
        _band(age, [18, 30, 46, 56], [1.0, 1.0, 0.4]) * np.where(male, 4.0, 1.0) * np.where(urban, 2.0, 1.0) * able,
    )
    take(
        1,
        T.EMPLOYMENT_SHARE["flexible"].value,
        _band(age, [18, 20, 60, 70], [0.5, 1.0, 0.3]) * np.where(urban, 1.5, 1.0) * able,
    )
    # Farming (rural) and work in a unit: Bernoulli by age (assumptions).
    u = rng.random(n)
    farm_p = _band(age, [16, 30, 60, 75], [0.35, 0.7, 0.55]) * np.where(labour == 1, 0.6, 1.0)
    farming = free & ~urban & (labour < 2) & (u < farm_p)
    job[farming] = 4
    free &= ~farming
    work_p = _band(age, [16, 20, 60, 65], [0.5, 1.0, 0.2]) * np.where(urban, 0.85, 0.45) * np.where(male, 1.0, 0.85)
    employed = free & (able > 0) & (rng.random(n) < work_p)
    job[employed] = 0
    free &= ~employed
    # Unemployed: the surveyed urban rate, 5.1% of the labour force (PF2 §5), applied to both areas (assumption).
    rate = T.URBAN_UNEMPLOYMENT.value
    for area_mask in (urban, ~urban):
        force = int((np.isin(job, WORKING) & area_mask).sum())
        weight = np.where(free & area_mask & (age >= 16) & (age < 60) & (able > 0), np.where(age < 25, 2.5, 1.0), 0.0)
        chosen = pick(rng, weight, round(rate / (1 - rate) * force))
        job[chosen] = UNEMPLOYED
        free &= ~chosen
    return job


def _medical(
    age: IntArray,
    job: IntArray,
    floating: BoolArray,
    grade: IntArray,
    rng: np.random.Generator,
) -> tuple[IntArray, IntArray, IntArray]:
    """94.2% insured, 28.6% of the insured in employee insurance (PF2 §6)."""
    n = len(age)
    uninsured_w = (
        (np.where((age >= 18) & (age < 46), 1.5, 0.5) + np.where(age < 1, 2.0, 0.0))
        * np.where((job == 3) | floating, 2.0, 1.0)
        * np.where(grade > 0, 0.3, 1.0)
        * np.where((job == 0) | (job == RETIRED), 0.1, 1.0)
    )
    insured = ~pick(rng, uninsured_w, n - round(T.MEDICAL_COVERAGE.value * n))
    emp_w = np.select([job == RETIRED, job == 0, job == 1, job == 2, job == 3], [30.0, 20.0, 3.0, 2.0, 1.5], 0.0)
    employee = pick(rng, np.where(insured, emp_w, 0.0), round(T.EMPLOYEE_OF_INSURED.value * insured.sum()))
    medical = np.where(employee, 0, np.where(insured, 1, 2)).astype(np.int64)
    # Years of continuous cover (assumption): employee up to a career, resident since 2007 at most.
    years = np.where(
        employee,
        np.minimum(np.maximum(age - 18, 1), rng.integers(1, 31, n)),
        np.where(insured, np.minimum(age, rng.integers(1, 19, n)), 0),
    )
    # Years since the last reimbursement (大病保险 incentives, PF §4): claims are yearlier with age.
    p_claim = np.clip(np.select([age < 16, age < 45, age < 60], [0.3, 0.25, 0.4], 0.7) + 0.2 * (grade > 0), 0, 0.95)
    zero = np.minimum(rng.geometric(p_claim) - 1, years)
    return medical, years.astype(np.int64), zero.astype(np.int64)


def _pension(age: IntArray, job: IntArray, rng: np.random.Generator) -> IntArray:
    """76.2% of the population insured for a basic pension, 46.7% of them as employees (PF2 §6)."""
    n = len(age)
    eligible = (age >= 16) & (job != STUDENT)
    w = np.select(
        [job == RETIRED, job == 0, age >= 60, job == 4, job == 1, job == 3, job == 2],
        [50.0, 20.0, 10.0, 5.0, 2.0, 1.5, 1.0],
        2.0,
    )
    insured = pick(rng, np.where(eligible, w, 0.0), round(T.PENSION_COVERAGE.value * n))
    ew = np.select([job == RETIRED, job == 0, job == 1, job == 2, job == 3], [50.0, 30.0, 4.0, 2.0, 2.0], 0.1)
    employee = pick(rng, np.where(insured, ew, 0.0), round(T.PENSION_EMPLOYEE_OF_INSURED.value * insured.sum()))
    return np.where(employee, 0, np.where(insured, 1, 2)).astype(np.int64)


def _supporters(m: Members, age: IntArray, grade: IntArray, rng: np.random.Generator) -> npt.NDArray[np.bool_]:
    """Whether a legal supporter can fulfil the duty (特困 criterion, PF §2.1).
    Assumption: 15% of elderly living without a working-age member have none
    capable, and 30% of severely disabled adults living alone."""
    n_hh = len(m.kind)
    working_age = np.bincount(m.hh, weights=((age >= 18) & (age < 60)).astype(np.float64), minlength=n_hh)
    alone = np.bincount(m.hh, minlength=n_hh)[m.hh] == 1
    u = rng.random(len(age))
    lacking = ((age >= 60) & (working_age[m.hh] == 0) & (u < 0.15)) | (
        alone & (age >= 16) & (grade >= 1) & (grade <= 2) & (u < 0.3)
    )
    return ~lacking
