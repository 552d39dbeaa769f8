"""Monitoring against the synthetic county's ground truth, reason by reason: who truly slipped
into hardship, and did an alert of that reason find them? Who truly left it, and did an exit
signal say so? Does proactive discovery list the households it should?

    python benchmarks/eval_monitoring.py [--households 30000] [--county 110105] [--seed 1]

A synthetic county (`minsheng.synth`) is written, imported into a fresh SQLite registry like a
county's files, a year of its department feeds (2025-07-01 to 2026-06-30) is ingested and
linked, and `run_monitoring` runs on the window's last day, 2026-06-30, with the shipped
parameters and the county's own values (the demo file, approved in the registry as `minsheng
demo` approves it). The synth decides its truth with the same parameters (`synth.policy`: the engine's
`dibao_standard_fen` for the county on each day, its vehicle and non-residential property
rules), so the truth and the engine use the same dibao standard. Nothing here is tuned: warning
thresholds are the shipped parameters, and every reason is measured the same way.

The truth, per household (`Feeds.outcomes` / `Feeds.truth`, see `synth.feeds_truth`):

- *eligible* means the synth's dibao test on TRUE circumstances: true monthly income (wage,
  business, property, transfer) < the standard in force that day × household size, vehicles
  ≤ `dibao.max_vehicles`, and no non-residential property unless allowed. Deposits, the
  number of homes and business capital are NOT in the synth's test, although the engine also
  tests them (see the discovery diagnosis below).
- *truly became eligible*: some event in the window turned the household from ineligible to
  eligible (`outcomes.became_eligible`); *truly became ineligible*: the reverse.
- *eligible at the end*: the test holds after the household's last event, i.e. on the
  monitoring date (`outcomes.eligible_end`).

Warnings — one row per warning reason of `minsheng.monitoring.warnings.RULES`, plus `(any)`:

- `alerted`: households with an alert of this reason at the table's severity level (first
  table: red or orange, what a caseworker acts on; second table: any, yellow "watch" included).
- An alert is *real* — hardship: the household truly became eligible in the window or is truly
  eligible at the end; exit: it truly became ineligible in the window or is truly ineligible at
  the end. `precision` = real / alerted. `precision_new` counts only households that truly
  changed in the window (an alert on a household that was eligible all year is not real there).
- `precision_band` (hardship only) also counts as real a household truly in the low-income
  band at the end: true per-capita income below the marginal multiple
  (`dibao_marginal.income_multiple`) × the standard on the monitoring date. Orange means
  "a shock to a low-income household" (`monitoring.warnings`): such a household lies above
  the dibao standard by definition, so the dibao truth alone can never call it real.
- `base_rate`: the share of the households the rule can alert (all households for hardship,
  the enrolled ones for exit) that are real: what alerting at random would score.
- `changed`: households that truly became eligible (hardship) or that were enrolled and truly
  became ineligible (exit; only the enrolled can exit) through an event this reason is meant
  to catch — the truth row whose `status_change` it is names the event (see `CAUSES`).
  `found`: of those, the households with an alert of this reason; `recall` = found / changed.
  For `(any)`: every household that truly changed, found by any alert of the direction.
  `recorded`: of the changed, those whose changing event left a department record (an
  unregistered job loss leaves none); `recall_recorded` = found among them / recorded, the
  recall a rule can reach on the feeds it is given.

Discovery — `monitoring.discovery` for dibao, on the registry (declared circumstances as
imported; the feeds update no income), judged on the monitoring date:

- `missed` (应保未保) is real when the household is truly eligible at the end and receives
  neither dibao nor tekun; `leaked` (应退未退) when it receives dibao and is truly not eligible
  at the end. `truly` counts all real ones; recall = found / truly. An *unknown* engine result
  is neither missed nor leaked (discovery counts it apart), so it is a miss here.

A diagnosis table then breaks the wrong discovery entries down by the engine's failed
conditions (leaked) or by what the household hid from its declaration (missed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

START, MONTHS, RUN_DATE = dt.date(2025, 7, 1), 12, dt.date(2026, 6, 30)
# Each warning reason, its direction and the true events it is meant to catch (synth.feeds_truth.EVENTS).
CAUSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "medical_cost": ("hardship", ("major_illness",)),
    "unemployment": ("hardship", ("job_loss", "benefit_end")),
    "earner_death": ("hardship", ("death",)),
    "severe_disability": ("hardship", ("severe_disability",)),
    "disaster_loss": ("hardship", ("disaster",)),
    "higher_education": ("hardship", ("higher_education",)),
    "elderly_alone": ("hardship", ()),  # a registry fact, not an event: no recall
    "exit_vehicle": ("exit", ("vehicle_purchase",)),
    "exit_property": ("exit", ("property_purchase", "non_residential_purchase")),
    "exit_business": ("exit", ("business_start",)),
    "exit_wage": ("exit", ("new_job", "pay_rise")),
}
ACTED_ON = ("red", "orange")


@dataclass(frozen=True)
class Run:
    alerts: pl.DataFrame  # household_id, reason, direction, severity
    discovery: pl.DataFrame  # monitoring.discovery's frame
    truth: pl.DataFrame  # feeds truth: one row per event
    outcomes: pl.DataFrame  # feeds outcomes: one row per household
    ground_truth: pl.DataFrame  # synth ground truth: one row per household
    policy: pl.DataFrame  # the dibao rules the truth was decided by
    low_income_end: pl.DataFrame  # household_id, low_income_end: truly in the low-income band on RUN_DATE


def evaluate(households: int, county: str = "110105", seed: int = 1) -> Run:
    from sqlalchemy import select

    from minsheng.bootstrap import bootstrap
    from minsheng.demo.local_params import demo_parameters, seed_local_parameters
    from minsheng.feeds.ingest import ingest_feed
    from minsheng.monitoring.run import run_monitoring
    from minsheng.monitoring.tables import ALERTS
    from minsheng.monitoring.warnings import RULES
    from minsheng.registry.importer import import_files
    from minsheng.settings import Settings
    from minsheng.synth import SynthConfig, generate, write
    from minsheng.synth.feeds import FeedConfig, generate_feeds, write_feeds

    # A new warning rule must be given its direction and causes here, not silently left out.
    assert set(RULES) == set(CAUSES), f"warning reasons changed: {sorted(set(RULES) ^ set(CAUSES))}"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        pop = generate(SynthConfig(county=county, households=households, seed=seed), params=demo_parameters(county))
        write(pop, out)
        feeds = generate_feeds(pop, FeedConfig(start=START, months=MONTHS, seed=seed))
        write_feeds(feeds, out / "feeds")
        app = bootstrap(Settings(data=out / "data"))
        import_files(app.engine, app.cipher, out / "households.csv", out / "persons.csv")
        for path in sorted((out / "feeds").glob("*.csv")):
            ingest_feed(app.engine, app.cipher, path)
        seed_local_parameters(app.engine, county, out / "data")  # the county's own values, as the demo sets them
        outcome = run_monitoring(app.engine, date=RUN_DATE)
        with app.engine.connect() as conn:
            alerts = pl.DataFrame(
                conn.execute(
                    select(ALERTS.c.household_id, ALERTS.c.reason, ALERTS.c.direction, ALERTS.c.severity)
                ).all(),
                orient="row",
                schema=["household_id", "reason", "direction", "severity"],
            )
    band = _low_income_end(pop, feeds.truth)
    return Run(alerts, outcome.discovery, feeds.truth, feeds.outcomes, pop.ground_truth, pop.policy.notes, band)


def _low_income_end(pop: Any, truth: pl.DataFrame) -> pl.DataFrame:
    """True per-capita income after each household's last event (or at the start) below the
    marginal multiple × the standard in force on RUN_DATE."""
    import numpy as np

    gt = pop.ground_truth
    last = truth.sort("event_date", "event_id").group_by("household_id").agg(pl.col("income_per_capita_after").last())
    urban = (gt.get_column("urban_rural") == "urban").to_numpy()
    standard = pop.policy.standard(urban, RUN_DATE) / 100 * pop.policy.marginal_multiple
    frame = gt.select("household_id", "true_income_per_capita").with_columns(pl.Series("line", np.asarray(standard)))
    return frame.join(last, on="household_id", how="left").select(
        "household_id",
        (pl.coalesce("income_per_capita_after", "true_income_per_capita") < pl.col("line")).alias("low_income_end"),
    )


def _ids(frame: pl.DataFrame) -> set[str]:
    return set(frame.get_column("household_id").to_list())


def warning_table(run: Run, severities: tuple[str, ...] | None) -> pl.DataFrame:
    """Precision and recall by warning reason; `severities` None means any severity."""
    o = run.outcomes.join(run.ground_truth.select("household_id", "enrolled_programme"), on="household_id")
    enrolled = pl.col("enrolled_programme") != "none"
    real = {
        "hardship": _ids(o.filter(pl.col("became_eligible") | pl.col("eligible_end"))),
        "exit": _ids(o.filter(enrolled & (pl.col("became_ineligible") | ~pl.col("eligible_end")))),
    }
    band = real["hardship"] | _ids(run.low_income_end.filter(pl.col("low_income_end")))
    new = {"hardship": _ids(o.filter(pl.col("became_eligible"))), "exit": _ids(o.filter(pl.col("became_ineligible")))}
    scope = {"hardship": o.height, "exit": o.filter(enrolled).height}
    enrolled_ids = _ids(o.filter(enrolled))
    flips = {
        "hardship": run.truth.filter(pl.col("status_change") == "became_eligible"),
        "exit": run.truth.filter(pl.col("status_change") == "became_ineligible"),
    }
    alerts = run.alerts if severities is None else run.alerts.filter(pl.col("severity").is_in(severities))
    rows = []
    for direction in ("hardship", "exit"):
        mine = alerts.filter(pl.col("direction") == direction)
        reasons = [r for r, (d, _) in CAUSES.items() if d == direction]
        for reason in [*reasons, "(any)"]:
            found = _ids(mine if reason == "(any)" else mine.filter(pl.col("reason") == reason))
            flipped = flips[direction]
            if reason != "(any)":
                causes = CAUSES[reason][1]
                flipped = flipped.filter(pl.col("event").is_in(causes)) if causes else flipped.clear()
            changed = new[direction] if reason == "(any)" else _ids(flipped)
            recorded = _ids(flipped.filter(pl.col("recorded")))
            if direction == "exit":
                changed &= enrolled_ids
                recorded &= enrolled_ids
            recorded &= changed
            rows.append(
                {
                    "direction": direction,
                    "reason": reason,
                    "alerted": len(found),
                    "real": len(found & real[direction]),
                    "precision": len(found & real[direction]) / len(found) if found else None,
                    "precision_new": len(found & new[direction]) / len(found) if found else None,
                    "precision_band": (
                        len(found & (band if direction == "hardship" else real[direction])) / len(found)
                        if found
                        else None
                    ),
                    "base_rate": len(real[direction]) / scope[direction] if scope[direction] else None,
                    "changed": len(changed),
                    "found": len(found & changed),
                    "recall": len(found & changed) / len(changed) if changed else None,
                    "recorded": len(recorded),
                    "recall_recorded": len(found & recorded) / len(recorded) if recorded else None,
                }
            )
    return pl.DataFrame(rows)


def discovery_table(run: Run) -> pl.DataFrame:
    o = run.outcomes.join(run.ground_truth.select("household_id", "enrolled_programme"), on="household_id")
    truly = {
        "missed": _ids(o.filter(pl.col("eligible_end") & (pl.col("enrolled_programme") == "none"))),
        "leaked": _ids(o.filter(~pl.col("eligible_end") & (pl.col("enrolled_programme") == "dibao"))),
    }
    scope = {
        k: o.filter(pl.col("enrolled_programme") == p).height for k, p in (("missed", "none"), ("leaked", "dibao"))
    }
    dibao = run.discovery.filter(pl.col("programme") == "dibao")
    rows = []
    for kind in ("missed", "leaked"):
        listed = _ids(dibao.filter(pl.col("kind") == kind))
        rows.append(
            {
                "kind": kind,
                "listed": len(listed),
                "real": len(listed & truly[kind]),
                "precision": len(listed & truly[kind]) / len(listed) if listed else None,
                "base_rate": len(truly[kind]) / scope[kind] if scope[kind] else None,
                "truly": len(truly[kind]),
                "found": len(listed & truly[kind]),
                "recall": len(listed & truly[kind]) / len(truly[kind]) if truly[kind] else None,
            }
        )
    return pl.DataFrame(rows)


def discovery_diagnosis(run: Run) -> pl.DataFrame:
    """Why wrong discovery entries are wrong: the engine's failed conditions for a wrong
    `leaked`; for a wrong `missed`, an enrolment in another programme, department records the
    engine applied (`observed_changes`, where discovery reports them), or what the household
    hid from its declaration."""
    o = run.outcomes.join(
        run.ground_truth.select("household_id", "enrolled_programme", "under_declared_items"), on="household_id"
    )
    listed = run.discovery.filter(pl.col("programme") == "dibao").join(o, on="household_id")
    observed = pl.col("observed_changes").fill_null("") != "" if "observed_changes" in listed.columns else pl.lit(False)
    wrong_missed = listed.filter(
        (pl.col("kind") == "missed") & ~(pl.col("eligible_end") & (pl.col("enrolled_programme") == "none"))
    ).with_columns(
        pl.when(pl.col("enrolled_programme") != "none")
        .then(pl.lit("receives ") + pl.col("enrolled_programme"))
        .when(observed)
        .then(pl.lit("engine applied department records"))
        .when(pl.col("under_declared_items") != "")
        .then(pl.lit("hid: ") + pl.col("under_declared_items"))
        .when(pl.col("eligible_start"))
        .then(pl.lit("nothing hidden; an event in the year lifted it"))
        .otherwise(pl.lit("nothing hidden"))
        .alias("why")
    )
    wrong_leaked = listed.filter((pl.col("kind") == "leaked") & pl.col("eligible_end")).with_columns(
        (pl.lit("engine failed: ") + pl.col("failed_conditions").fill_null("?")).alias("why")
    )
    both = pl.concat([wrong_missed.select("kind", "why"), wrong_leaked.select("kind", "why")])
    return both.group_by("kind", "why").len("households").sort("kind", "households", descending=[False, True])


def _print(title: str, frame: pl.DataFrame) -> None:
    print(f"\n### {title}\n")
    with pl.Config(
        tbl_rows=60,
        tbl_cols=-1,
        tbl_formatting="MARKDOWN",
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        float_precision=3,
        fmt_str_lengths=160,
        tbl_width_chars=400,
    ):
        print(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=30_000)
    parser.add_argument("--county", default="110105")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    run = evaluate(args.households, args.county, args.seed)
    standards = run.policy.filter(pl.col("parameter").str.starts_with("dibao standard"))
    print(f"\nmonitoring vs synthetic truth — county {args.county}, {args.households:,} households, seed {args.seed}")
    _print("dibao rules the truth was decided by (synth.policy)", standards.select("parameter", "group", "value"))
    _print("warnings, red and orange (acted on)", warning_table(run, ACTED_ON))
    _print("warnings, red only (likely below the standard)", warning_table(run, ("red",)))
    _print("warnings, any severity (yellow watch included)", warning_table(run, None))
    _print("proactive discovery, dibao", discovery_table(run))
    _print("wrong discovery entries, by cause", discovery_diagnosis(run))


if __name__ == "__main__":
    main()
