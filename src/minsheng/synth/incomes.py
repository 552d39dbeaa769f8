"""True incomes (真实收入): per-capita disposable income calibrated to NBS 2024,
split by source and across members.

1. A latent log-income score per household from its members (earners raise it;
   no earner, unemployment, severe disability and a lone elderly person without
   a capable supporter lower it) plus noise. Coefficients are assumptions.
2. Per area, y = a·exp(b·z) with b found by bisection so that the person-weighted
   mean/median ratio is the target one, and a so that the median is the target median;
   both then hold exactly in-sample. The targets are the NBS national urban and rural
   figures (PF §10.1), scaled to the province's all-resident mean where the stored
   sources have one (PF §10.2: Beijing, Shanghai, Zhejiang; `income_targets`).
2b. The lower half is stretched in log space (order kept, median kept) so that the
   persons below the county's own dibao standard are the share that the national
   caseload implies (PF2 §7 over take-up), and the upper half so that the mean holds
   again: a Beijing standard on Beijing incomes gives a Beijing-sized caseload.
3. The household total is split across wage, business, property and transfer
   income by member-level propensities, raked so the national source shares
   hold (PF §10.1), then across members, in whole fen, the rounding remainder
   going to the household's largest cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minsheng.synth import targets as T
from minsheng.synth.households import Members
from minsheng.synth.people import NONE, RETIRED, UNEMPLOYED, People
from minsheng.synth.sampling import BoolArray, FloatArray, IntArray, bisect, group_sum, rank_within, weighted_median

SOURCES = ("wage", "business", "property", "transfer")
SHOCK_P = (0.07, 0.0)  # urban, rural (assumption, tuned to the dibao caseload shares of PF2 §7)
SHOCK_SCALE = 0.9


@dataclass(frozen=True, slots=True)
class IncomeTargets:
    """What the income draw aims at, per area ("urban", "rural")."""

    mean: dict[str, T.Target]  # yuan / person / year
    median: dict[str, T.Target]
    overall: T.Target | None  # the province's all-resident mean, where known
    basis: str  # one line for the calibration report: provincial or national, and why
    line: dict[str, float]  # the county's dibao standard on the reference date, yuan / person / year
    poor_share: dict[str, float]  # share of persons whose per-capita income lies below `line`


def income_targets(
    county: str, urban_share: float, line: dict[str, float], poor_share: dict[str, float]
) -> IncomeTargets:
    """NBS national urban/rural targets, scaled by one factor so that the all-resident mean at
    the county's urban share is its province's 2024 figure where PF §10.2 has one."""
    found = T.PROVINCE_INCOME.get(county[:2])
    if found is None:
        basis = f"national: NBS 2024 urban and rural figures ({T.NBS_2024}); no provincial figure for {county[:2]}"
        return IncomeTargets(T.INCOME_MEAN, T.INCOME_MEDIAN, None, basis, line, poor_share)
    name, overall = found
    mix = urban_share * T.INCOME_MEAN["urban"].value + (1 - urban_share) * T.INCOME_MEAN["rural"].value
    f = overall.value / mix
    cite = (
        f"{name} {overall.value:,.0f} ({T.PROVINCE_2024}) × the NBS national figure / {mix:,.0f} "
        f"(national urban and rural means at {urban_share:.0%} urban); derived, assumption: the national "
        "urban–rural ratio"
    )

    def scaled(targets: dict[str, T.Target]) -> dict[str, T.Target]:
        return {a: T.Target(t.value * f, cite) for a, t in targets.items()}

    basis = f"provincial: {name} 2024 per-capita disposable income {overall.value:,.0f} yuan ({T.PROVINCE_2024})"
    return IncomeTargets(scaled(T.INCOME_MEAN), scaled(T.INCOME_MEDIAN), overall, basis, line, poor_share)


@dataclass(frozen=True, slots=True)
class Incomes:
    per_capita_year: FloatArray  # per household, yuan / year, as drawn
    per_capita_fen: IntArray  # per household, fen / month (the drawn value, rounded)
    person_fen: IntArray  # (persons, 4) fen / month by source
    disregarded_fen: IntArray  # per person, fen / month
    has_business: BoolArray  # per household: runs a non-farm business
    targets: IncomeTargets  # what the draw aimed at (the calibration report compares)


def draw(
    m: Members, p: People, sizes: IntArray, urban: BoolArray, targets: IncomeTargets, rng: np.random.Generator
) -> Incomes:
    n_hh = len(sizes)
    job, age = p.job, m.age
    severe = (p.disability_grade >= 1) & (p.disability_grade <= 2)

    def share(mask: BoolArray) -> FloatArray:
        return group_sum(m.hh, mask, n_hh) / sizes

    earners = share(job <= 4)
    formal = share(job == 0) + 0.8 * share(job == 3) + 0.6 * share(job == 2)
    retired = share(job == RETIRED)
    no_income = (earners == 0) & (retired == 0)
    lone_unsupported = (sizes == 1) & (group_sum(m.hh, ~p.supporter_capable, n_hh) > 0)
    z = (
        1.2 * earners
        + 0.5 * formal
        + 0.8 * retired
        - 0.5 * share(severe)
        - 0.25 * (share(job == UNEMPLOYED) > 0)
        - 0.6 * no_income
        - 0.8 * lone_unsupported
        - 0.2 * share(age < 16)
        + rng.normal(0.0, 0.45, n_hh)
    )
    # Setbacks (illness, a failed business, divorce) give the lower tail its
    # weight: with probability SHOCK_P the score drops by an exponential amount.
    shock_p = np.where(urban, SHOCK_P[0], SHOCK_P[1])
    z -= np.where(rng.random(n_hh) < shock_p, rng.exponential(SHOCK_SCALE, n_hh), 0.0)

    y = np.zeros(n_hh)
    for area, is_urban in (("urban", True), ("rural", False)):
        sel = urban == is_urban
        if sel.any():
            persons = sizes[sel].astype(np.float64)
            y[sel] = _transform(z[sel], persons, targets.mean[area].value, targets.median[area].value)
            y[sel] = _fit_tail(y[sel], persons, targets.mean[area].value, targets.line[area], targets.poor_share[area])
    pc_fen = np.rint(y / 12 * 100).astype(np.int64)
    total_fen = pc_fen * sizes

    rank = rank_within(y, urban)  # property income concentrates at the top
    # Assumption: 8% of urban and 4% of rural households without a retiree run a business.
    has_business = (rng.random(n_hh) < np.where(urban, 0.08, 0.04)) & (retired == 0)

    w = _member_weights(m, p, rank, has_business)
    person_fen = _split(m.hh, w, total_fen)
    under3 = age < 3  # 育儿补贴 3,600 yuan per child per year (PF §6), not counted as income
    disregarded = np.where(under3, round(T.CHILDCARE_SUBSIDY_MONTHLY * 100), 0).astype(np.int64)
    return Incomes(y, pc_fen, person_fen, disregarded, has_business, targets)


def _transform(z: FloatArray, persons: FloatArray, mean: float, median: float) -> FloatArray:
    mz = weighted_median(z, persons)
    dz = z - mz

    def gap(b: float) -> float:
        return float((persons * np.exp(b * dz)).sum() / persons.sum() - mean / median)

    hi = 1.0
    while gap(hi) < 0 and hi < 64:
        hi *= 2
    b = bisect(gap, 1e-9, hi, iters=100)
    result: FloatArray = median * np.exp(b * dz)
    return result


def _fit_tail(y: FloatArray, persons: FloatArray, mean: float, line: float, share: float) -> FloatArray:
    """Stretch log(y / median) below the median so that `share` of persons lie below `line`,
    then above it so that the person-weighted mean is `mean` again. Order and median stay."""
    med = weighted_median(y, persons)
    order = np.argsort(y, kind="stable")
    cum = np.cumsum(persons[order]) / persons.sum()
    at = y[order][min(int(np.searchsorted(cum, share)), len(y) - 1)]  # income at the `share` quantile
    if not (0 < share < 0.5 and 0 < line < med and 0 < at < med):
        return y  # nothing to place (a tiny area, or a standard above the median)
    u = np.log(y / med)
    low = np.where(u < 0, u * (np.log(line / med) / np.log(at / med)), u)

    def gap(s: float) -> float:
        return float((persons * med * np.exp(np.where(low > 0, s * low, low))).sum() / persons.sum() - mean)

    hi = 1.0
    while gap(hi) < 0 and hi < 8:
        hi *= 2
    s = bisect(gap, 0.0, hi, iters=60) if gap(0.0) < 0 < gap(hi) else 1.0
    fitted: FloatArray = med * np.exp(np.where(low > 0, s * low, low))
    return fitted


def _member_weights(m: Members, p: People, rank: FloatArray, has_business: BoolArray) -> FloatArray:
    """Propensity of each member to receive each source (assumptions):
    wages to workers, business income to farming and flexible work, property
    income to the head in proportion to household size and income rank,
    transfers to pensioners, the elderly, the severely disabled and the head."""
    job, age = p.job, m.age
    head = m.role == 0
    wage = np.select([job == 0, job == 3, job == 2, job == 1, job == 4], [1.0, 0.9, 0.85, 0.4, 0.15], 0.0)
    business = np.select([job == 4, job == 1, job == 2], [0.85, 0.6, 0.15], 0.0) + np.where(
        head & has_business[m.hh], 1.0, 0.0
    )
    sizes = np.bincount(m.hh)
    prop = np.where(head, sizes[m.hh] * (0.02 + 0.25 * rank[m.hh] ** 3), 0.0)
    # Household-level transfers (remittances, subsidies) are recorded on the head.
    transfer = (
        np.where(job == RETIRED, 1.5, 0.0)
        + np.where((age >= 60) & (job == NONE), 0.35, 0.0)
        + np.where((p.disability_grade >= 1) & (p.disability_grade <= 2), 0.15, 0.0)
        + np.where(head, 0.04 * sizes[m.hh], 0.0)
    )
    return np.column_stack([wage, business, prop, transfer])


def _split(hh: IntArray, w: FloatArray, total_fen: IntArray) -> IntArray:
    n_hh = len(total_fen)
    hh_w = np.column_stack([group_sum(hh, w[:, k], n_hh) for k in range(4)])
    # Rake the source factors so that aggregate source shares are the national ones.
    target = np.array([T.INCOME_SOURCE_SHARE[s].value for s in SOURCES])
    f = np.ones(4)
    tot = total_fen.astype(np.float64)
    hh_w = np.asfortranarray(hh_w)  # column-major: the two products below stream columns
    weighted = np.asfortranarray(hh_w * tot[:, None])
    for _ in range(40):
        got = f * (weighted.T @ (1.0 / (hh_w @ f))) / tot.sum()
        f = np.where(got > 0, f * target / np.where(got > 0, got, 1.0), f)  # a tiny county may lack a source
    fw = hh_w * f
    # fen per unit of member weight, by household and source
    with np.errstate(invalid="ignore", divide="ignore"):
        per_w = np.where(hh_w > 0, tot[:, None] * f / fw.sum(axis=1, keepdims=True), 0.0)
    cells = np.floor(w * per_w[hh]).astype(np.int64)
    # The remainder (a few fen) goes to each household's largest cell, so
    # members' amounts sum exactly to the household total. Persons are sorted by household.
    rest = total_fen - np.bincount(hh, weights=cells.sum(axis=1), minlength=n_hh).astype(np.int64)
    best_val = cells.max(axis=1)
    starts = np.flatnonzero(np.r_[True, hh[1:] != hh[:-1]])
    top = np.flatnonzero(best_val == np.maximum.reduceat(best_val, starts)[hh])
    first = top[np.r_[True, hh[top][1:] != hh[top][:-1]]]
    cells[first, cells[first].argmax(axis=1)] += rest[hh[first]]
    return cells
