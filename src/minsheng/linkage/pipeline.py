"""Link feed records to registry persons, in memory (比对流程): the steps, in order.

    result = link_records(feed, registry, model)

`feed` has a key column (`feed_key`) and the envelope (`id_number` in clear,
`name`, `birth_date`, `sex`, `residence_division`); `registry` has
`person_id`, `household_id` and the same envelope. The steps:

1. `features`: comparison keys for both sides (`features.prepare`);
2. `exact`: a valid ID number whose name (and declared birth date) agree (`exact.exact_links`), when `exact=True`;
3. `score`: every other record scored by the model against its blocked candidates;
4. `decide`: linked / review / unmatched by the thresholds (a record with neither an ID number
   nor a birth date is never linked; the county's one person of its name and sex goes to review).

The result has one row per feed record: `feed_key`, `status` (linked, review,
unmatched), `method` (id_number, probabilistic or null), `person_id` (the link
or the proposed candidate), `match_weight`, `match_probability`, `runner_up`,
the `gamma_*` levels, `tf_name` and `tf_dob`. A failure names the step it happened in.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl

from minsheng.errors import MinshengError
from minsheng.linkage.backend import Backend
from minsheng.linkage.exact import METHOD as EXACT_METHOD
from minsheng.linkage.exact import exact_links
from minsheng.linkage.features import prepare
from minsheng.linkage.model import LinkModel
from minsheng.linkage.scoring import (
    FLOOR,
    LINKED,
    LOWER,
    MARGIN,
    REVIEW,
    UNMATCHED,
    UPPER,
    best_candidates,
    decide,
    unique_name_sex,
)

PROBABILISTIC = "probabilistic"


@contextmanager
def step(name: str, timings: dict[str, float] | None = None) -> Iterator[None]:
    """Run one named step; an unexpected failure says which step it was."""
    start = time.perf_counter()
    try:
        yield
    except MinshengError:
        raise
    except Exception as exc:
        raise MinshengError(
            f"比对步骤“{name}”失败：{exc.__class__.__name__}: {exc}",
            f"linkage step {name!r} failed: {exc.__class__.__name__}: {exc}",
        ) from exc
    finally:
        if timings is not None:
            timings[name] = time.perf_counter() - start


def link_records(
    feed: pl.DataFrame,
    registry: pl.DataFrame,
    model: LinkModel,
    *,
    backend: Backend | None = None,
    exact: bool = True,
    upper: float = UPPER,
    lower: float = LOWER,
    margin: float = MARGIN,
    timings: dict[str, float] | None = None,
) -> pl.DataFrame:
    """See the module docstring; `timings` (if given) receives each step's seconds."""
    with step("features", timings):
        left = prepare(feed, "feed_key")
        right = prepare(registry, "person_id")
    with step("exact", timings):
        none = pl.DataFrame(schema={"unique_id": pl.String, "person_id": pl.String})
        exact_pairs = exact_links(left, right) if exact else none
        rest = left.join(exact_pairs, on="unique_id", how="anti")
    with step("score", timings):
        best = best_candidates(rest, right, model, backend=backend, floor=min(FLOOR, lower - margin))
    with step("decide", timings):
        undated = rest.select("unique_id", (pl.col("id_number").is_null() & pl.col("dob").is_null()).alias("undated"))
        best = best.join(undated, on="unique_id", how="left").join(
            unique_name_sex(rest, right), on="unique_id", how="left"
        )
        decided = decide(best, upper=upper, lower=lower, margin=margin)
        probable = decided.filter(pl.col("decision") != UNMATCHED).with_columns(
            pl.col("decision").alias("status"),
            pl.when(pl.col("decision") == LINKED).then(pl.lit(PROBABILISTIC)).alias("method"),
        )
        exact_rows = exact_pairs.with_columns(pl.lit(LINKED).alias("status"), pl.lit(EXACT_METHOD).alias("method"))
        found = pl.concat([exact_rows, probable.drop("decision")], how="diagonal_relaxed")
        result = (
            left.select(pl.col("unique_id").alias("feed_key"))
            .join(found.rename({"unique_id": "feed_key"}), on="feed_key", how="left")
            .with_columns(pl.col("status").fill_null(UNMATCHED))
        )
    return result


__all__ = ["LINKED", "PROBABILISTIC", "REVIEW", "UNMATCHED", "link_records", "step"]
