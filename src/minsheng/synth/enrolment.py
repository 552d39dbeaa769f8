"""What households declare (申报) and who receives assistance today (现有救助).

Declaration (assumption, `under_declare_share`): a share of households, more
often those near the dibao line, under-declare wages by 20–60%, leave out a
vehicle or hide part of their deposits. The CSVs carry the declared values;
the ground truth keeps the true ones.

Enrolment simulates the status quo on the reference date with the county's
rules as the engine has them (`synth.policy`: the standard in force that day,
its vehicle and non-residential property rules; national averages where the
engine has none): a household whose declared per-capita counted income is
below the standard (社会救助暂行办法 第九条) and that declares no excluded
vehicle or non-residential property (第十条, local rules; PF §1.6) is enrolled
in dibao with probability `dibao_takeup`; a share `dibao_leakage` of enrolled
households are ineligible ones, most of them in the marginal band (below the
engine's `dibao_marginal.income_multiple` × the standard). The benefit drawn here is
the gap to the standard times the household size (第十三条; PF §1.2); `synth.benefit`
then replaces it by the engine's payment (floor and top-ups included). Lone people
without labour capacity, income below the standard and no capable supporter
are tekun (PF §2.1), paid the engine's `tekun.basic_living_ratio` × the
standard (PF §2.2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minsheng.synth.assets import Assets
from minsheng.synth.config import SynthConfig
from minsheng.synth.policy import LocalPolicy
from minsheng.synth.sampling import BoolArray, FloatArray, IntArray, group_sum, pick

ITEMS = ("wage", "vehicle", "deposits")
DIBAO, TEKUN = 1, 2


@dataclass(frozen=True, slots=True)
class Declared:
    person_fen: IntArray  # (persons, 4) declared fen / month by source
    financial_assets: FloatArray
    vehicles: IntArray
    vehicle_value: FloatArray
    items: IntArray  # per household bit mask over ITEMS (0: declared truthfully)
    wage_cut: FloatArray  # per household share of wages left out


@dataclass(frozen=True, slots=True)
class Enrolment:
    programme: IntArray  # 0 none, DIBAO, TEKUN
    since: IntArray  # days before the reference date
    benefit_fen: IntArray  # per household per month
    leaked: BoolArray
    standard_fen: IntArray
    true_income_eligible: BoolArray
    true_asset_eligible: BoolArray
    true_tekun_eligible: BoolArray


def declare(
    cfg: SynthConfig,
    policy: LocalPolicy,
    hh: IntArray,
    true_fen: IntArray,
    assets: Assets,
    sizes: IntArray,
    urban: BoolArray,
    rng: np.random.Generator,
) -> Declared:
    n_hh = len(sizes)
    wage_hh = group_sum(hh, true_fen[:, 0], n_hh)
    total = group_sum(hh, true_fen.sum(axis=1), n_hh)
    can = np.column_stack([wage_hh > 0, assets.vehicles > 0, assets.financial_assets > 0])
    near_line = total < 2 * policy.standard(urban, cfg.reference_date) * sizes
    chosen = pick(rng, np.where(can.any(axis=1), 1.0 + near_line, 0.0), round(cfg.under_declare_share * n_hh))
    does = can & chosen[:, None] & (rng.random((n_hh, 3)) < np.array([0.7, 0.5, 0.5]))
    # A chosen household under-declares at least its first possible item.
    none = chosen & ~does.any(axis=1)
    does[none, can[none].argmax(axis=1)] = True
    items = (does * np.array([1, 2, 4])).sum(axis=1).astype(np.int64)

    cut = np.where(does[:, 0], rng.uniform(0.2, 0.6, n_hh), 0.0)
    person = true_fen.copy()
    person[:, 0] = np.floor(true_fen[:, 0] * (1 - cut[hh])).astype(np.int64)
    vehicles = assets.vehicles - does[:, 1]
    value = np.where(
        does[:, 1], np.rint(assets.vehicle_value * vehicles / np.maximum(assets.vehicles, 1)), assets.vehicle_value
    )
    financial = np.where(
        does[:, 2], np.rint(assets.financial_assets * rng.uniform(0.0, 0.5, n_hh)), assets.financial_assets
    )
    return Declared(person, financial, vehicles.astype(np.int64), value, items, cut)


def enrol(
    cfg: SynthConfig,
    policy: LocalPolicy,
    hh: IntArray,
    true_fen: IntArray,
    declared: Declared,
    assets: Assets,
    sizes: IntArray,
    urban: BoolArray,
    lone_unsupported_incapable: BoolArray,
    rng: np.random.Generator,
) -> Enrolment:
    n_hh = len(sizes)
    day = cfg.reference_date
    std = policy.standard(urban, day)
    line = std * sizes  # household total at the standard
    true_total = group_sum(hh, true_fen.sum(axis=1), n_hh)
    said_total = group_sum(hh, declared.person_fen.sum(axis=1), n_hh).astype(np.int64)
    true_income_ok = true_total < line
    true_asset_ok = policy.assets_ok(assets.vehicles, assets.non_residential_property, day)
    said_asset_ok = policy.assets_ok(declared.vehicles, assets.non_residential_property, day)

    programme = np.zeros(n_hh, dtype=np.int64)
    u = rng.random(n_hh)
    tekun = lone_unsupported_incapable & (said_total < line) & (u < cfg.tekun_takeup)
    programme[tekun] = TEKUN
    dibao = ~tekun & (said_total < line) & said_asset_ok & (u < cfg.dibao_takeup)
    programme[dibao] = DIBAO
    # Leakage: ineligible households just above the line are on the rolls, ten times likelier
    # in the marginal band (国办发〔2023〕39号) than up to 3 × the line (assumption).
    n_leak = round(cfg.dibao_leakage / (1 - cfg.dibao_leakage) * int(dibao.sum()))
    pool = (programme == 0) & (said_total >= line)
    marginal = said_total < policy.marginal_multiple * line
    leaked = pick(rng, np.where(pool, np.where(marginal, 10.0, np.where(said_total < 3 * line, 1.0, 0.0)), 0.0), n_leak)
    programme[leaked] = DIBAO

    benefit = np.zeros(n_hh, dtype=np.int64)
    benefit[dibao] = (line - said_total)[dibao]
    # Assumption: a leaked household is paid the 20%-of-standard floor (PF §1.2, an older local rule).
    benefit[leaked] = (np.rint(0.2 * std) * sizes)[leaked]
    benefit[tekun] = np.rint(policy.tekun_ratio * std)[tekun]
    since = np.where(programme > 0, rng.integers(30, 8 * 365, n_hh), 0)
    return Enrolment(
        programme,
        since.astype(np.int64),
        benefit,
        leaked,
        std,
        true_income_ok,
        true_asset_ok,
        lone_unsupported_incapable & true_income_ok,
    )
