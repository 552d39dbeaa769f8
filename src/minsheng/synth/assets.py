"""True household assets (家庭财产) and members' rigid expenses (刚性支出).

No national distribution of household assets or out-of-pocket spending was
found in the stored sources (PF §1.6 lists what local rules test, not levels),
so every level below is an assumption, correlated with income rank the way
the local property rules presume. Money is in whole yuan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minsheng.synth.households import Members
from minsheng.synth.people import People
from minsheng.synth.sampling import BoolArray, FloatArray, IntArray, rank_within


@dataclass(frozen=True, slots=True)
class Assets:
    financial_assets: FloatArray  # yuan
    properties: IntArray
    housing_area_m2: FloatArray
    non_residential_property: BoolArray
    vehicles: IntArray
    vehicle_value: FloatArray  # yuan, all vehicles together
    business_capital: FloatArray  # yuan


@dataclass(frozen=True, slots=True)
class Expenses:  # yuan per 12 months, per person
    medical: FloatArray
    education: FloatArray
    other_rigid: FloatArray


def draw_assets(
    per_capita_year: FloatArray,
    sizes: IntArray,
    urban: BoolArray,
    head_age: IntArray,
    business_year: FloatArray,
    has_business: BoolArray,
    rng: np.random.Generator,
) -> Assets:
    n = len(sizes)
    rank = rank_within(per_capita_year, urban)
    income = per_capita_year * sizes
    # Financial assets: about twice a year's income on average, more for older heads
    # and richer households; a few (mostly poor) hold none.
    mu = -0.4 + 0.8 * (rank - 0.5) + 0.4 * (head_age >= 50)
    none = rng.random(n) < 0.02 + 0.15 * (rank < 0.1)
    financial = np.where(none, 0.0, np.rint(income * np.exp(rng.normal(mu, 1.1))))

    # Homes owned or rented long-term: rural households have their homestead;
    # second and third homes rise with income (urban more than rural).
    u = rng.random(n)
    p2 = np.where(urban, 0.08 + 0.30 * rank**2, 0.04 + 0.12 * rank)
    p3 = np.where(urban, 0.05 * rank**3, 0.01 * rank)
    properties = np.select([u < 0.03, u < 0.03 + p3, u < 0.03 + p3 + p2], [0, 3, 2], 1).astype(np.int64)
    per_person = np.where(urban, 36.0, 48.0)  # m² per person (assumption)
    area = per_person * sizes**0.8 * np.exp(rng.normal(0, 0.3, n)) * (1 + 0.6 * np.maximum(properties - 1, 0))
    housing = np.where(properties > 0, np.round(area, 2), 0.0)
    non_residential = rng.random(n) < 0.02 + 0.08 * rank**2 + 0.15 * has_business

    # Vehicles (excluding disability mobility vehicles, per the contract).
    v = rng.random(n)
    p_any = np.where(urban, 0.15 + 0.6 * rank, 0.10 + 0.45 * rank)
    vehicles = np.where(v < p_any, np.where(rng.random(n) < 0.15 * rank, 2, 1), 0).astype(np.int64)
    unit = np.where(urban, 80_000.0, 50_000.0) * np.exp(0.6 * (rank - 0.5) + rng.normal(0, 0.5, n))
    vehicle_value = np.rint(vehicles * unit)

    # Registered capital, for half of the households running a non-farm business.
    registered = has_business & (rng.random(n) < 0.5)
    capital = np.where(registered, np.round(business_year * np.exp(rng.normal(0.5, 0.8, n)), -3), 0.0)
    return Assets(financial, properties, housing, non_residential, vehicles, vehicle_value, np.maximum(capital, 0.0))


def draw_expenses(m: Members, p: People, urban: BoolArray, rng: np.random.Generator) -> Expenses:
    """Out-of-pocket medical costs rising with age and disability, with a small
    share of catastrophic illness; education costs by stage; rehabilitation for
    some disabled members and occasional disaster repair (all assumptions)."""
    n = len(m.age)
    age = m.age
    disabled = p.disability_grade > 0
    any_cost = rng.random(n) < np.select([age < 16, age < 45, age < 60], [0.6, 0.55, 0.7], 0.85)
    median = np.select([age < 16, age < 45, age < 60], [300.0, 400.0, 900.0], 2_000.0) * np.where(disabled, 2.0, 1.0)
    medical = np.where(any_cost, median * np.exp(rng.normal(0, 1.0, n)), 0.0)
    catastrophic = rng.random(n) < np.where(age >= 60, 0.03, 0.01)
    medical += np.where(catastrophic, rng.uniform(20_000, 150_000, n), 0.0)

    # Education by stage (index into people.STAGES), urban / rural medians in yuan a year.
    urban_cost = np.array([0, 6_000, 1_500, 2_000, 4_000, 2_500, 12_000], dtype=np.float64)
    rural_cost = np.array([0, 3_000, 800, 1_200, 3_000, 2_000, 10_000], dtype=np.float64)
    education = np.where(urban, urban_cost[p.school], rural_cost[p.school]) * np.exp(rng.normal(0, 0.4, n))

    rehab = disabled & (rng.random(n) < 0.3)
    disaster = (m.role == 0) & (rng.random(n) < 0.003)
    other = np.where(rehab, rng.uniform(2_000, 20_000, n), 0.0) + np.where(disaster, rng.uniform(5_000, 50_000, n), 0.0)
    return Expenses(np.rint(medical), np.rint(education), np.rint(other))
