"""Calibration targets (校准目标) for the synthetic county, each with its source.

Every number the generator aims at lives here, next to the place it was read
from. "PF" is `/work/shared/domain/POLICY-FACTS.md`; "PF2" is its part two
(demographic statistics). A value marked *derived* is arithmetic on sourced
figures; one marked *assumption* has no source and says so.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Target:
    value: float
    source: str


# --- Income, NBS 2024 (yuan per person per year) -------------------------------
NBS_2024 = "PF §10.1 (NBS 2024 full year, release 2025-01-17)"
INCOME_MEAN = {"urban": Target(54_188, NBS_2024), "rural": Target(23_119, NBS_2024)}
INCOME_MEDIAN = {"urban": Target(49_302, NBS_2024), "rural": Target(19_605, NBS_2024)}
# National per-capita disposable income by source; shares of the 41,314 total.
INCOME_BY_SOURCE = {"wage": 23_327.0, "business": 6_908.0, "property": 3_435.0, "transfer": 7_644.0}
INCOME_SOURCE_SHARE = {k: Target(v / 41_314, NBS_2024 + ", share derived") for k, v in INCOME_BY_SOURCE.items()}
# Per-capita disposable income of all residents by province (2-digit GB/T 2260 prefix), 2024.
# Only these three are in the stored sources; every other province is calibrated nationally.
PROVINCE_2024 = "PF §10.2 (NBS 2024 by province, [news] https://wowkorea.jp/news/read/478846.html)"
PROVINCE_INCOME = {
    "11": ("Beijing", Target(85_415, PROVINCE_2024)),
    "31": ("Shanghai", Target(88_366, PROVINCE_2024)),
    "33": ("Zhejiang", Target(67_013, PROVINCE_2024)),
}

# --- Households, 2020 census ------------------------------------------------------
MEAN_SIZE = Target(2.62, "PF2 §1.2 (census 2020, Bulletin No. 2)")
ONE_PERSON_SHARE = Target(0.2539, "PF2 §1.3 (census 2020 yearbook, secondary)")
# Sizes 2..10+ as % of family households, 2010 census table 1-10 (PF2 §1.3): the
# 2020 table was not found, so its shape is tilted to the 2020 mean (see households.py).
SIZE_SHAPE_2010 = {2: 24.37, 3: 26.86, 4: 17.56, 5: 10.03, 6: 4.20, 7: 1.43, 8: 0.56, 9: 0.23, 10: 0.21}
SIZE_SHAPE_SOURCE = "PF2 §1.3 (2010 census shape, exponentially tilted to mean 2.62; derived)"

# --- Age and sex, NBS end-2024 ----------------------------------------------------
NBS_POP_2024 = "PF2 §2 (NBS end-2024)"
AGE_SHARE = {
    "0-15": Target(0.171, NBS_POP_2024 + ", 100 − 60.9 − 22.0"),
    "16-59": Target(0.609, NBS_POP_2024),
    "60+": Target(0.220, NBS_POP_2024),
    "65+": Target(0.156, NBS_POP_2024),
}
# Census 2020: rural 60+ is 7.99 pp above urban (PF2 §1.4). Applied to the 2024
# total with a 67% urban share: urban = 22.0 − 0.33 × 7.99 (derived).
RURAL_URBAN_60_GAP = 0.0799
SEX_RATIO = Target(104.34, NBS_POP_2024)
SEX_RATIO_AT_BIRTH = 111.3  # PF2 §1.5, census 2020: used for children's sex
URBAN_SHARE = Target(0.67, "PF2 §2 (NBS 2024 urbanisation rate 67.00%)")

# --- Living away from the hukou place, census 2020 (PF2 §1.7) ----------------------
FLOATING_SHARE = Target(0.2662, "PF2 §1.7 (census 2020 流动人口 26.62%)")
CROSS_PROVINCE_OF_FLOATING = 124_837_153 / 375_816_759  # PF2 §1.7, derived 33.2%
WITHIN_CITY_SEPARATED = Target(0.0828, "PF2 §1.7 (census 2020 市辖区内人户分离 8.28%)")

# --- Disability (PF2 §3) ------------------------------------------------------------
DISABILITY_RATE = Target(0.0634, "PF2 §3.1 (2nd national disability sample survey 2006)")
DISABLED_60_PLUS = Target(4416 / 8296, "PF2 §3.1 (44.16 of 82.96 million aged 60+; derived)")
SEVERE_SHARE = Target(2518 / 8502, "PF2 §3.2 (CDPF 2010, grades 1+2 = 29.6%; derived)")
KIND_COUNTS_2010 = {  # 万人, PF2 §3.2
    "visual": 1263,
    "hearing": 2054,
    "speech": 130,
    "physical": 2472,
    "intellectual": 568,
    "mental": 629,
    "multiple": 1386,
}
KIND_SHARE = {k: Target(v / 8502, "PF2 §3.2 (CDPF 2010 estimate; derived)") for k, v in KIND_COUNTS_2010.items()}
# Assumption: the grade split inside 重度 (1/2) and 中轻度 (3/4) is not published
# (PF2 "Not found" 3); we take 40:60 inside each.
GRADE_SPLIT_WITHIN = 0.40
RURAL_DISABILITY_RISK = 1.4  # assumption: 75% of disabled were rural in 2006 when ~56% lived rurally (PF2 §3.1)

# --- Employment (PF2 §5), as shares of the whole population, 2024 population -----
POP_2024 = 140_828e4
EMPLOYMENT_SHARE = {
    # 外出农民工 17,871万 (NBS 2024 migrant monitoring report) / population; derived
    "migrant": Target(17_871e4 / POP_2024, "PF2 §5 (外出农民工 2024 / PF2 §2 population; derived)"),
    # New-form workers 8,400万 (ACFTU 2023) / population; derived
    "platform": Target(8_400e4 / POP_2024, "PF2 §5 (新就业形态 8,400万, ACFTU 2023; derived)"),
    # Flexible employment 2亿 (end-2021) less the new-form workers, who are taken as
    # disjoint in the contract's list (assumption) / population; derived
    "flexible": Target((2e8 - 8_400e4) / POP_2024, "PF2 §5 (灵活就业 2亿 − 新就业形态; derived, assumption: disjoint)"),
    # Retired members of employee medical insurance 10,457.50万 / population; derived
    "retired": Target(10_457.5e4 / POP_2024, "PF2 §6 (职工医保 retired 10,457.50万; derived)"),
}
URBAN_UNEMPLOYMENT = Target(0.051, "PF2 §5 (城镇调查失业率 2024 average)")
MIGRANT_MALE_SHARE = 0.624  # PF2 §5, NBS 2024

# --- Insurance, end-2024 (PF2 §6) ---------------------------------------------------
MEDICAL_COVERAGE = Target(132_662.08e4 / POP_2024, "PF2 §6 (NHSA 2024: 132,662万 insured, ≈95%; derived)")
EMPLOYEE_OF_INSURED = Target(37_948.34 / 132_662.08, "PF2 §6 (职工医保 37,948万 of 132,662万; derived)")
PENSION_COVERAGE = Target(107_282e4 / POP_2024, "PF2 §6 (basic pension 107,282万 / population; derived)")
# The 2024 employee/resident split was not found; the end-2021 split is used (assumption).
PENSION_EMPLOYEE_OF_INSURED = Target(48_075 / (48_075 + 54_797), "PF2 §6 (end-2021 split, used for 2024; derived)")

# --- Dibao, end-2024 (PF2 §7, PF §1.4) ---------------------------------------------
DIBAO_STANDARD = {"urban": 798.1, "rural": 593.9}  # yuan / person / month, end-2024 national averages
DIBAO_SOURCE = "PF2 §7 (NBS 十四五 report: end-2024 national averages)"
# Recipients as a share of residents: the county's own standard decides who is poor, and the
# generator places the poorest persons so that these shares hold (synth.incomes).
DIBAO_RECIPIENT_SHARE = {
    "urban": Target(625.0e4 / 94_350e4, "PF2 §7 + §2 (625.0万 urban recipients / urban population; derived)"),
    "rural": Target(3_361.5e4 / 46_478e4, "PF2 §7 + §2 (3,361.5万 rural recipients / rural population; derived)"),
}

# --- Childcare subsidy (PF §6): 3,600 yuan per child per year under age 3 ----------
CHILDCARE_SUBSIDY_MONTHLY = 300.0

# --- Surnames (PF2 §4) ------------------------------------------------------------
TOP5_SURNAME_SHARE = Target(
    0.308, "PF2 §4.1 (MPS 2020: 王李张刘陈 = 30.8%; the generator uses the 2010 shares of §4.3, top 5 = 29.90%)"
)
TOP20_SURNAME_SHARE = Target(0.5225, "PF2 §4.3 (NBS 2010 table: top 20 = 52.25%; derived)")
TOP100_SURNAME_SHARE = Target(0.859, "PF2 §4.2 (MPS 2019: top 100 = 85.9%)")

# --- Assumptions without a national source (stated) --------------------------------
ID_COVERAGE = Target(0.97, "assumption (brief: ~3% without an ID number on file)")
