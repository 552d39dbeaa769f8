"""Events that lift households out of hardship (脱困信号) and the records that show them.

A new job or a pay rise (wage records from social-insurance contributions,
人社, PF §3.3), a new business (工商 registration, PF §3.3), a vehicle (公安,
PF §3.3) or a property (住房/房管, PF §3.3). Under the synth's eligibility
logic a vehicle or a non-residential property excludes a household outright
(the local exclusion rules quoted in PF §1.6); a residential purchase or a
deposit does not. Every rate below is an assumption.
"""

from __future__ import annotations

import numpy as np

from minsheng.synth import people as P
from minsheng.synth.feeds_draft import Arrays, Draft, Ledger, money
from minsheng.synth.sampling import FloatArray

# New jobs per person-year: the unemployed, and working-age adults out of work (assumption).
NEW_JOB_RATE = {"unemployed": 0.35, "none": 0.03}
NEW_JOB_WAGE_FACTOR = 0.8  # a re-entry wage is 80% of a wage drawn from the county's employees (assumption)
NEW_JOB_FORMAL = 0.6  # share of new jobs with social-insurance contributions, hence a wage record (assumption)
FALLBACK_WAGE_TIMES_STANDARD = 3.0  # new wage when the county has no employee to draw from (assumption)
PAY_RISE_RATE, PAY_RISE = 0.03, (0.2, 0.8)  # per earner-year, and the rise as a share (assumption)
BUSINESS_RATE = 0.004  # new registered businesses per able adult-year (assumption)
CAPITAL_MEDIAN, CAPITAL_SIGMA, CAPITAL_MIN = 50_000.0, 0.9, 10_000.0  # registered capital, yuan (assumption)
BUSINESS_RETURN = 0.25  # yearly net business income as a share of capital (assumption)
# Purchases per household-year at the income median; the rate rises with the income rank as
# 0.2 + 1.6 × rank (assumption: richer households buy more often, but some poor ones buy too).
VEHICLE_RATE, RESIDENTIAL_RATE, NON_RESIDENTIAL_RATE = 0.03, 0.012, 0.002
VEHICLE_VALUE = (50_000.0, 80_000.0)  # rural / urban median, the synth's unit values (assets.draw_assets)
COMMERCIAL_SHARE = 0.1  # vehicles registered for commercial use (营运) (assumption)
AREA = {"residential": (90.0, 0.3), "non_residential": (50.0, 0.5)}  # m² median and log-sd (assumption)
PRICE_PER_M2 = (5_000.0, 25_000.0)  # rural / urban yuan per m² (assumption)
PAID_FROM_SAVINGS = {"vehicle": 0.5, "property": 0.3}  # share of the price taken from deposits (assumption)


def _wage_pool(led: Ledger) -> FloatArray:
    r = led.r
    wages: FloatArray = r.income_fen[(r.job == 0) & (r.income_fen[:, 0] > 0), 0].astype(np.float64)
    return wages


def new_job(led: Ledger) -> None:
    r, rng = led.r, led.rng
    idle = (r.job == P.NONE) & (r.age >= 18) & (r.age < 60) & (r.labour == 0)
    rate = np.where(r.job == P.UNEMPLOYED, NEW_JOB_RATE["unemployed"], np.where(idle, NEW_JOB_RATE["none"], 0.0))
    who = led.draw(r.income_fen[:, 0] == 0, rate)
    n = len(who)
    date = led.dates(who)
    pool = _wage_pool(led)
    if len(pool):
        wage_fen = np.rint(pool[rng.integers(0, len(pool), n)] * NEW_JOB_WAGE_FACTOR)
    else:
        wage_fen = np.rint(r.standard_fen[r.hh[who]] * FALLBACK_WAGE_TIMES_STANDARD)
    formal = rng.random(n) < NEW_JOB_FORMAL
    number = led.add("new_job", who, date, {"income_fen": wage_fen}, recorded=formal)
    columns: Arrays = {"monthly_wage": money(wage_fen[formal] / 100)}
    led.record(Draft("wage_record", who[formal], date[formal], columns, number[formal]))


