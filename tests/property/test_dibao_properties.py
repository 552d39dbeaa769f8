"""Properties of dibao and tekun over random households, each batch evaluated in one vectorised
call, checked against invariants and against a plain per-household reference written here
from the rule text.

Reference rules (POLICY-FACTS §1–2; the shipped files with the demo county's local values,
demo/local_parameters.yaml, laid over them for the county 110105 and its province 11):
- 社会救助暂行办法 第九条: eligible when counted income per capita is below the local standard and
  the household meets the local property rules (第十条: set by the province or city — financial
  assets per capita ≤ multiple × annual standard; more homes than allowed unless floor area per
  capita is below the exemption; vehicles; business capital; non-residential property).
- 第十三条: the gap (standard − income per capita) for every member; a local floor (a share of the
  standard per member); classified top-ups per member (elderly, severely disabled, minor) as a
  share of the standard. Tiers (民发〔2021〕57号 第二十三条) are off in the baseline.
- 特困人员认定办法: no labour capacity (60+, under 18 unless 16+ and living mainly on own labour
  income, or the listed disabilities), no source of living (own income below the standard and
  property within the rules), no capable legal supporter; paid the basic living standard
  (ratio × dibao standard) plus the care standard (ratio × minimum wage by self-care ability).
- 特困 and 低保 in one household (dibao.tekun_members_excluded, a local choice, true in the
  baseline; 特困人员认定办法 第二十七条): a tekun member leaves the dibao household — its size, income,
  top-ups and payment; a household left with no member gets no dibao.
A blank input is unknown: conditions combine in three-valued logic (false wins, then unknown).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minsheng.demo.local_params import demo_parameters
from minsheng.programmes.registry import model
from minsheng.rules.evaluate import evaluate

# The demo county's values laid over the shipped files for itself and, once more, for its province:
# the county reads its own (county level), its sibling the province's (the walk county → province).
PARAMS = demo_parameters("11", demo_parameters())
REGIONS = ("110105001001", "110101001")  # the demo county (its own values) and a sibling (the province's)
# Dates in 2025 around the changes of 2025-07-01 (standards, minimum wage), and ordinary days.
DATES = tuple(dt.date(2025, m, d) for m, d in ((1, 1), (2, 28), (4, 15), (6, 30), (7, 1), (9, 17), (12, 31)))
KINDS = ("visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple")
# Each example is a batch of up to six households evaluated in one call; about 25–40 ms each.
PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- random households


@dataclass(frozen=True)
class Person:
    birth_date: dt.date | None
    wage: int | None
    business: int | None
    property: int | None
    transfer: int | None
    grade: str | None
    kind: str | None
    self_care: str | None
    supporter_capable: bool | None


@dataclass(frozen=True)
class Household:
    region: str
    urban_rural: str
    date: dt.date
    financial_assets: int | None
    properties: int | None
    area_tenths: int | None  # floor area in tenths of m², so comparisons are exact
    non_residential: bool | None
    vehicles: int | None
    business_capital: int | None
    persons: tuple[Person, ...]


def fen(high: int) -> st.SearchStrategy[int]:
    return st.one_of(st.just(0), st.integers(0, high))


# Strategies are built once (a strategy built inside a draw is validated again on every draw).
YEARS = st.one_of(st.sampled_from([15, 16, 17, 18, 59, 60, 61]), st.integers(0, 100))  # around the thresholds
OFFSET = st.one_of(st.sampled_from([-1, 0, 1]), st.integers(-364, 364))  # birthday just before, on, after
GRADE = st.one_of(st.none(), st.sampled_from(["0", "1", "2", "3", "4"]))  # blank: no certificate on record
KIND = st.one_of(st.none(), st.sampled_from(KINDS))
PERSON = {
    "wage": fen(400_000),
    "business": fen(50_000),
    "property": fen(30_000),
    "transfer": fen(100_000),
    "self_care": st.sampled_from(["full", "partial", "none"]),
    "supporter_capable": st.booleans(),
}
# Two households in three keep within the demo property rules, so that eligibility is common;
# the others draw each asset freely, over and under the limits.
MODEST = {
    "financial_assets": st.integers(0, 3_000_000),
    "properties": st.sampled_from([0, 1]),
    "area_tenths": st.integers(0, 3000),
    "non_residential": st.just(False),
    "vehicles": st.just(0),
    "business_capital": st.integers(0, 10_000_000),
}
ANY = {
    "financial_assets": st.one_of(st.just(0), st.integers(0, 30_000_000)),
    "properties": st.integers(0, 3),
    "area_tenths": st.integers(0, 3000),
    "non_residential": st.booleans(),
    "vehicles": st.integers(0, 2),
    "business_capital": st.integers(0, 20_000_000),
}
HOMES = st.sampled_from([MODEST, MODEST, ANY])
# A third of households have one to three blank cells (unknown, not zero), anywhere.
BLANKS = st.sampled_from([0, 0, 0, 0, 0, 0, 1, 2, 3])
PERSON_FIELDS = ("birth_date", "wage", "business", "property", "transfer", "self_care", "supporter_capable")
HOUSEHOLD_FIELDS = tuple(MODEST)
DATE, REGION, AREA_KIND, SIZE = (
    st.sampled_from(DATES),
    st.sampled_from(REGIONS),
    st.sampled_from(["urban", "rural"]),
    st.integers(1, 6),
)
EDGE = st.sampled_from([None, None, "income", "near", "marginal", "assets", "own income"])
NUDGE, PERCENT = st.sampled_from([-1, 0, 1]), st.integers(0, 30)


@st.composite
def person(draw: st.DrawFn, on: dt.date) -> Person:
    birth = min(on.replace(year=on.year - draw(YEARS)) + dt.timedelta(days=draw(OFFSET)), on)
    values = {k: draw(v) for k, v in PERSON.items()}
    return Person(birth_date=birth, grade=draw(GRADE), kind=draw(KIND), **values)


@st.composite
def household(draw: st.DrawFn, blank: bool = True) -> Household:
    on = draw(DATE)
    values = {k: draw(v) for k, v in draw(HOMES).items()}
    persons = [draw(person(on)) for _ in range(draw(SIZE))]
    region, urban_rural = draw(REGION), draw(AREA_KIND)
    # Land on the rule's edges: income per capita exactly at the standard (or a fen off), financial
    # assets exactly at the limit, a member's own income exactly at the standard (tekun).
    std = Law(region, on, urban_rural).fen("dibao.standard")
    edge = draw(EDGE)
    if (
        edge in ("income", "near", "marginal")
        and std is not None
        and all(counted_income(p) is not None for p in persons)
    ):
        # "near": income per capita 0–30 % under the standard, where the 20 % floor may bind;
        # "marginal": 0–49 % above it, with a severely disabled member (单人保)
        below = {
            "income": draw(NUDGE),
            "near": -(std * len(persons) * draw(PERCENT) // 100),
            "marginal": std * len(persons) * draw(PERCENT) * 49 // 3000,
        }[edge]
        if edge == "marginal":
            persons[0] = replace(persons[0], grade="1")
        others = sum(counted_income(p) for p in persons[1:])  # type: ignore[misc]
        own = std * len(persons) + below - others - counted_income(persons[0]) + (persons[0].wage or 0)
        if own >= 0 and persons[0].wage is not None:
            persons[0] = replace(persons[0], wage=own)
    elif edge == "assets" and std is not None:
        values["financial_assets"] = 2 * std * 12 * len(persons) + draw(NUDGE)
    elif edge == "own income" and std is not None and persons[0].wage is not None:
        persons[0] = replace(
            persons[0], wage=max(0, std + draw(NUDGE) - (counted_income(persons[0]) or 0) + persons[0].wage)
        )
    for _ in range(draw(BLANKS) if blank else 0):
        who = draw(st.integers(-1, len(persons) - 1))  # -1: the household itself
        if who < 0:
            values[draw(st.sampled_from(HOUSEHOLD_FIELDS))] = None
        else:
            persons[who] = replace(persons[who], **{draw(st.sampled_from(PERSON_FIELDS)): None})
    return Household(region=region, urban_rural=urban_rural, date=on, persons=tuple(persons), **values)


def batches(blank: bool = True) -> st.SearchStrategy[list[Household]]:
    return st.lists(household(blank), min_size=1, max_size=6)


def frames(batch: list[Household], raise_wage: dict[int, tuple[int, int]] | None = None) -> tuple[pl.DataFrame, ...]:
    """All households of a batch as one household frame and one person frame (store names, fen)."""
    hh_rows, p_rows = [], []
    for i, h in enumerate(batch):
        hid = f"H{i:03d}"
        hh_rows.append(
            {
                "household_id": hid,
                "residence_division": h.region,
                "urban_rural": h.urban_rural,
                "assessment_date": h.date,
                "financial_assets_fen": h.financial_assets,
                "properties": h.properties,
                "housing_area_m2": None if h.area_tenths is None else h.area_tenths / 10,
                "non_residential_property": h.non_residential,
                "vehicles": h.vehicles,
                "business_capital_fen": h.business_capital,
            }
        )
        for j, p in enumerate(h.persons):
            wage = p.wage
            if raise_wage and i in raise_wage and raise_wage[i][0] % len(h.persons) == j and wage is not None:
                wage += raise_wage[i][1]
            p_rows.append(
                {
                    "person_id": f"{hid}-{j}",
                    "household_id": hid,
                    "birth_date": p.birth_date,
                    "disability_grade": p.grade,
                    "disability_kind": p.kind,
                    "self_care": p.self_care,
                    "supporter_capable": p.supporter_capable,
                    "wage_income_fen": wage,
                    "business_income_fen": p.business,
                    "property_income_fen": p.property,
                    "transfer_income_fen": p.transfer,
                }
            )
    hh = pl.DataFrame(
        hh_rows,
        schema={
            "household_id": pl.String,
            "residence_division": pl.String,
            "urban_rural": pl.String,
            "assessment_date": pl.Date,
            "financial_assets_fen": pl.Int64,
            "properties": pl.Int32,
            "housing_area_m2": pl.Float64,
            "non_residential_property": pl.Boolean,
            "vehicles": pl.Int32,
            "business_capital_fen": pl.Int64,
        },
    )
    pp = pl.DataFrame(
        p_rows,
        schema={
            "person_id": pl.String,
            "household_id": pl.String,
            "birth_date": pl.Date,
            "disability_grade": pl.String,
            "disability_kind": pl.String,
            "self_care": pl.String,
            "supporter_capable": pl.Boolean,
            "wage_income_fen": pl.Int64,
            "business_income_fen": pl.Int64,
            "property_income_fen": pl.Int64,
            "transfer_income_fen": pl.Int64,
        },
    )
    return hh, pp


OUTPUTS = ["dibao_eligible", "dibao_benefit_fen", "tekun_eligible", "tekun_benefit_fen", "dibao_single_benefit_fen"]


def run(batch: list[Household], outputs: list[str] = OUTPUTS, **raise_wage: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    hh, pp = frames(batch, **raise_wage)
    result = evaluate(model(), PARAMS, hh, pp, outputs=outputs)
    return result.households.sort("household_id"), result.persons.sort("person_id")


# ---------------------------------------------------------------- (a) no benefit is negative


@PROPERTY
@given(batches())
def test_no_benefit_is_negative(batch: list[Household]) -> None:
    hh, pp = run(batch)
    for frame, column in ((hh, "dibao_benefit_fen"), (pp, "tekun_benefit_fen"), (pp, "dibao_single_benefit_fen")):
        values = frame.get_column(column).drop_nulls()
        assert (values >= 0).all(), f"{column}: {values.min()}"


# ---------------------------------------------------------------- (b) more income never raises dibao


RAISE = st.one_of(st.integers(1, 1_000), st.integers(1_000, 600_000))  # a fen to 6,000 yuan a month


def assistance(hh: pl.DataFrame, pp: pl.DataFrame) -> list[int | None]:
    """Each household's whole monthly assistance: dibao, plus its members' tekun support and
    单人保. Dibao alone may rise with income: a 16- or 17-year-old whose first fen of wage makes
    them live on their own labour is no longer tekun (特困人员认定办法 第二章), so they re-enter
    the dibao household (dibao.tekun_members_excluded) — but their tekun support ends."""
    amount = pl.col("tekun_benefit_fen") + pl.col("dibao_single_benefit_fen")
    members = pp.group_by("household_id").agg(
        # an unknown amount (a tekun standard the county has not set) makes the total unknown
        pl.when(amount.null_count() == 0).then(amount.sum()).alias("members_fen")
    )
    joined = hh.join(members, on="household_id", how="left").sort("household_id")
    total = joined.select(pl.col("dibao_benefit_fen") + pl.col("members_fen")).to_series()
    return total.to_list()


@PROPERTY
@given(batches(blank=False), st.data())
def test_more_wage_never_raises_a_households_assistance(batch: list[Household], data: st.DataObject) -> None:
    raises = {i: (data.draw(st.integers(0, 5)), data.draw(RAISE)) for i in range(len(batch))}
    before = assistance(*run(batch))
    after = assistance(*run(batch, raise_wage=raises))
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        if b is None or a is None:
            continue  # an unknown amount (unset local tekun standard) cannot be compared
        assert a <= b, f"household {i}: assistance rose from {b} to {a} fen after a raise of {raises[i][1]} fen"


# ---------------------------------------------------------------- (c) the same as a plain reference


def k_and(*xs: bool | None) -> bool | None:
    """Three-valued AND: false wins, then unknown."""
    if any(x is False for x in xs):
        return False
    return None if any(x is None for x in xs) else True


def k_or(*xs: bool | None) -> bool | None:
    if any(x is True for x in xs):
        return True
    return None if any(x is None for x in xs) else False


def k_not(x: bool | None) -> bool | None:
    return None if x is None else not x


def cmp(a: Any, op: str, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    return {"<": a < b, "<=": a <= b, ">=": a >= b}[op]


def half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


class Law:
    """The parameters in force for one household, read one by one with `ParameterSet.value`."""

    def __init__(self, region: str, on: dt.date, urban_rural: str) -> None:
        self.region, self.on, self.axis = region, on, urban_rural

    def raw(self, pid: str) -> float | None:
        return _value(pid, self.region, self.on, self.axis if PARAMS[pid].axis else None)

    def fen(self, pid: str) -> int | None:  # money: yuan → fen
        value = self.raw(pid)
        return None if value is None else int(Decimal(repr(value)) * 100)

    def ratio(self, pid: str) -> Fraction | None:
        value = self.raw(pid)
        return None if value is None else Fraction(Decimal(repr(value)))

    def int(self, pid: str) -> int | None:
        value = self.raw(pid)
        return None if value is None else int(value)

    def flag(self, pid: str) -> bool | None:
        value = self.raw(pid)
        return None if value is None else bool(value)


@cache
def _value(pid: str, region: str, on: dt.date, axis: str | None) -> float | None:
    return PARAMS.value(pid, region, on, axis)


def age(birth: dt.date | None, on: dt.date) -> int | None:
    """Full years (周岁): the birthday counts from its own day."""
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def counted_income(p: Person) -> int | None:
    parts = (p.wage, p.business, p.property, p.transfer)
    return None if any(x is None for x in parts) else sum(parts)  # type: ignore[arg-type]


def standard(law: Law) -> int | None:
    """社会救助暂行办法 第十条 (published), or 民发〔2024〕16号 (prior-year consumption × ratio) where chosen."""
    if law.flag("dibao.standard_from_consumption"):
        consumption, ratio = law.fen("general.consumption_per_capita_prior_year"), law.ratio("dibao.consumption_ratio")
        return None if consumption is None or ratio is None else half_up(Fraction(consumption, 12) * ratio)
    return law.fen("dibao.standard")


def property_ok(h: Household, law: Law, std: int | None) -> bool | None:
    """第十条: the local property rules (demo province 11)."""
    n = len(h.persons)
    multiple = law.ratio("dibao.financial_assets_multiple")
    financial = None if None in (h.financial_assets, multiple, std) else h.financial_assets <= multiple * std * 12 * n
    exemption = law.ratio("dibao.housing_area_exemption_m2")
    if exemption is None or exemption <= 0:  # no exemption here: the floor area does not matter
        small: bool | None = False
    else:
        small = None if h.area_tenths is None else Fraction(h.area_tenths, 10) / n < exemption
    housing = k_or(cmp(h.properties, "<=", law.int("dibao.max_properties")), small)
    vehicles = cmp(h.vehicles, "<=", law.int("dibao.max_vehicles"))
    capital = cmp(h.business_capital, "<=", law.fen("dibao.max_business_capital"))
    non_residential = k_or(law.flag("dibao.non_residential_property_allowed"), k_not(h.non_residential))
    return k_and(financial, housing, vehicles, capital, non_residential)


def severely_disabled(p: Person) -> bool:
    grade = int(p.grade) if p.grade is not None else 0
    return grade in (1, 2) or (grade == 3 and p.kind in ("intellectual", "mental"))


def reference_dibao(h: Household) -> tuple[bool | None, int | None]:
    law = Law(h.region, h.date, h.urban_rural)
    assert law.flag("dibao.tiered") is False  # this reference pays the gap; tiers are off in the baseline
    std = standard(law)
    assert law.flag("dibao.tekun_members_excluded") is True
    members = [k_not(tekun) for tekun, _ in reference_tekun(h)]  # a tekun member leaves the household
    n = None if None in members else sum(1 for m in members if m)
    incomes = [0 if m is False else counted_income(p) for p, m in zip(h.persons, members, strict=True)]
    total = None if None in incomes or None in members else sum(incomes)  # type: ignore[arg-type]
    # 第九条: income per capita below the standard ⇔ total < standard × members (exact in fen)
    # (no member left: no income either, so only "has members" fails)
    income_below = None if total is None or std is None else (n == 0 or total < std * n)
    eligible = k_and(None if n is None else n > 0, income_below, property_ok(h, law, std))
    if eligible is not True:
        return eligible, (0 if eligible is False else None)
    assert std is not None and total is not None and n is not None
    gap = max(0, std * n - total)  # 第十三条
    floor = half_up(law.ratio("dibao.floor_ratio") * std) * n  # local floor per member
    top_ups = []
    for p in (p for p, m in zip(h.persons, members, strict=True) if m):  # 分类施保, per member
        years = age(p.birth_date, h.date)
        if years is None:
            top_ups.append(None)
            continue
        share = Fraction(0)
        if years >= law.int("dibao.elderly_age"):
            share += law.ratio("dibao.topup_elderly")
        if severely_disabled(p):
            share += law.ratio("dibao.topup_severe_disability")
        if years < 18:
            share += law.ratio("dibao.topup_minor")
        top_ups.append(half_up(share * std))
    if None in top_ups:
        return True, None
    return True, max(gap, floor) + sum(top_ups)  # type: ignore[arg-type]


def reference_tekun(h: Household) -> list[tuple[bool | None, int | None]]:
    law = Law(h.region, h.date, h.urban_rural)
    std = standard(law)
    assets = property_ok(h, law, std)
    out = []
    for p in h.persons:
        years = age(p.birth_date, h.date)
        labour = (p.wage or 0) + (p.business or 0)
        other = (p.property or 0) + (p.transfer or 0)
        lives_on_own_labour = k_and(cmp(years, ">=", law.int("tekun.self_support_age")), labour > 0, labour >= other)
        grade = int(p.grade) if p.grade is not None else 0
        disabled = (
            (p.kind in ("intellectual", "mental") and 1 <= grade <= 3)
            or (p.kind == "physical" and 1 <= grade <= 2)
            or (p.kind == "visual" and grade == 1)
        )
        no_labour = k_or(
            cmp(years, ">=", law.int("tekun.elderly_age")),
            k_and(cmp(years, "<", law.int("tekun.minor_age")), k_not(lives_on_own_labour)),
            disabled,
        )
        no_living = k_and(cmp(counted_income(p), "<", std), assets)
        no_supporter = k_not(p.supporter_capable)
        eligible = k_and(no_labour, no_living, no_supporter)
        if eligible is not True:
            out.append((eligible, 0 if eligible is False else None))
            continue
        assert std is not None
        basic = half_up(std * law.ratio("tekun.basic_living_ratio"))
        wage = law.fen("general.minimum_wage")
        care_ratio = {
            "full": "tekun.care_ratio_full",
            "partial": "tekun.care_ratio_partial",
            "none": "tekun.care_ratio_none",
        }.get(p.self_care or "")
        if wage is None or care_ratio is None:
            out.append((True, None))  # the care standard is unknown, so is the payment
            continue
        out.append((True, basic + half_up(law.ratio(care_ratio) * wage)))
    return out


@settings(PROPERTY, max_examples=130)
@given(batches())
def test_the_engine_agrees_with_the_reference(batch: list[Household]) -> None:
    hh, pp = run(batch)
    engine_hh = list(hh.select("dibao_eligible", "dibao_benefit_fen").iter_rows())
    engine_pp = list(pp.select("tekun_eligible", "tekun_benefit_fen").iter_rows())
    expected_pp = []
    for i, h in enumerate(batch):
        assert engine_hh[i] == reference_dibao(h), f"dibao, household {i}: {h}"
        expected_pp += reference_tekun(h)
    for j, (got, expected) in enumerate(zip(engine_pp, expected_pp, strict=True)):
        assert got == expected, f"tekun, person {pp.get_column('person_id')[j]}"
