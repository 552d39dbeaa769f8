"""Events that push households into hardship (致贫事件) and the records that show them.

A death, a new severe disability, a catastrophic illness, a job loss, a
disaster or a child entering higher education. Which departments hold which
data follows PF §3.3 (人社: social-insurance contributions and receipts; 公安:
household registration and deaths) and the 2023 monitoring framework (PF §3.1:
medical insurance, disabled persons' federation, emergency management and
education are among the ten bodies sharing data). Every yearly rate below is
an assumption unless a source is named on its line.
"""

from __future__ import annotations

import numpy as np

from minsheng.synth import people as P
from minsheng.synth import targets as T
from minsheng.synth.feeds_draft import Arrays, Draft, Ledger, Window, money
from minsheng.synth.feeds_roster import DayArray
from minsheng.synth.sampling import FloatArray, IntArray, group_sum

# Yearly probability of dying by age band (assumption, a crude rate near 7‰ for
# the synthetic age structure; no mortality table is in the stored sources).
MORTALITY = ((0, 0.0006), (1, 0.0002), (40, 0.002), (60, 0.01), (70, 0.03), (80, 0.08), (90, 0.2))
# New severe (grade 1–2) disability certifications per person-year (assumption).
SEVERE_ONSET = ((0, 0.001), (60, 0.004), (80, 0.01))
REHAB_YUAN = (2_000.0, 20_000.0)  # yearly rehabilitation cost, the synth's range (assets.draw_expenses)
# Catastrophic illness (大病) per person-year (assumption; the synth draws 1% / 3% <60 / 60+).
MAJOR_ILLNESS = ((0, 0.004), (45, 0.012), (60, 0.03))
ILLNESS_COST_MEDIAN, ILLNESS_COST_SIGMA, ILLNESS_COST_MIN = 60_000.0, 0.6, 20_000.0  # yuan (assumption)
# Share of the cost paid out of pocket by insurance type employee / resident (assumption).
OUT_OF_POCKET = ((0.15, 0.35), (0.25, 0.45))
ILLNESS_STOPS_WORK = 0.5  # share of ill earners who stop working (assumption)
# Job loss per earner-year (assumption), doubled in the poorest fifth (precarious work, assumption).
JOB_LOSS_RATE, PRECARIOUS_FACTOR = 0.025, 2.0
REGISTER_UNINSURED = 0.3  # uninsured job losers who register as unemployed (assumption)
# 失业保险金 lies above the urban dibao standard and below the minimum wage (失业保险条例 Art. 18,
# PF §8); as a multiple of the urban standard (assumption).
BENEFIT_TIMES_STANDARD = (1.1, 2.0)
BENEFIT_WAGE_CAP = 0.9  # and never above 90% of the lost wage (assumption)
BENEFIT_LAG_DAYS = (10, 45)  # from registration to the first payment (assumption)
BENEFIT_MONTHS = (3, 12)  # months of benefit (assumption)
# Disasters per household-year, urban / rural (assumption; the synth gives 0.3% of heads a repair bill).
DISASTER_RATE = (0.003, 0.012)
DISASTER_KINDS = ("flood", "drought", "hail", "typhoon", "earthquake", "fire", "landslide")
DISASTER_WEIGHTS = (0.35, 0.20, 0.10, 0.10, 0.05, 0.15, 0.05)  # assumption
CROP_DISASTERS = (0, 1, 2)  # flood, drought and hail destroy crops
LOSS_MEDIAN, LOSS_SIGMA, LOSS_RANGE = 15_000.0, 1.0, (1_000.0, 500_000.0)  # yuan (assumption)
FARM_LOSS_SHARE = 0.5  # share of a rural household's business (farm) income lost to a crop disaster (assumption)
# Senior / vocational students entering higher education: the synth's 55% of 18–22 in higher
# education over its 90% of 15–17 in senior or vocational school (people._school), derived.
HIGHER_ENTRY = 0.55 / 0.90
HIGHER_FEE = (10_000.0, 12_000.0)  # rural / urban yearly cost, the synth's medians (assets.draw_expenses)


def by_age(age: IntArray, bands: tuple[tuple[int, float], ...]) -> FloatArray:
    """The rate of the last band whose lower age bound is ≤ age."""
    edges = np.array([b[0] for b in bands])
    rates = np.array([b[1] for b in bands])
    result: FloatArray = rates[np.maximum(np.searchsorted(edges, age, side="right") - 1, 0)]
    return result


