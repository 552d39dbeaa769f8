"""The linkage model's shape: comparisons built for Chinese records, and blocking rules.

Comparisons (each an ordered list of levels, first match wins; `features`
computes the columns they read):

| comparison | levels |
|---|---|
| `name` | exact · same pinyin (同音) · same shape key (形近) · same near-homophone pinyin (近音) · one character dropped, added or changed · near-homophone pinyin within two letters (Levenshtein) · surname alone agrees · else |
| `dob` | exact · day and month swapped · one digit differs · same year only · else |
| `id_number` | exact · one digit wrong · two digits transposed · differ, one check digit invalid (a mistyped number) · two valid numbers differ |
| `sex` | same · differs |
| `division` | same township (9 digits) · same county (6) · else |

Every comparison has a null level first (missing on either side: no evidence).
Only SQL both engines have built in is used (equality, `levenshtein`; no
Jaro-Winkler, which Spark gets only from a jar on its class path), so the same
comparisons run on DuckDB and on Spark. The evaluation's baseline (`baseline=True`) swaps
the name comparison for Splink's default `NameComparison` on the characters
(no pinyin, no shapes) and blocks on characters instead of pinyin keys.

Blocking rules decide which pairs are scored at all (`BLOCKING_RULES`, their
pair counts at 1,000,000 × 1,000,000 are in benchmarks/eval_linkage.py's output).
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

# (comparison, English label, Chinese label) of every non-null level, in order.
LEVELS: dict[str, tuple[tuple[str, str], ...]] = {
    "name": (
        ("exact", "姓名完全相同"),
        ("same pinyin (homophone)", "同音字（拼音相同）"),
        ("similar-looking characters", "形近字"),
        ("near-homophone (accent)", "近音字（平翘舌、前后鼻音、n/l）"),
        ("one character dropped, added or changed", "差一个字（多字、少字或错字）"),
        ("similar pinyin (two letters apart)", "拼音相近（相差两个字母以内）"),
        ("surname only", "仅姓氏相同"),
        ("different", "姓名不同"),
    ),
    "dob": (
        ("exact", "出生日期相同"),
        ("day and month swapped", "月日颠倒"),
        ("one digit differs", "差一位数字"),
        ("same year only", "仅出生年份相同"),
        ("different", "出生日期不同"),
    ),
    "id_number": (
        ("exact", "身份号码相同"),
        ("one digit wrong", "身份号码错一位"),
        ("two digits transposed", "身份号码两位颠倒"),
        ("differ, a check digit is invalid", "号码不同，校验码不符（疑为录错）"),
        ("two valid numbers differ", "两个有效号码不同"),
    ),
    "sex": (("same", "性别相同"), ("different", "性别不同")),
    "division": (
        ("same township", "同一乡镇（街道）"),
        ("same county", "同一区县"),
        ("different", "居住地不同"),
    ),
}
TITLES = {
    "name": ("姓名", "name"),
    "dob": ("出生日期", "birth date"),
    "id_number": ("身份号码", "ID number"),
    "sex": ("性别", "sex"),
    "division": ("居住地", "residence"),
    "prior": ("先验（随机两条记录为同一人的概率）", "prior (two random records are the same person)"),
}


def _labelled(name: str, levels: list[ComparisonLevelCreator], null_column: str) -> ComparisonCreator:
    labels = LEVELS[name]
    assert len(levels) == len(labels), name
    null = cll.NullLevel(null_column).configure(label_for_charts="missing")
    for level, (en, _zh) in zip(levels, labels, strict=True):
        level.configure(label_for_charts=en)
    return cl.CustomComparison([null, *levels], output_column_name=name)


def name_comparison() -> ComparisonCreator:
    return _labelled(
        "name",
        [
            cll.ExactMatchLevel("name"),
            cll.ExactMatchLevel("name_py"),
            cll.ExactMatchLevel("name_shape"),
            cll.ExactMatchLevel("name_fz"),
            cll.LevenshteinLevel("name", 1),
            cll.LevenshteinLevel("name_fz", 2),
            cll.ExactMatchLevel("surname_fz"),
            cll.ElseLevel(),
        ],
        "name",
    )


def dob_comparison() -> ComparisonCreator:
    return _labelled(
        "dob",
        [
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel("dob_swap_l = dob_r"),
            cll.LevenshteinLevel("dob", 1),
            cll.ExactMatchLevel("birth_year"),
            cll.ElseLevel(),
        ],
        "dob",
    )


def id_comparison() -> ComparisonCreator:
    # Two distinct valid numbers always differ in two places or more (MOD 11-2 catches every
    # single-digit error and every adjacent transposition), so levels 2 and 3 mean "mistyped".
    return _labelled(
        "id_number",
        [
            cll.ExactMatchLevel("id_number"),
            cll.LevenshteinLevel("id_number", 1),
            # two digits swapped: two edits apart, the same digits (sorted once per record)
            cll.CustomLevel("levenshtein(id_number_l, id_number_r) <= 2 AND id_sorted_l = id_sorted_r"),
            cll.CustomLevel("NOT (id_valid_l AND id_valid_r)"),
            cll.ElseLevel(),
        ],
        "id_number",
    )


def sex_comparison() -> ComparisonCreator:
    return _labelled("sex", [cll.ExactMatchLevel("sex"), cll.ElseLevel()], "sex")


def division_comparison() -> ComparisonCreator:
    return _labelled(
        "division", [cll.ExactMatchLevel("township"), cll.ExactMatchLevel("county"), cll.ElseLevel()], "county"
    )


def comparisons(*, baseline: bool = False) -> list[ComparisonCreator]:
    """The model's comparisons; `baseline`: Splink's default `NameComparison` on the characters
    (exact, Jaro-Winkler 0.92 / 0.88 / 0.7) instead of the Chinese name comparison."""
    name = cl.NameComparison("name") if baseline else name_comparison()
    return [name, dob_comparison(), id_comparison(), sex_comparison(), division_comparison()]


def blocking_keys(*, baseline: bool = False) -> list[tuple[str, ...]]:
    """Pairs worth scoring agree on all columns of at least one key. Each key is selective
    enough that a record meets a few candidates, not thousands, at county scale (the eval
    prints the pair counts). `baseline`: the same keys on characters instead of pinyin."""
    surname, given, name = ("surname", "given", "name") if baseline else ("surname_fz", "given_fz", "name_fz")
    keys: list[tuple[str, ...]] = [
        ("id_number",),  # a correct number
        ("id_tail",),  # birth date, sequence and check digit right: the region mistyped
        ("id14", surname),  # region and birth date right: sequence or check digit mistyped
        ("dob", surname),  # the given name mistyped, no usable number
        ("dob", given),  # the surname mistyped
        (name, "birth_year"),  # the birth date mistyped or swapped
    ]
    if not baseline:
        keys.append(("name_shape", "birth_year"))  # a look-alike character and a wrong date
    keys.append(("name", "township"))  # no number and no birth date: at best a case for review
    return keys


def blocking_rules(*, baseline: bool = False) -> list[BlockingRuleCreator]:
    return [block_on(*key) for key in blocking_keys(baseline=baseline)]


def training_rules(*, baseline: bool = False) -> list[BlockingRuleCreator]:
    """EM sessions: each estimates the m probabilities of the comparisons it does not block on."""
    return [block_on("dob"), block_on("name" if baseline else "name_fz", "birth_year"), block_on("id_number")]


def settings(
    comparison_list: list[ComparisonCreator],
    *,
    prior: float,
    baseline: bool = False,
    retain_matching: bool = False,
) -> SettingsCreator:
    """Splink settings for linking feed records to registry persons (the SQL dialect
    is the backend's, chosen when the linker is built)."""
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=list[ComparisonCreator | dict[str, Any]](comparison_list),
        blocking_rules_to_generate_predictions=list[BlockingRuleCreator | dict[str, Any]](
            blocking_rules(baseline=baseline)
        ),
        probability_two_random_records_match=prior,
        retain_matching_columns=retain_matching,
        retain_intermediate_calculation_columns=False,
    )