def pay_rise(led: Ledger) -> None:
    r, rng = led.r, led.rng
    earner = np.isin(r.job, P.WORKING) & (r.income_fen[:, 0] > 0) & (r.age < 60)
    who = led.draw(earner, PAY_RISE_RATE)
    date = led.dates(who)
    old = r.income_fen[who, 0]
    rise = np.rint(old * rng.uniform(*PAY_RISE, len(who)))
    # Only employees with employee social insurance have contributions on record.
    formal = (r.job[who] == 0) & (r.pension[who] == 0)
    number = led.add("pay_rise", who, date, {"income_fen": rise}, recorded=formal)
    columns: Arrays = {"monthly_wage": money((old + rise)[formal] / 100)}
    led.record(Draft("wage_record", who[formal], date[formal], columns, number[formal]))


def business_start(led: Ledger) -> None:
    r, rng = led.r, led.rng
    able = (r.age >= 20) & (r.age < 60) & (r.labour == 0) & (r.business_capital[r.hh] == 0)
    who = led.draw(able, BUSINESS_RATE)
    date = led.dates(who)
    capital = np.maximum(np.round(CAPITAL_MEDIAN * np.exp(rng.normal(0, CAPITAL_SIGMA, len(who))), -3), CAPITAL_MIN)
    income_fen = np.rint(capital * BUSINESS_RETURN / 12 * 100)
    number = led.add("business_start", who, date, {"income_fen": income_fen, "business_capital": capital})
    led.record(Draft("business_registration", who, date, {"capital": money(capital)}, number))


def _propensity(led: Ledger, rate: float) -> FloatArray:
    result: FloatArray = rate * (0.2 + 1.6 * led.r.rank)
    return result


def vehicle_purchase(led: Ledger) -> None:
    r, rng = led.r, led.rng
    head = led.draw_households(r.vehicles == 0, _propensity(led, VEHICLE_RATE))
    hh = r.hh[head]
    n = len(head)
    date = led.dates(head)
    value = np.round(np.where(r.urban[hh], *VEHICLE_VALUE[::-1]) * np.exp(rng.normal(0, 0.5, n)), -2)
    savings = -np.minimum(PAID_FROM_SAVINGS["vehicle"] * value, r.financial[hh])
    deltas: Arrays = {"vehicles": np.ones(n), "vehicle_value": value, "financial": savings}
    number = led.add("vehicle_purchase", head, date, deltas, household_event=True)
    commercial = (rng.random(n) < COMMERCIAL_SHARE).astype(np.int8)
    led.record(Draft("vehicle_registration", head, date, {"value": money(value), "commercial": commercial}, number))


def property_purchase(led: Ledger) -> None:
    """At most one purchase per household: residential, or else non-residential."""
    r, rng = led.r, led.rng
    bought = np.zeros(r.households, dtype=bool)
    for kind, rate in (("residential", RESIDENTIAL_RATE), ("non_residential", NON_RESIDENTIAL_RATE)):
        pool = ~bought if kind == "residential" else ~bought & ~r.non_residential
        head = led.draw_households(pool, _propensity(led, rate))
        hh = r.hh[head]
        bought[hh] = True
        n = len(head)
        date = led.dates(head)
        median, sigma = AREA[kind]
        area = money(median * np.exp(rng.normal(0, sigma, n)))
        price = np.where(r.urban[hh], *PRICE_PER_M2[::-1]) * np.exp(rng.normal(0, 0.3, n))
        value = np.round(area * price, -2)
        home = kind == "residential"
        deltas: Arrays = {
            "financial": -np.minimum(PAID_FROM_SAVINGS["property"] * value, r.financial[hh]),
            "properties": np.full(n, int(home)),
            "housing_area": area if home else np.zeros(n),
            "non_residential": np.full(n, not home),
        }
        event = "property_purchase" if home else "non_residential_purchase"
        number = led.add(event, head, date, deltas, household_event=True)
        columns: Arrays = {"area_m2": area, "value": money(value), "residential": np.full(n, int(home), dtype=np.int8)}
        led.record(Draft("property_registration", head, date, columns, number))