def _earning(led: Ledger, person: IntArray) -> IntArray:
    """Monthly wage in fen of working-age earners (others: 0)."""
    r = led.r
    wage = r.income_fen[person, 0]
    return np.where(np.isin(r.job[person], P.WORKING) & (r.age[person] < 60), wage, 0)


def deaths(led: Ledger) -> None:
    """The household loses the member and all of the member's income, including the
    household-level transfers the synth books on the head; the last death dissolves it."""
    r = led.r
    who = led.draw(np.ones(r.persons, dtype=bool), by_age(r.age, MORTALITY))
    date = led.dates(who)
    led.w.last_day[who] = date  # nothing about a person is dated after the death
    number = led.add("death", who, date, {"income_fen": -r.income_fen[who].sum(axis=1), "size": -np.ones(len(who))})
    led.record(Draft("death", who, date, {}, number))


def severe_disability(led: Ledger) -> None:
    r, rng = led.r, led.rng
    who = led.draw((r.grade == 0) | (r.grade >= 3), by_age(r.age, SEVERE_ONSET))
    date = led.dates(who)
    grade = np.where(rng.random(len(who)) < T.GRADE_SPLIT_WITHIN, 1, 2)
    shares = np.array([T.KIND_COUNTS_2010[k] for k in P.KINDS], dtype=np.float64)
    drawn = rng.choice(len(P.KINDS), size=len(who), p=shares / shares.sum())
    kind = np.where(r.disability_kind[who] >= 0, r.disability_kind[who], drawn)
    # Severe disability removes labour capacity (as in people._capacities): wages stop.
    deltas: Arrays = {"income_fen": -_earning(led, who), "rigid": rng.uniform(*REHAB_YUAN, len(who))}
    number = led.add("severe_disability", who, date, deltas)
    columns: Arrays = {"disability_grade": grade.astype(np.int64), "disability_kind": np.array(P.KINDS)[kind]}
    led.record(Draft("disability_certification", who, date, columns, number))


def major_illness(led: Ledger) -> None:
    r, rng = led.r, led.rng
    who = led.draw(np.ones(r.persons, dtype=bool), by_age(r.age, MAJOR_ILLNESS))
    date = led.dates(who)
    n = len(who)
    cost = np.maximum(ILLNESS_COST_MEDIAN * np.exp(rng.normal(0, ILLNESS_COST_SIGMA, n)), ILLNESS_COST_MIN)
    ins = r.medical[who]
    share = np.where(ins == 0, rng.uniform(*OUT_OF_POCKET[0], n), rng.uniform(*OUT_OF_POCKET[1], n))
    paid = money(cost * np.where(ins == 2, 1.0, share))  # the uninsured pay everything
    stops = rng.random(n) < ILLNESS_STOPS_WORK
    insured = ins < 2  # only the insured appear in the medical-insurance feed
    number = led.add(
        "major_illness", who, date, {"income_fen": -_earning(led, who) * stops, "rigid": paid}, recorded=insured
    )
    one = np.ones(int(insured.sum()), dtype=np.int8)
    columns: Arrays = {
        "total_cost": money(cost[insured]),
        "out_of_pocket": paid[insured],
        "inpatient": one,
        "major_illness": one,
    }
    led.record(Draft("medical_claim", who[insured], date[insured], columns, number[insured]))


