"""Score feed records against the registry and decide (打分与判定).

    best = best_candidates(feed_features, registry_features, model)
    decided = decide(best, upper=UPPER, lower=LOWER)

`best_candidates` scores every blocked pair with the model and keeps, per feed
record, the most likely registry person, its match weight, the runner-up's
weight and the comparison levels of the best pair. `decide` routes each record
by its best weight:

- at or above `upper`, and clearly ahead of the runner-up (by `margin` bits) → `linked`;
- at or above `lower` (or above `upper` but with a close runner-up, say a twin) → `review`;
- below `lower`, or no candidate at all → `unmatched`; but the one person of the county
  with the record's exact name and sex, nothing contradicting, → `review`;
- a record with neither an ID number nor a birth date is never linked: `review` when one
  candidate clearly stands out (as above, and ahead of the runner-up by `margin`), else `unmatched`.

Weights are in bits (log2 of the odds, prior included): `upper` = 6 means odds
of 64 to 1 (probability 0.985) that the pair is the same person; the default 4.5, about 23 to 1.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import polars as pl

from minsheng.linkage import comparisons as C
from minsheng.linkage.backend import Backend, duckdb_backend
from minsheng.linkage.model import LinkModel

# Defaults of the thresholds (settings MINSHENG_LINK_UPPER, MINSHENG_LINK_LOWER, MINSHENG_LINK_MARGIN).
# 4.5 bits: one character of the name dropped, added or mistyped with the birth date and the
# township right and no ID number scores 4.9 and is linked, not queued. Measured on two synthetic
# counties (seeds 1 and 3, 1,000,003 persons, 200,000 noisy records each): against 6.0, precision
# unchanged (0.9999 / 1.0000), recall without an ID number 0.936 → 0.966 and 0.940 → 0.971, the
# review queue halved (772 → 403, 748 → 382). A county may choose otherwise (MINSHENG_LINK_UPPER).
UPPER = 4.5  # posterior probability ≈ 0.957
LOWER = -2.0  # ≈ 0.2
MARGIN = 5.0  # the best at least 32 times as likely as the runner-up
# Pairs scoring below this are not read back. Low enough to keep a record whose only evidence is
# a name unique in its county and its sex (about −7 bits against a million persons, before the
# name's frequency), which goes to review (see `decide`).
FLOOR = -16.0
LINKED, REVIEW, UNMATCHED = "linked", "review", "unmatched"


def best_candidates(
    feed: pl.DataFrame,
    registry: pl.DataFrame,
    model: LinkModel,
    *,
    backend: Backend | None = None,
    floor: float = FLOOR,
) -> pl.DataFrame:
    """One row per feed record that has a candidate scoring at least `floor`: `unique_id`,
    `person_id`, `match_weight`, `match_probability`, `runner_up` (weight or null), the
    `gamma_<comparison>` of the best pair, `tf_name` and `tf_dob` (the name's and the birth date's
    frequency adjustments, bits) and
    `contradicts` (some comparison of the best pair counts against it)."""
    from splink import Linker

    backend = backend or duckdb_backend()
    persons = max(registry.height, 1)
    prior = 1 / persons
    # The prior and the u of the levels that fall with the registry's size (an ID number agreeing:
    # `comparisons.PER_PERSON`) from the same N, this registry's: their sum does not depend on it.
    # Matching columns on: they bring the gamma (level) columns the waterfall needs; intermediate
    # columns on: they bring each frequency adjustment (`mw_tf_adj_*`, bits).
    comparisons = model.comparisons(persons=persons)
    settings = C.settings(
        comparisons, prior=prior, baseline=model.baseline, retain_matching=True, retain_intermediate=True
    )
    linker = Linker(backend.register(feed, registry), settings, log_level=logging.WARNING)
    adjusted = [] if model.baseline else [("name", name_frequencies), ("dob", date_frequencies)]
    for column, frequencies in adjusted:
        average = next(lv.u for lv in model.levels(persons) if (lv.comparison, lv.label) == (column, "exact"))
        lookup = backend.register_table(frequencies(registry, average), f"tf_{column}")
        linker.table_management.register_term_frequency_lookup(lookup, column)
    predictions = linker.inference.predict(threshold_match_weight=floor, warning_mode="never")
    names = [c.create_output_column_name() for c in comparisons]
    gammas = [f"gamma_{c}" for c in names]
    fetched = backend.fetch(predictions)
    pairs = fetched.select(
        pl.col("unique_id_l").alias("unique_id"),
        pl.col("unique_id_r").alias("person_id"),
        "match_weight",
        "match_probability",
        *gammas,
        *(_adjustment(column, fetched.columns) for column in TF_COLUMNS),
    )
    predictions.drop_table_from_database_and_remove_from_cache()
    ranked = pairs.sort(["unique_id", "match_weight", "person_id"], descending=[False, True, False])
    best = ranked.group_by("unique_id", maintain_order=True).agg(
        pl.all().first(), pl.col("match_weight").get(1, null_on_oob=True).alias("runner_up")
    )
    weights = {(lv.comparison, lv.gamma): lv.weight for lv in model.levels(persons)}
    level_weights = [
        pl.col(f"gamma_{c}").replace_strict(
            {g: w for (name, g), w in weights.items() if name == c}, default=0.0, return_dtype=pl.Float64
        )
        for c in names
    ]
    return best.with_columns(pl.any_horizontal([w < 0 for w in level_weights]).alias("contradicts"))


# The exact levels adjusted by a value's frequency, and the column of the adjustment (bits) in
# `best_candidates`' result (0 where the pair is not at that level, or the model has none).
TF_COLUMNS = ("name", "dob")


def _adjustment(column: str, present: list[str]) -> pl.Expr:
    source = f"mw_tf_adj_{column}"
    return (pl.col(source).fill_null(0.0) if source in present else pl.lit(0.0)).round(6).alias(f"tf_{column}")


def name_frequencies(registry: pl.DataFrame, average: float) -> pl.DataFrame:
    """The frequencies the exact name level is adjusted by (`name`, `tf_name`): each name's share
    of the registry, for names it holds more than once, and never below `average` (the level's
    u, the chance that two random persons share a name). So the adjustment only ever weakens a
    name shown to be common (张伟); a name held once is no evidence of anything (in a small
    registry every name is "1 in n"). From the registry alone, not Splink's default (the union
    with the feed records being linked): those are a skewed few, and a name's weight must not
    depend on which other records happen to be linked in the same run."""
    names = registry.select("name").drop_nulls()
    counts = names.group_by("name").len().filter(pl.col("len") >= 2)
    share = (pl.col("len") / max(names.height, 1)).clip(lower_bound=average)
    return counts.select("name", share.alias("tf_name"))


def date_frequencies(registry: pl.DataFrame, average: float) -> pl.DataFrame:
    """The frequencies the exact birth-date level is adjusted by (`dob`, `tf_dob`), from the
    registry's feature frame (`features.prepare`). Registries heap birth dates (1 January, or the
    first of a month, for those who did not know the day; one date for a batch registered
    together): a date hundreds share is weak evidence, one few share strong. Each date's share is
    smoothed as if every day of a century had been seen once more, (count + 1) / (persons +
    36,525), so a date held once in a small registry is not taken for a rare one (in a registry
    of 6 every date is "1 in 6"), while a heaped date still stands out. `average` (the level's u)
    is unused: a date, unlike a name, can be rarer than the average the model was trained on."""
    del average
    dates = registry.select("dob").drop_nulls()
    share = (pl.col("len") + 1) / (dates.height + DAYS_IN_A_CENTURY)
    return dates.group_by("dob").len().select("dob", share.alias("tf_dob"))


DAYS_IN_A_CENTURY = 36_525


def unique_name_sex(feed: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """`unique_id` (feed) and `unique_person`: the one registry person of the record's county
    with its exact name and sex, where there is exactly one (feature frames)."""
    key = ["name", "sex", "county"]
    single = (
        registry.drop_nulls(key)
        .group_by(key)
        .agg(pl.col("unique_id").first().alias("unique_person"), pl.len().alias("_n"))
        .filter(pl.col("_n") == 1)
        .drop("_n")
    )
    return feed.select("unique_id", *key).join(single, on=key, how="inner").select("unique_id", "unique_person")


def decide(best: pl.DataFrame, *, upper: float = UPPER, lower: float = LOWER, margin: float = MARGIN) -> pl.DataFrame:
    """`best` with a `decision` column: linked / review / unmatched (see the module docstring).
    Optional columns: `undated` (the record has neither an ID number nor a birth date),
    `unique_person` (see `unique_name_sex`) and `contradicts` (see `best_candidates`)."""

    def optional(name: str, default: Any) -> pl.Expr:
        return pl.col(name) if name in best.columns else pl.lit(default)

    weight = pl.col("match_weight")
    clear = pl.col("runner_up").is_null() | (weight - pl.col("runner_up") >= margin)
    undated = optional("undated", False).fill_null(False)
    # The one person of the county with the record's name and sex, nothing contradicting: a
    # caseworker can confirm it, so it is queued rather than left unmatched (issue 11).
    unique = (
        (pl.col("unique_person") == pl.col("person_id")).fill_null(False)
        & ~optional("contradicts", False).fill_null(False)
        if "unique_person" in best.columns
        else pl.lit(False)
    )
    worth_review = (weight >= lower) | unique
    decision = (
        # Neither an ID number nor a birth date: a name and a place never link on their own;
        # a candidate that clearly stands out waits for a caseworker.
        pl.when(undated)
        .then(pl.when(clear & worth_review).then(pl.lit(REVIEW)).otherwise(pl.lit(UNMATCHED)))
        .when(weight >= upper)
        .then(pl.when(clear).then(pl.lit(LINKED)).otherwise(pl.lit(REVIEW)))
        .when(worth_review)
        .then(pl.lit(REVIEW))
        .otherwise(pl.lit(UNMATCHED))
    )
    return best.with_columns(decision.alias("decision"))


def waterfall(model: LinkModel, row: dict[str, Any]) -> list[dict[str, Any]]:
    """Why a pair scored what it did: the prior, then each comparison's level and weight
    (they add up to the pair's match weight). `row` holds the `gamma_<comparison>` values and,
    from `best_candidates`, `tf_name` and `tf_dob` (how common the name and the date are, in bits);
    `prior` (optional): 1 / the registry's size, which also sizes the u of `comparisons.PER_PERSON`
    as `best_candidates` did (without it, the levels' weights are as trained)."""
    prior = row.get("prior")
    persons = round(1 / prior) if prior else None
    levels = {(lv.comparison, lv.gamma): lv for lv in model.levels(persons)}
    steps: list[dict[str, Any]] = []
    if prior is not None:
        zh, en = C.TITLES["prior"]
        steps.append(
            {
                "comparison": "prior",
                "title": en,
                "title_zh": zh,
                "level": None,
                "label": "",
                "label_zh": "",
                "weight": math.log2(prior / (1 - prior)),
            }
        )
    for key, value in row.items():
        if key in ("tf_name", "tf_dob"):
            if not value:
                continue
            zh, en = C.TITLES[key]
            steps.append(
                {
                    "comparison": key,
                    "title": en,
                    "title_zh": zh,
                    "level": None,
                    "label": "",
                    "label_zh": "",
                    "weight": round(float(value), 4),
                }
            )
            continue
        if not key.startswith("gamma_") or value is None:
            continue
        name = key.removeprefix("gamma_")
        lv = levels[(name, int(value))]
        zh, en = C.TITLES.get(name, (name, name))
        steps.append(
            {
                "comparison": name,
                "title": en,
                "title_zh": zh,
                "level": int(value),
                "label": lv.label,
                "label_zh": lv.label_zh,
                "weight": round(lv.weight, 4),
            }
        )
    return steps


def waterfall_json(model: LinkModel, row: dict[str, Any]) -> str:
    return json.dumps(waterfall(model, row), ensure_ascii=False)


def explain(
    model: LinkModel, feed_record: dict[str, Any], person: dict[str, Any], *, registry_size: int = 1_000_000
) -> dict[str, Any]:
    """Score one feed record against one registry person, blocked or not: `match_weight`,
    `match_probability` and the `waterfall` (as stored with a review candidate). Both are
    dicts with `name`, `birth_date`, `sex`, `id_number` (clear) and `residence_division`;
    `registry_size` sets the prior and sizes the ID number's levels (`best_candidates`); the name's
    frequency is not known from one pair, so its adjustment is left out. For 章伟 against 张伟, say, the name step of the waterfall
    reads "same pinyin (homophone)" / 同音字（拼音相同）.
    """
    from splink import Linker

    from minsheng.linkage.features import prepare

    frames = [
        prepare(pl.DataFrame([{**record, "key": key}], schema_overrides=_ENVELOPE_TYPES), "key")
        for record, key in ((feed_record, "feed"), (person, "person"))
    ]
    backend = duckdb_backend(threads=1)
    prior = 1 / registry_size
    # One pair gives no name frequencies: the exact name level is scored unadjusted. The ID
    # number's levels are sized to `registry_size`, as the prior is (see `best_candidates`).
    comparisons = model.comparisons(term_frequencies=False, persons=registry_size)
    settings = C.settings(comparisons, prior=prior, baseline=model.baseline, retain_matching=True)
    linker = Linker(backend.register(*frames), settings, log_level=logging.WARNING)
    left, right = (frame.to_dicts()[0] for frame in frames)
    row = backend.fetch(linker.inference.score_pair(left, right)).to_dicts()[0]
    gammas = {k: v for k, v in row.items() if k.startswith("gamma_")}
    return {
        "match_weight": row["match_weight"],
        "match_probability": row["match_probability"],
        "waterfall": waterfall(model, {"prior": prior, **gammas}),
    }


_ENVELOPE_TYPES: dict[str, Any] = {
    "name": pl.String,
    "birth_date": pl.String,
    "sex": pl.String,
    "id_number": pl.String,
    "residence_division": pl.String,
}
