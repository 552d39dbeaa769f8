"""Household types the figures are broken down by (issue 13 §1). A household may be of several.

- elderly living alone (独居老年人): one member, aged 60 or over — 老年人权益保障法 第二条
  (老年人是指六十周岁以上的公民);
- with a severely disabled member (有重度残疾成员): the engine's `severely_disabled` (一、二级残疾
  和三级智力、精神残疾, the Ministry's 2021-07-28 definition);
- with children under 16 (有16岁以下儿童): the issue's age;
- single-parent (单亲家庭): a son or daughter of the head under 16 (GB/T 4761 codes 20–27, 29,
  30–37, 39: not sons- or daughters-in-law) and no spouse of the head (10–12) in the household.
  From the relation to the head alone: a household whose children live with a grandparent as
  head is not recognised — a stated limit of the registry's data.
"""

from __future__ import annotations

import polars as pl

from minsheng.codes.enums import SPOUSE_CODES

TYPES = ("elderly_alone", "severe_disability", "children_under_16", "single_parent")
TYPE_LABELS = {
    "elderly_alone": ("独居老年人家庭", "elderly living alone"),
    "severe_disability": ("有重度残疾成员家庭", "with a severely disabled member"),
    "children_under_16": ("有16岁以下儿童家庭", "with children under 16"),
    "single_parent": ("单亲家庭", "single-parent"),
}
PERSON_OUTPUTS = ("age", "severely_disabled")  # what the baseline evaluation must keep for these
ELDERLY_AGE = 60
CHILD_AGE = 16
CHILD_OF_HEAD = frozenset({*(str(c) for c in range(20, 28)), "29", *(str(c) for c in range(30, 38)), "39"})


def household_types(evaluated: pl.DataFrame, relations: pl.DataFrame) -> pl.DataFrame:
    """household_id and one boolean column per type, from the evaluated persons (age,
    severely_disabled) and each person's relation to the head."""
    persons = evaluated.join(relations.select("person_id", "relation"), on="person_id", how="left")
    child = pl.col("age") < CHILD_AGE
    return persons.group_by("household_id").agg(
        ((pl.len() == 1) & (pl.col("age").first() >= ELDERLY_AGE)).fill_null(False).alias("elderly_alone"),
        pl.col("severely_disabled").any().fill_null(False).alias("severe_disability"),
        child.any().fill_null(False).alias("children_under_16"),
        ((child & pl.col("relation").is_in(CHILD_OF_HEAD)).any() & ~pl.col("relation").is_in(SPOUSE_CODES).any())
        .fill_null(False)
        .alias("single_parent"),
    )
