"""合成县 (synthetic county): households, persons and the ground truth, calibrated
to public statistics (POLICY-FACTS part two, §7 and §10).

>>> from minsheng.synth import SynthConfig, generate, write
>>> pop = generate(SynthConfig(county="110105", households=200, seed=1))
>>> pop.households.height
200

The pipeline is a list of named steps; `progress` (if given) is called with
each step's name as it starts. The same seed gives the same population, byte
for byte; each step draws from its own random stream. Who is eligible is decided
with the engine's parameters for the county (`synth.policy`; `params`, default
the shipped files; a county's own values laid over them as its assessment will have
them, e.g. `demo.local_params.demo_parameters()`), so the ground truth and the rules
engine use the same standard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import polars as pl

from minsheng.rules.parameters import ParameterSet
from minsheng.synth import assets, benefit, enrolment, geography, households, identity, incomes, names, people
from minsheng.synth import targets as T
from minsheng.synth.calibration import calibrate
from minsheng.synth.config import SynthConfig
from minsheng.synth.frames import Draft, household_frame, person_frame, truth_frame
from minsheng.synth.policy import LocalPolicy, local_policy
from minsheng.synth.sampling import group_sum
from minsheng.synth.write import write

__all__ = ["STEPS", "Population", "SynthConfig", "generate", "write"]

# Persons below the standard per recipient before take-up: some poor households own a car or
# non-residential property and are excluded (assumption, measured on the generator's assets).
POOR_PER_RECIPIENT = 1.15
STEPS = (
    "sizes",
    "places",
    "members",
    "circumstances",
    "incomes",
    "assets",
    "names",
    "identity",
    "declaration",
    "enrolment",
    "frames",
    "calibration",
)


@dataclass(frozen=True, slots=True)
class Population:
    county: str
    seed: int
    households: pl.DataFrame  # contract columns, declared values
    persons: pl.DataFrame  # contract columns, declared values
    ground_truth: pl.DataFrame  # one row per household: true circumstances
    calibration: pl.DataFrame  # statistic, group, target, generated, rel_diff, source
    policy: LocalPolicy  # the dibao rules the truth is decided by, and where they come from
    income_basis: str  # incomes calibrated to the province or nationally, and the figure


def generate(
    cfg: SynthConfig, progress: Callable[[str], None] | None = None, params: ParameterSet | None = None
) -> Population:
    """Generate a synthetic county; `DivisionError` if the county code is unknown."""
    step = progress or (lambda _name: None)
    geography.county_townships(cfg.county)  # fail before any work on an unknown county
    policy = local_policy(cfg.county, cfg.reference_date, params)
    rng = cfg.rngs(len(STEPS))

    step("sizes")
    sizes = households.draw_sizes(cfg.households, rng[0])
    step("places")
    geo = geography.place(cfg, sizes, rng[1])
    step("members")
    m = households.build(sizes, geo.urban, rng[2], cfg.reference_date)
    urban = geo.urban[m.hh]
    step("circumstances")
    p = people.describe(m, urban, geo.hukou_kind[m.hh] >= 2, rng[3])
    step("incomes")
    inc = incomes.draw(m, p, sizes, geo.urban, _income_targets(cfg, policy), rng[4])
    step("assets")
    head = m.role == households.HEAD
    business_year = group_sum(m.hh, inc.person_fen[:, 1], len(sizes)) * 12 / 100
    true_assets = assets.draw_assets(
        inc.per_capita_fen * 12 / 100, sizes, geo.urban, m.age[head], business_year, inc.has_business, rng[5]
    )
    expenses = assets.draw_expenses(m, p, urban, rng[5])
    step("names")
    full_names, surname = names.draw(m, rng[6])
    step("identity")
    ids = identity.id_numbers(m, geo.hukou[m.hh] // 1_000_000, urban, cfg.id_coverage, rng[7])
    phones = identity.phones(m.age, rng[7])
    step("declaration")
    declared = enrolment.declare(cfg, policy, m.hh, inc.person_fen, true_assets, sizes, geo.urban, rng[8])
    step("enrolment")
    incapable = head & (p.labour == 2) & (m.age >= 16) & ~p.supporter_capable
    lone = (sizes == 1) & group_sum(m.hh, incapable, len(sizes)).astype(bool)
    enrolled = enrolment.enrol(cfg, policy, m.hh, inc.person_fen, declared, true_assets, sizes, geo.urban, lone, rng[9])

    step("frames")
    d = Draft(cfg, sizes, geo, m, p, inc, true_assets, expenses, full_names, surname, ids, phones, declared, enrolled)
    hh_frame = household_frame(d)
    hh_ids = hh_frame.get_column("household_id")
    person = person_frame(d, hh_ids)
    # The amount paid today is the engine's payment on the declaration (floor and top-ups included).
    paid = benefit.paid_benefit(hh_frame, person, enrolled, sizes, cfg.reference_date, params)
    d = replace(d, enrolment=replace(enrolled, benefit_fen=paid))
    hh_frame = household_frame(d)
    truth = truth_frame(d, hh_ids)
    step("calibration")
    return Population(cfg.county, cfg.seed, hh_frame, person, truth, calibrate(d), policy, inc.targets.basis)


def _income_targets(cfg: SynthConfig, policy: LocalPolicy) -> incomes.IncomeTargets:
    """Incomes at the province's level, with as many persons below the county's own standard
    as the national caseload shares imply once take-up is allowed for (PF2 §7)."""
    line = {a: 12 * policy.standard_yuan(urban=a == "urban", date=cfg.reference_date) for a in ("urban", "rural")}
    poor = {a: T.DIBAO_RECIPIENT_SHARE[a].value * POOR_PER_RECIPIENT / cfg.dibao_takeup for a in line}
    return incomes.income_targets(cfg.county, cfg.urban_share, line, poor)
