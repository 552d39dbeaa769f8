"""Linkage against the synthetic county's ground truth: precision, recall and F1, overall and
for records without an ID number, with two baselines measured in the same run.

    python benchmarks/eval_linkage.py [--persons 1000000] [--records 200000] [--seed 1]
    python benchmarks/eval_linkage.py --save-model src/minsheng/linkage/data/linkage_model.json --seed 2

A synthetic county of `--persons` is generated with a year of department feeds passed
through the noise model (`synth.feeds_noise`, its default rates: homophones, look-alike
characters, dropped or extra characters, wrong or transposed ID digits, other persons' ID
numbers, missing IDs and dates, swapped days and months, date formats, moved residences, 2%
of records about persons the registry does not hold); `--records` of them are drawn at
random. Each method links them to the registry and is scored per feed record:

- a record's link is *correct* when it names the record's true person; precision = correct /
  links made; recall = correct / records whose person is in the registry; F1 their harmonic
  mean. A record sent to review is not a link (it counts against recall);
- `exact ID only`: the exact pass alone (valid ID number, name and birth date agree);
- `Splink, default names`: the exact pass, then Splink with its default `NameComparison`
  (characters: exact, Jaro-Winkler) and blocking on characters, no pinyin, no shapes; the
  other comparisons, the training and the thresholds are minsheng's;
- `minsheng`: the exact pass, then the Chinese comparisons (`linkage.comparisons`).

Both Splink models are trained here, unsupervised (EM, u from random pairs), on the drawn
records and the registry: no labels are used, as a county would train on its own data. The
model shipped with the package (trained on another seed, `--save-model`) is scored too.
Blocking: the pairs each rule adds at this scale and the share of true pairs any rule
reaches (pair completeness). `run()` returns the rows benchmarks/run.py prints.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path
from typing import Any

from child import run_in_child

MEAN_HOUSEHOLD_SIZE = 2.62
TARGET_F1, TARGET_F1_NO_ID = 0.99, 0.95


def synthetic(persons: int, records: int, seed: int, routine: float = 0.33) -> tuple[Any, Any, Any]:
    """(registry, feed, truth): registry persons with their residence, noisy feed records
    with a `feed_key`, and the true person of each feed record (null: not registered)."""
    import datetime as dt

    import polars as pl

    from minsheng.synth import SynthConfig, generate
    from minsheng.synth.feeds import FeedConfig, generate_feeds
    from minsheng.synth.feeds_noise import NoiseConfig

    pop = generate(SynthConfig(county="110105", households=round(persons / MEAN_HOUSEHOLD_SIZE), seed=seed))
    config = FeedConfig(
        start=dt.date(2025, 7, 1), seed=seed, routine_records_per_person=routine, noise=NoiseConfig(seed=seed)
    )
    feeds = generate_feeds(pop, config)
    registry = pop.persons.select(
        "person_id", "household_id", "id_number", "name", "birth_date", pl.col("sex").cast(pl.String)
    ).join(pop.households.select("household_id", "residence_division"), on="household_id")
    envelope = ["id_number", "name", "birth_date", "sex", "residence_division"]
    feed = pl.concat([f.select("source", "record_id", *envelope) for f in feeds.records.values()])
    assert feeds.links is not None
    truth = feeds.links.select(pl.format("{}:{}", "source", "record_id").alias("feed_key"), "person_id", "noise")
    feed = feed.select(pl.format("{}:{}", "source", "record_id").alias("feed_key"), *envelope)
    if records < feed.height:
        feed = feed.sample(records, seed=seed)
    return registry, feed, truth.join(feed.select("feed_key"), on="feed_key")


def scores(result: Any, truth: Any, no_id: Any) -> dict[str, dict[str, float]]:
    """Precision, recall and F1 over all records, those without an ID number, those with a
    name error, and those with both."""
    import polars as pl

    from minsheng.synth.feeds_noise import NAME_OPS

    found = result.select("feed_key", "status", "person_id").rename({"person_id": "linked"})
    joined = truth.join(found, on="feed_key", how="left")
    joined = joined.join(no_id, on="feed_key")
    name_noise = pl.col("noise").str.contains("|".join(NAME_OPS))
    subsets = {
        "all": joined,
        "no_id": joined.filter("no_id"),
        "name_noise": joined.filter(name_noise),
        "name_noise_no_id": joined.filter(name_noise & pl.col("no_id")),
    }
    out = {}
    for label, part in subsets.items():
        links = part.filter(pl.col("status") == "linked")
        correct = links.filter(pl.col("linked") == pl.col("person_id")).height
        positives = part.filter(pl.col("person_id").is_not_null()).height
        precision = correct / links.height if links.height else 0.0
        recall = correct / positives if positives else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        review = part.filter(pl.col("status") == "review")
        out[label] = {
            "records": part.height,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "links": links.height,
            "review": review.height,
            "review_true": review.filter(pl.col("linked") == pl.col("person_id")).height,
        }
    return out


def blocking(registry: Any, feed: Any, truth: Any, baseline: bool) -> dict[str, Any]:
    """Pairs added by each rule (exact counts) and pair completeness."""
    import logging

    import polars as pl
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    from minsheng.linkage import comparisons as C
    from minsheng.linkage.backend import duckdb_backend
    from minsheng.linkage.features import prepare

    logging.getLogger("splink").setLevel(logging.WARNING)
    left, right = prepare(feed, "feed_key"), prepare(registry, "person_id")
    frames = duckdb_backend().register(left, right)
    rules = C.blocking_rules(baseline=baseline)
    counts = count_comparisons_from_blocking_rules(
        frames, blocking_rules=rules, link_type="link_only", record_sample_proportion=1.0
    )
    pairs = (
        truth.filter(pl.col("person_id").is_not_null())
        .join(left.rename(lambda c: f"{c}_l"), left_on="feed_key", right_on="unique_id_l")
        .join(right.rename(lambda c: f"{c}_r"), left_on="person_id", right_on="unique_id_r")
    )
    reached = pl.lit(False)
    for key in C.blocking_keys(baseline=baseline):
        reached = reached | pl.all_horizontal([pl.col(f"{c}_l") == pl.col(f"{c}_r") for c in key]).fill_null(False)
    completeness = pairs.select(reached.mean()).item()
    return {
        "rules": [(c["blocking_rule"], c["marginal_comparison_count"]) for c in counts],
        "pairs": counts[-1]["cumulative_comparison_count"],
        "completeness": completeness,
    }


def _child(persons: int, records: int, seed: int) -> dict[str, Any]:
    import polars as pl

    from minsheng.linkage.exact import exact_links
    from minsheng.linkage.features import prepare
    from minsheng.linkage.model import LinkModel, default_model_path, train
    from minsheng.linkage.pipeline import link_records

    start = time.perf_counter()
    registry, feed, truth = synthetic(persons, records, seed)
    no_id = feed.select("feed_key", pl.col("id_number").is_null().alias("no_id"))
    left, right = prepare(feed, "feed_key"), prepare(registry, "person_id")
    out: dict[str, Any] = {
        "persons": registry.height,
        "records": feed.height,
        "synth_seconds": time.perf_counter() - start,
    }

    exact = exact_links(left, right).rename({"unique_id": "feed_key"}).with_columns(pl.lit("linked").alias("status"))
    out["exact"] = scores(exact, truth, no_id)

    models = {}
    for name, baseline in (("baseline", True), ("minsheng", False)):
        t = time.perf_counter()
        models[name] = train(left, right, baseline=baseline, seed=seed)
        out[f"{name}_train_seconds"] = time.perf_counter() - t
    if default_model_path().exists():
        models["shipped"] = LinkModel.load(default_model_path())
    for name, model in models.items():
        timings: dict[str, float] = {}
        t = time.perf_counter()
        result = link_records(feed, registry, model, timings=timings)
        out[f"{name}_link_seconds"] = time.perf_counter() - t
        out[f"{name}_steps"] = timings
        out[name] = scores(result, truth, no_id)
    for name, baseline in (("baseline", True), ("minsheng", False)):
        out[f"{name}_blocking"] = blocking(registry, feed, truth, baseline)
    out["seconds"] = time.perf_counter() - start
    out["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return out


def _train(persons: int, records: int, seed: int, path: str) -> str:
    """Train the minsheng model on a synthetic county and save it (the package default)."""
    from minsheng.linkage.features import prepare
    from minsheng.linkage.model import train

    registry, feed, _truth = synthetic(persons, records, seed)
    start = time.perf_counter()
    model = train(prepare(feed, "feed_key"), prepare(registry, "person_id"), seed=seed)
    model.save(Path(path))
    return f"trained on {feed.height:,} records × {registry.height:,} persons in {time.perf_counter() - start:.0f} s: {path}"


def report(out: dict[str, Any]) -> str:
    methods = [("exact ID only", "exact"), ("Splink, default names", "baseline"), ("minsheng", "minsheng")]
    if "shipped" in out:
        methods.append(("minsheng, shipped model", "shipped"))
    lines = [
        f"Linkage: {out['records']:,} noisy feed records against {out['persons']:,} registry persons",
        "",
        "| method | P | R | F1 | P no ID | R no ID | F1 no ID | to review (true) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, key in methods:
        a, n = out[key]["all"], out[key]["no_id"]
        lines.append(
            f"| {label} | {a['precision']:.4f} | {a['recall']:.4f} | {a['f1']:.4f} | {n['precision']:.4f} | "
            f"{n['recall']:.4f} | {n['f1']:.4f} | {a['review']:,} ({a['review_true']:,}) |"
        )
    lines.append(f"\nrecords without an ID number: {out['minsheng']['no_id']['records']:,}")
    lines.append("\nrecords with a name error (homophone, look-alike, accent, dropped, extra or wrong character):")
    lines.append("\n| method | F1 | F1 no ID | records | no ID |\n|---|---|---|---|---|")
    for label, key in methods:
        a, n = out[key]["name_noise"], out[key]["name_noise_no_id"]
        lines.append(f"| {label} | {a['f1']:.4f} | {n['f1']:.4f} | {a['records']:,} | {n['records']:,} |")
    for key in ("baseline", "minsheng"):
        block = out[f"{key}_blocking"]
        lines.append(f"\nblocking ({key}): {block['pairs']:,} pairs, pair completeness {block['completeness']:.5f}")
        lines.extend(f"  {count:>12,}  {rule}" for rule, count in block["rules"])
    for key in ("baseline", "minsheng", "shipped"):
        if f"{key}_link_seconds" in out:
            steps = ", ".join(f"{k} {v:.1f} s" for k, v in out[f"{key}_steps"].items())
            train_s = out.get(f"{key}_train_seconds")
            trained = f"train {train_s:.0f} s, " if train_s else ""
            lines.append(f"{key}: {trained}link {out[f'{key}_link_seconds']:.1f} s ({steps})")
    return "\n".join(lines)


def run(persons: int = 1_000_000, records: int = 200_000, seed: int = 1) -> list[dict[str, Any]]:
    """The evaluation in a fresh process; two rows for benchmarks/run.py (F1 overall, F1 without an ID)."""
    out = run_in_child(_child, persons, records, seed)
    print(report(out))
    peak_gb = out["peak_kb"] / 1024**2
    ours, base, exact = out["minsheng"], out["baseline"], out["exact"]
    return [
        {
            "what": f"linkage F1 {ours['all']['f1']:.4f} ({records:,} records; exact-only "
            f"{exact['all']['f1']:.4f}, Splink default names {base['all']['f1']:.4f})",
            "seconds": out["seconds"],
            "peak_gb": peak_gb,
            "target": f"F1 ≥ {TARGET_F1}",
            "ok": ours["all"]["f1"] >= TARGET_F1,
        },
        {
            "what": f"linkage F1 without ID {ours['no_id']['f1']:.4f} ({ours['no_id']['records']:,} records; "
            f"Splink default names {base['no_id']['f1']:.4f})",
            "seconds": out["seconds"],
            "peak_gb": peak_gb,
            "target": f"F1 ≥ {TARGET_F1_NO_ID}",
            "ok": ours["no_id"]["f1"] >= TARGET_F1_NO_ID,
        },
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save-model", default=None, help="save the trained minsheng model here (the package default)")
    args = parser.parse_args()
    if args.save_model:
        print(run_in_child(_train, args.persons, args.records, args.seed, args.save_model))
    else:
        from run import table

        print(table(run(args.persons, args.records, args.seed)))
