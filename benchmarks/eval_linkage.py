"""Linkage against the synthetic county's ground truth: precision, recall and F1, overall and
for records without an ID number, with two baselines measured in the same run.

    python benchmarks/eval_linkage.py [--persons 1000000] [--records 200000] [--seed 1]
        [--generator synth|independent|both] [--noise-profile default|harsh] [--shipped-only]
    python benchmarks/eval_linkage.py --save-model src/minsheng/linkage/data/linkage_model.json --seed 2 \\
        --persons 100000 --records 40000 --noise-profile mix

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

Issue 11 §1 adds a second generator, `independent_county` (its own names, households and
noise; nothing from `minsheng.synth`), and the harsh noise profile of an outside tester
(`--noise-profile harsh`). Scores are also given over (a) all records, (b) records with an
ID number or a birth date, (c) records without an ID number (and those of them with a birth
date), (d) records with neither, which must never be linked automatically; and the wrong
links made on records that carry another person's valid ID number. With `--generator both`
the two generators are printed side by side, next to the figures saved before the issue's
changes (benchmarks/results/linkage_baseline_issue11.json: "old") when the run matches.
`--shipped-only` scores the shipped model alone (no training, no blocking counts): how the one
model behaves at registry sizes other than the one it was trained at, at a fraction of the cost.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path
from typing import Any

from child import run_in_child

MEAN_HOUSEHOLD_SIZE = 2.62
TARGET_F1, TARGET_F1_NO_ID = 0.99, 0.95
# Issue 11 §1, over records with an ID number or a birth date, on both generators.
TARGET_P_ISSUE11, TARGET_F1_ISSUE11, TARGET_F1_NO_ID_ISSUE11 = 0.999, 0.995, 0.993
BASELINE = Path(__file__).parent / "results" / "linkage_baseline_issue11.json"
GENERATORS = ("synth", "independent")


def frames(generator: str, persons: int, records: int, seed: int, profile: str = "default") -> tuple[Any, Any, Any]:
    """(registry, feed, truth) from the named generator and noise profile."""
    if generator == "independent":
        import independent_county

        return independent_county.frames(persons, records, seed, profile)
    return synthetic(persons, records, seed, profile=profile)


def synthetic(
    persons: int, records: int, seed: int, routine: float = 0.33, profile: str = "default"
) -> tuple[Any, Any, Any]:
    """(registry, feed, truth): registry persons with their residence, noisy feed records
    with a `feed_key`, and the true person of each feed record (null: not registered)."""
    import datetime as dt

    import polars as pl

    from minsheng.demo.local_params import demo_parameters
    from minsheng.synth import SynthConfig, generate
    from minsheng.synth.feeds import FeedConfig, generate_feeds
    from minsheng.synth.feeds_noise import NoiseConfig

    households = round(persons / MEAN_HOUSEHOLD_SIZE)  # the demo county, with its own local values:
    pop = generate(SynthConfig(county="110105", households=households, seed=seed), params=demo_parameters())
    config = FeedConfig(
        start=dt.date(2025, 7, 1),
        seed=seed,
        routine_records_per_person=routine,
        noise=NoiseConfig.profile(profile, seed),
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


# Name-error labels of both generators' truth (synth.feeds_noise.NAME_OPS and independent_county's).
NAME_OPS = ("homophone", "near_homophone", "look_alike", "drop_char", "extra_char", "other_char")


def presence(feed: Any) -> Any:
    """Per feed record: `no_id` (no ID number), `no_dob` (no birth date)."""
    import polars as pl

    return feed.select(
        "feed_key", pl.col("id_number").is_null().alias("no_id"), pl.col("birth_date").is_null().alias("no_dob")
    )


def scores(result: Any, truth: Any, no_id: Any) -> dict[str, dict[str, float]]:
    """Precision, recall and F1 over all records, those without an ID number, those with a
    name error, and those with both; and issue 11's subsets: with an ID number or a birth
    date (`id_or_dob`), without an ID number but with a birth date (`no_id_dob`), with
    neither (`neither`), and carrying another person's valid ID number (`id_other`, whose
    `wrong` counts links to anyone but the true person). `no_id` is `presence(feed)`."""
    import polars as pl

    found = result.select("feed_key", "status", "person_id").rename({"person_id": "linked"})
    joined = truth.join(found, on="feed_key", how="left")
    joined = joined.join(no_id, on="feed_key")
    if "no_dob" not in joined.columns:
        joined = joined.with_columns(pl.lit(False).alias("no_dob"))
    name_noise = pl.col("noise").str.contains("|".join(NAME_OPS))
    subsets = {
        "all": joined,
        "no_id": joined.filter("no_id"),
        "name_noise": joined.filter(name_noise),
        "name_noise_no_id": joined.filter(name_noise & pl.col("no_id")),
        "id_or_dob": joined.filter(~(pl.col("no_id") & pl.col("no_dob"))),
        "no_id_dob": joined.filter(pl.col("no_id") & ~pl.col("no_dob")),
        "neither": joined.filter(pl.col("no_id") & pl.col("no_dob")),
        "id_other": joined.filter(pl.col("noise").str.contains("id_other_person")),
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
            "wrong": links.height - correct,
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


def _child(
    persons: int,
    records: int,
    seed: int,
    generator: str = "synth",
    profile: str = "default",
    shipped_only: bool = False,
) -> dict[str, Any]:
    import polars as pl

    from minsheng.linkage.exact import exact_links
    from minsheng.linkage.features import prepare
    from minsheng.linkage.model import LinkModel, default_model_path, train
    from minsheng.linkage.pipeline import link_records

    start = time.perf_counter()
    registry, feed, truth = frames(generator, persons, records, seed, profile)
    no_id = presence(feed)
    left, right = prepare(feed, "feed_key"), prepare(registry, "person_id")
    out: dict[str, Any] = {
        "generator": generator,
        "profile": profile,
        "seed": seed,
        "persons": registry.height,
        "records": feed.height,
        "synth_seconds": time.perf_counter() - start,
    }

    exact = exact_links(left, right).rename({"unique_id": "feed_key"}).with_columns(pl.lit("linked").alias("status"))
    out["exact"] = scores(exact, truth, no_id)

    models = {}
    for name, baseline in () if shipped_only else (("baseline", True), ("minsheng", False)):
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
    for name, baseline in () if shipped_only else (("baseline", True), ("minsheng", False)):
        out[f"{name}_blocking"] = blocking(registry, feed, truth, baseline)
    out["seconds"] = time.perf_counter() - start
    out["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return out


def _train(persons: int, records: int, seed: int, path: str, profile: str = "default") -> str:
    """Train the minsheng model on a synthetic county and save it (the package default).
    `profile` "mix": half the records under the default noise, half under the harsh one (the
    same county), so the shipped model has seen departments that give townships and ones that
    give only the county code."""
    import polars as pl

    from minsheng.linkage.features import prepare
    from minsheng.linkage.model import train

    parts = []
    for part in ("default", "harsh") if profile == "mix" else (profile,):
        registry, feed, _truth = synthetic(persons, records if profile != "mix" else records // 2, seed, profile=part)
        parts.append(feed.with_columns(pl.format("{}:{}", pl.lit(part), "feed_key").alias("feed_key")))
    feed = pl.concat(parts)
    start = time.perf_counter()
    model = train(prepare(feed, "feed_key"), prepare(registry, "person_id"), seed=seed)
    model.save(Path(path))
    return (
        f"trained on {feed.height:,} records ({profile} noise) × {registry.height:,} persons in "
        f"{time.perf_counter() - start:.0f} s: {path}"
    )


def report(out: dict[str, Any]) -> str:
    methods = [("exact ID only", "exact"), ("Splink, default names", "baseline"), ("minsheng", "minsheng")]
    methods = [(label, key) for label, key in methods if key in out]
    if "shipped" in out:
        methods.append(("minsheng, shipped model", "shipped"))
    lines = [
        f"Linkage ({out.get('generator', 'synth')} generator, {out.get('profile', 'default')} noise): "
        f"{out['records']:,} noisy feed records against {out['persons']:,} registry persons",
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
    lines.append(f"\nrecords without an ID number: {out['exact']['no_id']['records']:,}")
    lines.append("\nrecords with a name error (homophone, look-alike, accent, dropped, extra or wrong character):")
    lines.append("\n| method | F1 | F1 no ID | records | no ID |\n|---|---|---|---|---|")
    for label, key in methods:
        a, n = out[key]["name_noise"], out[key]["name_noise_no_id"]
        lines.append(f"| {label} | {a['f1']:.4f} | {n['f1']:.4f} | {a['records']:,} | {n['records']:,} |")
    for key in ("baseline", "minsheng"):
        if f"{key}_blocking" not in out:
            continue
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


ISSUE11_ROWS = (
    ("P, ID or birth date", "id_or_dob", "precision"),
    ("R, ID or birth date", "id_or_dob", "recall"),
    ("F1, ID or birth date", "id_or_dob", "f1"),
    ("P, no ID (with birth date)", "no_id_dob", "precision"),
    ("R, no ID (with birth date)", "no_id_dob", "recall"),
    ("F1, no ID (with birth date)", "no_id_dob", "f1"),
    ("F1, no ID (all)", "no_id", "f1"),
    ("F1, all records", "all", "f1"),
    ("links, neither ID nor date", "neither", "links"),
    ("to review, neither (true)", "neither", "review"),
    ("wrong links, other's valid ID", "id_other", "wrong"),
    ("records with other's valid ID", "id_other", "records"),
    ("records, ID or birth date", "id_or_dob", "records"),
    ("records, no ID with birth date", "no_id_dob", "records"),
    ("records, neither", "neither", "records"),
)


def run_key(generator: str, profile: str, persons: int, records: int, seed: int) -> str:
    return f"{generator}|{profile}|{persons}|{records}|{seed}"


def summary(out: dict[str, Any]) -> dict[str, Any]:
    """The issue 11 figures of one run, per method: what the baseline file keeps."""
    keys = {key for _label, key, _m in ISSUE11_ROWS}
    return {
        method: {key: out[method][key] for key in keys}
        for method in ("minsheng", "shipped", "baseline", "exact")
        if method in out
    }


def load_baseline() -> dict[str, Any]:
    return json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}


def save_baseline(runs: dict[str, dict[str, Any]], command: str) -> None:
    """Keep these runs' figures as the "old" ones (before issue 11's linkage changes)."""
    saved = load_baseline()
    for key, out in runs.items():
        saved[key] = {"command": command, **summary(out)}
    BASELINE.parent.mkdir(parents=True, exist_ok=True)
    BASELINE.write_text(json.dumps(saved, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _cell(figures: dict[str, Any] | None, key: str, metric: str) -> str:
    if figures is None or key not in figures:
        return "–"
    value = figures[key][metric]
    if metric == "review":
        return f"{value:,} ({figures[key]['review_true']:,})"
    return f"{value:.4f}" if isinstance(value, float) else f"{value:,}"


def side_by_side(runs: dict[str, dict[str, Any]], method: str = "minsheng") -> str:
    """Issue 11's figures, one old / new column pair per generator ("old": the saved baseline
    of the same generator, profile, size and seed; "–" when there is none)."""
    old = load_baseline()
    heads = [k.split("|", 1)[0] for k in runs]
    lines = [
        f"Issue 11 §1, method {method!r}: old (saved baseline) and new, per generator",
        "",
        "| figure | " + " | ".join(f"{g} old | {g} new" for g in heads) + " |",
        "|---|" + "---|---|" * len(runs),
    ]
    for label, key, metric in ISSUE11_ROWS:
        cells = []
        for run_id, out in runs.items():
            before = old.get(run_id, {}).get(method)
            cells += [_cell(before, key, metric), _cell(out[method], key, metric)]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append(
        f"\ntargets over records with an ID number or a birth date: P ≥ {TARGET_P_ISSUE11}, "
        f"F1 ≥ {TARGET_F1_ISSUE11}, F1 without an ID ≥ {TARGET_F1_NO_ID_ISSUE11}; no links on records with "
        "neither; wrong links from another person's valid ID down by 90 %"
    )
    return "\n".join(lines)


def evaluate(
    persons: int,
    records: int,
    seed: int = 1,
    generators: tuple[str, ...] = GENERATORS,
    profile: str = "harsh",
    shipped_only: bool = False,
) -> dict[str, dict[str, Any]]:
    """One fresh process per generator; run key → its figures (each report printed)."""
    runs = {}
    for generator in generators:
        out = run_in_child(_child, persons, records, seed, generator, profile, shipped_only)
        print(report(out))
        print()
        runs[run_key(generator, profile, persons, records, seed)] = out
    return runs


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
    import sys

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--generator", choices=(*GENERATORS, "both"), default=None)
    parser.add_argument(
        "--noise-profile", choices=("default", "harsh", "mix"), default=None, help="mix: --save-model only"
    )
    parser.add_argument("--save-model", default=None, help="save the trained minsheng model here (the package default)")
    parser.add_argument("--shipped-only", action="store_true", help="score the shipped model alone (no training)")
    parser.add_argument(
        "--save-baseline", action="store_true", help=f"keep this run's figures as the old ones ({BASELINE.name})"
    )
    args = parser.parse_args()
    if args.save_model:
        print(
            run_in_child(
                _train, args.persons, args.records, args.seed, args.save_model, args.noise_profile or "default"
            )
        )
    elif args.generator or args.noise_profile or args.save_baseline or args.shipped_only:
        chosen = GENERATORS if args.generator in (None, "both") else (args.generator,)
        runs = evaluate(args.persons, args.records, args.seed, chosen, args.noise_profile or "harsh", args.shipped_only)
        if not args.shipped_only:
            print(side_by_side(runs))
            print()
        print(side_by_side(runs, "shipped"))
        if args.save_baseline:
            save_baseline(runs, "python " + " ".join(sys.argv))
    else:
        from run import table

        print(table(run(args.persons, args.records, args.seed)))
