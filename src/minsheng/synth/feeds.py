"""A year of department feeds (部门比对数据) for a synthetic county, with the truth behind them.

>>> import datetime as dt
>>> from minsheng.synth import SynthConfig, generate
>>> pop = generate(SynthConfig(county="110105", households=300, seed=1))
>>> feeds = generate_feeds(pop, FeedConfig(start=dt.date(2025, 7, 1), months=12, seed=1))
>>> sorted(feeds.records) == sorted(FEED_COLUMNS)
True

Records follow the data contract ("department feeds": envelope + kind-specific
columns, money in yuan, booleans 1/0) and are about registry persons, with
their correct ID numbers; a share `missing_id_share` of records has none.
There are two kinds of records: those of events that truly change a
household's circumstances (`feeds_hardship`, `feeds_exits`) and routine
records that change nothing (`feeds_routine`). `truth` has one row per event,
`outcomes` one row per household; `feeds_truth` documents how "became
eligible" is decided (with the engine's dibao rules for the county on each
day, `Population.policy`). Same population and seed, same frames.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from minsheng.errors import ConfigError
from minsheng.synth import feeds_exits as X
from minsheng.synth import feeds_hardship as H
from minsheng.synth import feeds_routine, feeds_truth
from minsheng.synth.feeds_draft import Draft, Ledger, Window
from minsheng.synth.feeds_noise import NoiseConfig, noisy_feeds
from minsheng.synth.feeds_roster import ENVELOPE_PERSON, Roster, build
from minsheng.synth.sampling import pick

if TYPE_CHECKING:
    from minsheng.synth import Population

__all__ = ["FEED_COLUMNS", "SOURCES", "FeedConfig", "Feeds", "generate_feeds", "write_feeds"]

ENVELOPE = ("source", "record_id", "event_date", *ENVELOPE_PERSON)
_MONEY, _BOOL, _TEXT = pl.Float64, pl.Int8, pl.String
# Kind-specific columns of the data contract, in its order, with their types.
FEED_COLUMNS: dict[str, dict[str, type[pl.DataType]]] = {
    "medical_claim": {"total_cost": _MONEY, "out_of_pocket": _MONEY, "inpatient": _BOOL, "major_illness": _BOOL},
    "unemployment": {"status": _TEXT, "monthly_benefit": _MONEY},
    "death": {},
    "disability_certification": {"disability_grade": pl.Int64, "disability_kind": _TEXT},
    "disaster_loss": {"loss_amount": _MONEY, "disaster_kind": _TEXT},
    "education_enrolment": {"school_stage": _TEXT, "annual_fee": _MONEY},
    "wage_record": {"monthly_wage": _MONEY},
    "pension_payment": {"monthly_amount": _MONEY},
    "property_registration": {"area_m2": pl.Float64, "value": _MONEY, "residential": _BOOL},
    "vehicle_registration": {"value": _MONEY, "commercial": _BOOL},
    "business_registration": {"capital": _MONEY},
    "provident_fund": {"monthly_contribution": _MONEY, "balance": _MONEY},
    "deposit_balance": {"amount": _MONEY},
}
# The department that delivers each kind (PF §3.3 and the contract's list); deposits come from
# the banks through the verification centre, so `bank` is added to the contract's examples.
SOURCES = {
    "medical_claim": "medical_insurance",
    "unemployment": "human_resources",
    "death": "public_security",
    "disability_certification": "disabled_federation",
    "disaster_loss": "emergency_management",
    "education_enrolment": "education",
    "wage_record": "human_resources",  # social-insurance contributions (人社, PF §3.3)
    "pension_payment": "human_resources",
    "property_registration": "housing",
    "vehicle_registration": "public_security",  # motor vehicles (公安, PF §3.3)
    "business_registration": "market_regulation",
    "provident_fund": "provident_fund",
    "deposit_balance": "bank",
}
# Record-id prefixes (pinyin initials of the department).
_PREFIX = {
    "medical_insurance": "YB",
    "human_resources": "RS",
    "public_security": "GA",
    "disabled_federation": "CL",
    "emergency_management": "YJ",
    "education": "JY",
    "housing": "ZJ",
    "market_regulation": "SJ",
    "provident_fund": "GJJ",
    "bank": "YH",
}
# Relative chance that a record of this kind lacks the ID number (assumption): disaster
# lists and school rolls are compiled by hand more often; banks, insurers and the police
# key their records on the ID number. Kinds not listed weigh 1.
MISSING_ID_WEIGHT = {
    "disaster_loss": 4.0,
    "education_enrolment": 2.0,
    "business_registration": 1.5,
    "deposit_balance": 0.5,
    "medical_claim": 0.5,
    "death": 0.3,
    "pension_payment": 0.5,
}


@dataclass(frozen=True, slots=True)
class FeedConfig:
    start: dt.date = dt.date(2025, 7, 1)  # first day of the window
    months: int = 12
    seed: int = 1
    # Routine records per person and year (assumption: about 100,000 a year for a county of
    # 260,000 persons); events come on top.
    routine_records_per_person: float = 0.33
    event_scale: float = 1.0  # multiplies every event rate (1: the rates stated in the modules)
    # Share of all records without an ID number (assumption: departments often lack it).
    missing_id_share: float = 0.05
    # Department input errors (feeds_noise); None: names, numbers and dates exactly as registered.
    noise: NoiseConfig | None = None

    def __post_init__(self) -> None:
        checks = {
            "months": self.months >= 1,
            "routine_records_per_person": self.routine_records_per_person >= 0,
            "event_scale": self.event_scale >= 0,
            "missing_id_share": 0 <= self.missing_id_share <= 1,
        }
        for name, ok in checks.items():
            if not ok:
                value = getattr(self, name)
                raise ConfigError(f"参数{name}取值无效：{value}", f"{name} has an invalid value: {value}")

    def rngs(self, n: int) -> list[np.random.Generator]:
        return [np.random.default_rng(s) for s in np.random.SeedSequence([self.seed, 0xFEED]).spawn(n)]


@dataclass(frozen=True, slots=True)
class Feeds:
    start: dt.date
    end: dt.date  # exclusive
    records: dict[str, pl.DataFrame]  # one frame per feed kind, contract columns
    truth: pl.DataFrame  # one row per (household, event): what happened and its effect
    outcomes: pl.DataFrame  # one row per household: became eligible / ineligible, date, reasons
    links: pl.DataFrame | None = None  # with noise: source, record_id, true person_id (null: not registered), noise


def generate_feeds(pop: Population, cfg: FeedConfig) -> Feeds:
    """Department records for the window, the events behind them and their outcome."""
    rng_events, rng_routine, rng_ids = cfg.rngs(3)
    roster = build(pop.households, pop.persons, pop.ground_truth, cfg.start, pop.policy)
    window = Window.of(cfg.start, cfg.months, roster.birth)
    led = Ledger(roster, window, rng_events, cfg.event_scale)
    # Events first, in an order that decides who is still free (a person has one event at
    # most, see Ledger): deaths, then the other hardship events, then the exits.
    for stage in (H.deaths, H.severe_disability, H.major_illness):
        stage(led)
    # Unemployment benefit is pegged above the urban dibao standard (PF §8): the one in force at the start.
    H.job_loss(led, pop.policy.standard_yuan(urban=True, date=cfg.start))
    for stage in (X.new_job, X.pay_rise, X.business_start, H.higher_education, H.disaster):
        stage(led)
    X.vehicle_purchase(led)
    X.property_purchase(led)
    total = round(cfg.routine_records_per_person * roster.persons * window.years)
    feeds_routine.draw_all(led, total, rng_routine)

    records, firsts, persons = _assemble(led.drafts, roster, pop.county, cfg.missing_id_share, rng_ids)
    truth, outcomes = feeds_truth.accumulate(roster, led.changes, firsts, pop.policy, window)
    end = cfg.start + dt.timedelta(days=int((window.end - window.start).astype(np.int64)))
    links = None
    if cfg.noise is not None:
        records, links = noisy_feeds(records, persons, cfg.noise, pop.county)
    return Feeds(cfg.start, end, records, truth, outcomes, links)


def _frame(kind: str, drafts: list[Draft]) -> pl.DataFrame:
    mine = [d for d in drafts if d.kind == kind]
    data: dict[str, pl.Series] = {
        "_person": pl.Series(np.concatenate([d.person for d in mine]), dtype=pl.Int64),
        "event_date": pl.Series(np.concatenate([d.date for d in mine]).astype("datetime64[D]"), dtype=pl.Date),
        "_event": pl.Series(np.concatenate([d.events() for d in mine]), dtype=pl.Int64),
    }
    for name, dtype in FEED_COLUMNS[kind].items():
        s = pl.Series(name, np.concatenate([np.asarray(d.columns[name]) for d in mine]))
        s = s.fill_nan(None) if s.dtype.is_float() else s
        data[name] = s.cast(dtype)
    frame = pl.DataFrame(data).with_row_index("_seq")
    return frame.sort("event_date", "_person", "_seq").drop("_seq")


def _assemble(
    drafts: list[Draft], roster: Roster, county: str, missing_share: float, rng: np.random.Generator
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, dict[str, pl.Series]]:
    frames: dict[str, pl.DataFrame] = {}
    next_id = dict.fromkeys(_PREFIX, 0)
    for kind in FEED_COLUMNS:
        frame = _frame(kind, drafts)
        source = SOURCES[kind]
        # Ids count up per source, across its kinds, in date order within each kind.
        numbers = pl.int_range(next_id[source] + 1, next_id[source] + frame.height + 1, eager=True)
        next_id[source] += frame.height
        ids = pl.concat_str([pl.lit(_PREFIX[source] + county), numbers.cast(pl.String).str.zfill(9)])
        envelope = roster.envelope[frame.get_column("_person").to_numpy()]
        frames[kind] = pl.concat([frame, envelope], how="horizontal").with_columns(
            pl.lit(source).alias("source"), pl.select(ids).to_series().alias("record_id")
        )
    frames = _drop_ids(frames, missing_share, rng)
    firsts = (
        pl.concat([f.select("_event", "source", "record_id", "event_date") for f in frames.values()])
        .filter(pl.col("_event") >= 0)
        .sort("_event", "event_date", "record_id")
        .unique("_event", keep="first", maintain_order=True)
        .drop("event_date")
    )
    records = {kind: f.select(*ENVELOPE, *FEED_COLUMNS[kind]) for kind, f in frames.items()}
    persons = {kind: roster.person_id.gather(f.get_column("_person")) for kind, f in frames.items()}
    return records, firsts, persons


def _drop_ids(frames: dict[str, pl.DataFrame], share: float, rng: np.random.Generator) -> dict[str, pl.DataFrame]:
    """Blank ID numbers until `share` of all records lack one. Persons without an ID
    number in the registry already count; the rest are picked by kind weight."""
    sizes = [f.height for f in frames.values()]
    has = np.concatenate([f.get_column("id_number").is_not_null().to_numpy() for f in frames.values()])
    weight = np.concatenate([np.full(n, MISSING_ID_WEIGHT.get(k, 1.0)) for k, n in zip(frames, sizes, strict=True)])
    k = round(share * len(has)) - int((~has).sum())
    drop = pick(rng, np.where(has, weight, 0.0), k)
    out = {}
    for (kind, frame), part in zip(frames.items(), np.split(drop, np.cumsum(sizes)[:-1]), strict=True):
        out[kind] = frame.with_columns(
            pl.when(pl.Series(part)).then(None).otherwise(pl.col("id_number")).alias("id_number")
        )
    return out


def write_feeds(feeds: Feeds, out_dir: str | Path) -> dict[str, Path]:
    """One CSV per feed kind (UTF-8, contract columns, money with 2 decimals, booleans 1/0,
    ISO dates, empty for missing), truth.parquet and outcomes.parquet; with noise, links.parquet
    (the true person of each record)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for kind, frame in feeds.records.items():
        paths[kind] = out / f"{kind}.csv"
        frame.write_csv(paths[kind], float_precision=2)
    paths["truth"] = out / "truth.parquet"
    paths["outcomes"] = out / "outcomes.parquet"
    feeds.truth.write_parquet(paths["truth"])
    feeds.outcomes.write_parquet(paths["outcomes"])
    if feeds.links is not None:
        paths["links"] = out / "links.parquet"
        feeds.links.write_parquet(paths["links"])
    return paths