def job_loss(led: Ledger, urban_standard: float) -> None:
    """Registration, benefit start and benefit end (失业登记, 失业保险金). The benefit is
    counted as transfer income (PF §3.3) from the day of the job loss; the short
    wait before the first payment is ignored. Its end is a second event."""
    r, rng, w = led.r, led.rng, led.w
    earner = np.isin(r.job, P.WORKING) & (r.income_fen[:, 0] > 0) & (r.age >= 16) & (r.age < 60)
    rate = JOB_LOSS_RATE * np.where(r.rank[r.hh] < 0.2, PRECARIOUS_FACTOR, 1.0)
    who = led.draw(earner, rate)
    date = led.dates(who)
    n = len(who)
    # Unemployment insurance follows employee social insurance (assumption).
    insured = (r.job[who] == 0) & (r.pension[who] == 0)
    registered = insured | (rng.random(n) < REGISTER_UNINSURED)
    benefit = urban_standard * rng.uniform(*BENEFIT_TIMES_STANDARD, n)
    benefit = np.where(insured, np.rint(np.minimum(benefit, BENEFIT_WAGE_CAP * r.income_fen[who, 0] / 100)), 0.0)
    number = led.add("job_loss", who, date, {"income_fen": -r.income_fen[who, 0] + benefit * 100}, recorded=registered)
    starts = date + rng.integers(*BENEFIT_LAG_DAYS, n, endpoint=True).astype("timedelta64[D]")
    ends = starts + (30 * rng.integers(*BENEFIT_MONTHS, n, endpoint=True)).astype("timedelta64[D]")
    in_window = w.last_day[who]
    paid = insured & (benefit > 0) & (starts <= in_window)
    ended = paid & (ends <= in_window)
    end_number = np.full(n, -1, dtype=np.int64)
    end_number[ended] = led.add(
        "benefit_end", who[ended], ends[ended], {"income_fen": -benefit[ended] * 100}, household_event=True
    )
    parts = (
        (registered, date, "registered", np.full(n, np.nan), number),
        (paid, starts, "benefit_start", benefit, number),
        (ended, ends, "benefit_end", benefit, end_number),
    )
    for mask, when, status, amount, numbers in parts:
        columns: Arrays = {"status": np.full(int(mask.sum()), status), "monthly_benefit": money(amount[mask])}
        led.record(Draft("unemployment", who[mask], when[mask], columns, numbers[mask]))


def disaster(led: Ledger) -> None:
    r, rng = led.r, led.rng
    head = led.draw_households(np.ones(r.households, dtype=bool), np.where(r.urban, *DISASTER_RATE))
    hh = r.hh[head]
    n = len(head)
    date = led.dates(head)
    kind = rng.choice(len(DISASTER_KINDS), size=n, p=np.array(DISASTER_WEIGHTS) / sum(DISASTER_WEIGHTS))
    loss = money(np.clip(LOSS_MEDIAN * np.exp(rng.normal(0, LOSS_SIGMA, n)), *LOSS_RANGE))
    farm_fen = group_sum(r.hh, r.income_fen[:, 1], r.households)[hh]
    crop = ~r.urban[hh] & np.isin(kind, CROP_DISASTERS)
    # Repairs are rigid expenditure (PF §3.2 "等"; the synth's other_rigid_expense).
    deltas: Arrays = {"income_fen": -np.rint(FARM_LOSS_SHARE * farm_fen * crop), "rigid": loss}
    number = led.add("disaster", head, date, deltas, household_event=True)
    columns: Arrays = {"loss_amount": loss, "disaster_kind": np.array(DISASTER_KINDS)[kind]}
    led.record(Draft("disaster_loss", head, date, columns, number))


def september(w: Window, rng: np.random.Generator, person: IntArray) -> DayArray:
    """Enrolment day: 1–15 September of the first September in the window (any day if none)."""
    year = w.start.astype("datetime64[Y]")
    sept = (year.astype("datetime64[M]") + 8).astype("datetime64[D]")
    if sept < w.start:
        sept = ((year + 1).astype("datetime64[M]") + 8).astype("datetime64[D]")
    if sept + 14 >= w.end:
        return w.days(rng, w.first_day[person], w.last_day[person])
    day: DayArray = sept + rng.integers(0, 15, len(person)).astype("timedelta64[D]")
    return day


def higher_education(led: Ledger) -> None:
    r, rng = led.r, led.rng
    pool = (r.age == 17) & np.isin(r.school, (4, 5))  # senior, vocational (people.STAGES)
    # Entry happens once a year, in September: a probability, not a hazard.
    who = led.draw_share(pool, min(1.0, HIGHER_ENTRY * led.w.years))
    date = np.minimum(september(led.w, led.rng, who), led.w.last_day[who])
    fee = money(np.where(r.urban[r.hh[who]], HIGHER_FEE[1], HIGHER_FEE[0]) * np.exp(rng.normal(0, 0.3, len(who))))
    number = led.add("higher_education", who, date, {"rigid": fee - r.education_expense[who]})
    columns: Arrays = {"school_stage": np.full(len(who), "higher"), "annual_fee": fee}
    led.record(Draft("education_enrolment", who, date, columns, number))
