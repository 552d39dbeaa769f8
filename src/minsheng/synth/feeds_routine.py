"""Ordinary department records (常规比对数据): the noise that monitoring must sift.

Routine claims, contributions, pension payments, deposit balances, school
enrolments, renewals and re-registrations that agree with the household's
true circumstances and change nothing. Each is dated before any event of
its person or household (see `Ledger`), so it describes the state at the
window start. A routine record is drawn at most once per person and kind.

The total is `FeedConfig.routine_records_per_person` × persons × years, split
across kinds by `ROUTINE_SHARE` (assumption: departments deliver a filtered
extract for verification, not every transaction).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from minsheng.synth import people as P
from minsheng.synth.feeds_draft import Arrays, Draft, Ledger, money
from minsheng.synth.feeds_hardship import OUT_OF_POCKET, september
from minsheng.synth.feeds_roster import DayArray
from minsheng.synth.sampling import FloatArray, IntArray, allocate, pick

ROUTINE_SHARE = {  # assumption
    "medical_claim": 0.325,
    "wage_record": 0.20,
    "pension_payment": 0.13,
    "deposit_balance": 0.10,
    "provident_fund": 0.08,
    "education_enrolment": 0.06,
    "vehicle_registration": 0.03,
    "property_registration": 0.02,
    "disability_certification": 0.02,
    "unemployment": 0.02,
    "business_registration": 0.015,
}
CLAIM_WEIGHT_BY_AGE = ((0, 0.6), (16, 0.5), (45, 1.0), (60, 2.0))  # claims rise with age (assumption)
INPATIENT_SHARE = 0.08  # of routine claims (assumption)
OUTPATIENT_COST, INPATIENT_COST = (300.0, 0.9), (8_000.0, 0.6)  # yuan median and log-sd (assumption)
OUTPATIENT_OUT_OF_POCKET = ((0.2, 0.5), (0.4, 0.7))  # employee / resident share (assumption)
# Central minimum basic pension of the resident scheme in 2025: 123 + 20 yuan a month
# (PF §5.2; the 143 is derived there, not stated), plus a small personal-account pension (assumption).
RESIDENT_BASIC_PENSION, PERSONAL_ACCOUNT = 143.0, (0.0, 80.0)
EMPLOYEE_PENSION_SHARE = 0.9  # share of a retiree's true transfer income that is the pension (assumption)
PROVIDENT_RATE = 0.20  # employee + employer contribution as a share of the wage (assumption)
PROVIDENT_MONTHS, PROVIDENT_KEPT = (6, 120), (0.5, 1.0)  # months paid in, share not withdrawn (assumption)
ONE_BANK_SHARE = (0.2, 1.0)  # share of a household's deposits held at the reporting bank (assumption)
SENIOR_SHARE = 0.55 / 0.90  # senior vs vocational, the synth's shares (people._school), derived
SCHOOL_FEE = {"senior": (2_000.0, 0.4), "vocational": (1_000.0, 0.4)}  # yuan a year (assumption)
PRICE_PER_M2 = (5_000.0, 25_000.0)  # rural / urban, as in feeds_exits (assumption)
COMMERCIAL_SHARE = 0.05  # of vehicles already owned (assumption)


def _age_weight(age: IntArray) -> FloatArray:
    edges = np.array([b[0] for b in CLAIM_WEIGHT_BY_AGE])
    weights = np.array([b[1] for b in CLAIM_WEIGHT_BY_AGE])
    result: FloatArray = weights[np.maximum(np.searchsorted(edges, age, side="right") - 1, 0)]
    return result


class _Picker:
    def __init__(self, led: Ledger, rng: np.random.Generator) -> None:
        self.led = led
        self.rng = rng
        r = led.r
        self.hh_until = np.minimum(led.person_until[r.head], led.household_until)

    def persons(self, weight: FloatArray, k: int) -> tuple[IntArray, DayArray]:
        """k persons, by weight, among those with a day before their first event."""
        led = self.led
        ok = led.person_until >= led.w.first_day
        who = np.flatnonzero(pick(self.rng, np.where(ok, weight, 0.0), k))
        return who, led.w.days(self.rng, led.w.first_day[who], led.person_until[who])

    def heads(self, weight: FloatArray, k: int) -> tuple[IntArray, IntArray, DayArray]:
        """k households, by weight; returns (heads, households, dates)."""
        led = self.led
        head = led.r.head
        ok = self.hh_until >= led.w.first_day[head]
        hh = np.flatnonzero(pick(self.rng, np.where(ok, weight, 0.0), k))
        return head[hh], hh, led.w.days(self.rng, led.w.first_day[head[hh]], self.hh_until[hh])


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> FloatArray:
    result: FloatArray = median * np.exp(rng.normal(0, sigma, n))
    return result


def medical_claim(p: _Picker, k: int) -> Draft:
    r, rng = p.led.r, p.rng
    weight = np.where(r.medical < 2, _age_weight(r.age) * np.where(r.grade > 0, 1.5, 1.0), 0.0)
    who, date = p.persons(weight, k)
    n = len(who)
    inpatient = rng.random(n) < INPATIENT_SHARE
    cost = np.where(inpatient, _lognormal(rng, *INPATIENT_COST, n), _lognormal(rng, *OUTPATIENT_COST, n))
    employee = r.medical[who] == 0
    ranges = np.where(inpatient[:, None], np.array(OUT_OF_POCKET)[1], np.array(OUTPATIENT_OUT_OF_POCKET)[1])
    ranges = np.where((employee & inpatient)[:, None], np.array(OUT_OF_POCKET)[0], ranges)
    ranges = np.where((employee & ~inpatient)[:, None], np.array(OUTPATIENT_OUT_OF_POCKET)[0], ranges)
    share = ranges[:, 0] + (ranges[:, 1] - ranges[:, 0]) * rng.random(n)
    columns: Arrays = {
        "total_cost": money(cost),
        "out_of_pocket": money(cost * share),
        "inpatient": inpatient.astype(np.int8),
        "major_illness": np.zeros(n, dtype=np.int8),
    }
    return Draft("medical_claim", who, date, columns)


def _formal(p: _Picker) -> np.ndarray:
    r = p.led.r
    return (r.job == 0) & (r.pension == 0) & (r.income_fen[:, 0] > 0)


def wage_record(p: _Picker, k: int) -> Draft:
    r = p.led.r
    who, date = p.persons(_formal(p).astype(np.float64), k)
    return Draft("wage_record", who, date, {"monthly_wage": money(r.income_fen[who, 0] / 100)})


def provident_fund(p: _Picker, k: int) -> Draft:
    r, rng = p.led.r, p.rng
    who, date = p.persons(_formal(p) * np.where(r.urban[r.hh], 1.0, 0.5), k)
    n = len(who)
    monthly = money(r.income_fen[who, 0] / 100 * PROVIDENT_RATE)
    months = rng.integers(*PROVIDENT_MONTHS, n, endpoint=True)
    balance = money(monthly * months * rng.uniform(*PROVIDENT_KEPT, n))
    return Draft("provident_fund", who, date, {"monthly_contribution": monthly, "balance": balance})


def pension_payment(p: _Picker, k: int) -> Draft:
    r, rng = p.led.r, p.rng
    pool = (r.pension < 2) & ((r.job == P.RETIRED) | (r.age >= 60)) & (r.transfer_yuan > 0)
    who, date = p.persons(pool.astype(np.float64), k)
    transfer = r.transfer_yuan[who]
    resident = RESIDENT_BASIC_PENSION + rng.uniform(*PERSONAL_ACCOUNT, len(who))
    employee = (r.pension[who] == 0) & (r.job[who] == P.RETIRED)
    # Never more than the person's true transfer income, so the record agrees with the truth.
    amount = np.minimum(np.where(employee, EMPLOYEE_PENSION_SHARE * transfer, resident), transfer)
    return Draft("pension_payment", who, date, {"monthly_amount": money(amount)})


def deposit_balance(p: _Picker, k: int) -> Draft:
    r, rng = p.led.r, p.rng
    head, hh, date = p.heads((r.financial > 0).astype(np.float64), k)
    amount = money(r.financial[hh] * rng.uniform(*ONE_BANK_SHARE, len(hh)))
    return Draft("deposit_balance", head, date, {"amount": amount})


def education_enrolment(p: _Picker, k: int) -> Draft:
    """Entry to primary (age 6), junior (12) and senior or vocational school (15) in
    September; compulsory schooling charges no fee. Entry to higher education is an event."""
    r, rng = p.led.r, p.rng
    pool = np.isin(r.age, (5, 11)) | ((r.age == 14) & (r.school == 3))
    who, _ = p.persons(pool.astype(np.float64), k)
    date = np.minimum(september(p.led.w, p.rng, who), p.led.person_until[who])
    n = len(who)
    senior = rng.random(n) < SENIOR_SHARE
    stage = np.where(r.age[who] == 5, "primary", np.where(r.age[who] == 11, "junior", "senior"))
    stage = np.where((stage == "senior") & ~senior, "vocational", stage)
    fee = np.where(stage == "senior", _lognormal(rng, *SCHOOL_FEE["senior"], n), 0.0)
    fee = np.where(stage == "vocational", _lognormal(rng, *SCHOOL_FEE["vocational"], n), fee)
    return Draft("education_enrolment", who, date, {"school_stage": stage, "annual_fee": money(fee)})


def vehicle_registration(p: _Picker, k: int) -> Draft:
    r, rng = p.led.r, p.rng
    head, hh, date = p.heads((r.vehicles > 0).astype(np.float64), k)
    value = money(r.vehicle_value[hh] / np.maximum(r.vehicles[hh], 1))
    commercial = (rng.random(len(hh)) < COMMERCIAL_SHARE).astype(np.int8)
    return Draft("vehicle_registration", head, date, {"value": value, "commercial": commercial})


def property_registration(p: _Picker, k: int) -> Draft:
    """Mortgages, transfers between members and renewals of homes already owned."""
    r, rng = p.led.r, p.rng
    head, hh, date = p.heads((r.properties > 0).astype(np.float64), k)
    area = money(r.housing_area[hh] / np.maximum(r.properties[hh], 1))
    price = np.where(r.urban[hh], PRICE_PER_M2[1], PRICE_PER_M2[0]) * np.exp(rng.normal(0, 0.3, len(hh)))
    columns: Arrays = {
        "area_m2": area,
        "value": money(np.round(area * price, -2)),
        "residential": np.ones(len(hh), np.int8),
    }
    return Draft("property_registration", head, date, columns)


def disability_certification(p: _Picker, k: int) -> Draft:
    r = p.led.r
    who, date = p.persons((r.grade > 0).astype(np.float64), k)
    kind = np.array((*P.KINDS, ""))[r.disability_kind[who]]
    return Draft("disability_certification", who, date, {"disability_grade": r.grade[who], "disability_kind": kind})


def unemployment(p: _Picker, k: int) -> Draft:
    r = p.led.r
    who, date = p.persons((r.job == P.UNEMPLOYED).astype(np.float64), k)
    n = len(who)
    return Draft("unemployment", who, date, {"status": np.full(n, "registered"), "monthly_benefit": np.full(n, np.nan)})


def business_registration(p: _Picker, k: int) -> Draft:
    """Annual reports (年报) of businesses already registered."""
    r = p.led.r
    head, hh, date = p.heads((r.business_capital > 0).astype(np.float64), k)
    return Draft("business_registration", head, date, {"capital": money(r.business_capital[hh])})


STAGES: dict[str, Callable[[_Picker, int], Draft]] = {
    "medical_claim": medical_claim,
    "wage_record": wage_record,
    "pension_payment": pension_payment,
    "deposit_balance": deposit_balance,
    "provident_fund": provident_fund,
    "education_enrolment": education_enrolment,
    "vehicle_registration": vehicle_registration,
    "property_registration": property_registration,
    "disability_certification": disability_certification,
    "unemployment": unemployment,
    "business_registration": business_registration,
}


def draw_all(led: Ledger, total: int, rng: np.random.Generator) -> None:
    counts = allocate(total, list(ROUTINE_SHARE.values())) if total > 0 else np.zeros(len(ROUTINE_SHARE), np.int64)
    picker = _Picker(led, rng)
    for kind, k in zip(ROUTINE_SHARE, counts, strict=True):
        led.record(STAGES[kind](picker, int(k)))
