"""The exact pass (精确比对): a valid ID number whose name and birth date agree.

The same rule as `feeds.linking.ExactIdLinker` (which applies it in the store,
on the ID number's blind index), here on feature frames: a feed record links
to the registry person with its ID number when the number is valid and both
the name and the birth date agree. A birth date read from the number itself
(`dob_derived`) agrees with the number by construction, so it checks nothing:
the name must agree in any case, and the date only when it was declared. A
valid number with a different name or declared birth date is not trusted (the department may hold someone else's number, or
have mistyped the name); those records, and the ones without a number, are
left to the probabilistic pass.

>>> feed = pl.DataFrame({"unique_id": ["f1"], "id_number": ["11010519491231002X"], "id_valid": [True],
...                      "name": ["王秀英"], "dob": ["19491231"], "dob_derived": [False]})
>>> registry = feed.with_columns(pl.lit("p1").alias("unique_id"))
>>> exact_links(feed, registry).rows()
[('f1', 'p1')]
"""

from __future__ import annotations

import polars as pl

METHOD = "id_number"  # link_method of the exact pass (as `feeds.linking.ExactIdLinker` records it)


def exact_links(feed: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """`unique_id` (feed) and `person_id` of every exact link."""
    people = registry.filter(pl.col("id_number").is_not_null()).select(
        pl.col("unique_id").alias("person_id"), "id_number", pl.col("name").alias("_name"), pl.col("dob").alias("_dob")
    )
    return (
        feed.filter(pl.col("id_valid"))
        .join(people, on="id_number", how="inner")
        .filter(
            (pl.col("name") == pl.col("_name")) & (pl.col("dob_derived") | pl.col("dob").eq_missing(pl.col("_dob")))
        )
        .select("unique_id", "person_id")
    )
