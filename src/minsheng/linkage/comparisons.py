"""The linkage model's shape: comparisons built for Chinese records, and blocking rules.

Comparisons (each an ordered list of levels, first match wins; `features`
computes the columns they read):

| comparison | levels |
|---|---|
| `name` | exact (term-frequency adjusted: 张伟 is weak evidence) · same pinyin on some reading of every character (同音, 多音字 included) · same shape key (形近) · same near-homophone pinyin (近音) · one character dropped or added (two or more kept) · one character of three or more changed · one character changed (a two-character name) · near-homophone pinyin within two letters (Levenshtein) · surname alone agrees · else |
| `dob` | exact (term-frequency adjusted: a heaped date, 1 January say, is weak evidence) · day and month swapped · one digit differs · same year only · else (no evidence when the feed record's date was read from its ID number and both ID numbers are compared) |
| `id_number` | exact · one digit wrong · two digits transposed · differ, one check digit invalid (a mistyped number) · two valid numbers differ |
| `sex` | same · differs |
| `division` | same township · same county, the finest level both have · same county, different township · different county |

Every comparison has a null level first (missing on either side: no evidence).
Only SQL both engines have built in is used (equality, `levenshtein`, array
intersection; no Jaro-Winkler, which Spark gets only from a jar on its class path), so the same
comparisons run on DuckDB and on Spark. The evaluation's baseline (`baseline=True`) swaps
the name comparison for Splink's default `NameComparison` on the characters
(no pinyin, no shapes) and blocks on characters instead of pinyin keys.

Blocking rules decide which pairs are scored at all (`BLOCKING_RULES`, their
pair counts at 1,000,000 × 1,000,000 are in benchmarks/eval_linkage.py's output).
"""

from __future__ import annotations

from typing import Any

import polars as pl
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

# (comparison, English label, Chinese label) of every non-null level, in order.
LEVELS: dict[str, tuple[tuple[str, str], ...]] = {
    "name": (
        ("exact", "姓名完全相同"),
        ("same pinyin (homophone)", "同音字（拼音相同，含多音字）"),
        ("similar-looking characters", "形近字"),
        ("near-homophone (accent)", "近音字（平翘舌、前后鼻音、n/l）"),
        ("one character dropped or added", "多一个字或少一个字"),
        ("one of three characters changed", "三字以上姓名错一个字"),
        ("one character changed", "差一个字（两字姓名错一个字）"),
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
        ("same county", "同一区县（一方无乡镇）"),
        ("same county, different township", "同一区县、不同乡镇"),
        ("different county", "不同区县"),
    ),
}
# The levels that say two records agree outright: never evidence against a link (weight ≥ 0).
AGREEMENT = {
    ("name", "exact"),
    ("dob", "exact"),
    ("id_number", "exact"),
    ("sex", "same"),
    ("division", "same township"),
    ("division", "same county"),
}
# The levels that say two records disagree. Whatever training estimates, such a level never
# counts for a link (`model.LinkModel.levels` caps its weight at 0): trained on one county, EM
# once made "same county" the negative level and "different" the neutral one (issue 11).
DISAGREEMENT = {
    ("name", "different"),
    ("dob", "different"),
    ("id_number", "two valid numbers differ"),
    ("sex", "different"),
    ("division", "same county, different township"),
    ("division", "different county"),
}
# The levels two different persons reach only through one particular other person, so that their
# chance among different persons (u) is about k/N in a registry of N, like the prior's 1/N: trained
# against N₀ persons, their u is rescaled by N₀/N when a registry of N is linked
# (`model.LinkModel.levels`), so the evidence they give net of the prior is the same at 20,000
# persons as at 1,000,000. Splink estimates u from random feed × registry pairs, one in N₀ of
# which is the same person; for these levels that share is most of what the sample saw, and it is
# ~1/N₀ too.
PER_PERSON = {
    # Two persons' valid numbers never agree. A record agrees exactly with someone else's number
    # only when it carries that person's number (a relative's, the next row's: "id_other_person" in
    # both generators' noise), and that number names one person of N: u ≈ (share of records
    # carrying another registered person's number) / N. In the shipped model u = 9.5e-6 ≈ m / N₀:
    # the sample's own matches, so an exact number alone is worth about the prior (0 bits net, odds
    # 1 to 1) at every size; the name and the rest decide, as they must when numbers get borrowed.
    ("id_number", "exact"),
    # A mistyped number (MOD 11-2: never another valid one) one digit from someone else's: that
    # person's number carried and mistyped (one person of N), or the record's own number mistyped
    # next to a neighbour's born the same day in the same township (a chance that does not fall
    # with N, but needs two sequence numbers a digit apart). The shipped model's u = 4.9e-7 is
    # 2 or 3 of 5,000,000 random pairs, as many as its own person's mistyped numbers alone give
    # (m / N₀ = 2.8e-7): what was measured is ~1/N₀.
    ("id_number", "one digit wrong"),
    # As the level above, a transposition in place of a substitution; never seen among random
    # pairs, its u is the comparison's floor, half the level above's.
    ("id_number", "two digits transposed"),
}
# Not rescaled, their u does not fall with N: an exact name, Σp² over the shares p of names (and each
# exact name is adjusted by its frequency in the registry being linked, `scoring.name_frequencies`);
# the other name levels, by how names are written and sound; an exact birth date, ≈ 1/36,525 spread
# by heaping (adjusted by the linked registry's frequencies, `scoring.date_frequencies`), and the
# other date levels by the calendar; a mistyped number with no close match, the share of mistyped
# numbers; two valid numbers differ, ≈ 1; sex, ½; residence, the townships' and counties' shares.
TITLES = {
    "name": ("姓名", "name"),
    "dob": ("出生日期", "birth date"),
    "id_number": ("身份号码", "ID number"),
    "sex": ("性别", "sex"),
    "division": ("居住地", "residence"),
    "tf_name": ("姓名常见程度（常见姓名证据较弱）", "how common the name is (a common name is weaker evidence)"),
    "tf_dob": (
        "出生日期常见程度（扎堆的日期证据较弱）",
        "how common the birth date is (a heaped date is weaker evidence)",
    ),
    "prior": ("先验（随机两条记录为同一人的概率）", "prior (two random records are the same person)"),
}


def _labelled(name: str, levels: list[ComparisonLevelCreator], null: str | ComparisonLevelCreator) -> ComparisonCreator:
    """A comparison with its labels; `null`: the column whose absence on either side is no
    evidence, or the null level itself."""
    labels = LEVELS[name]
    assert len(levels) == len(labels), name
    null = (cll.NullLevel(null) if isinstance(null, str) else null).configure(label_for_charts="missing")
    for level, (en, _zh) in zip(levels, labels, strict=True):
        level.configure(label_for_charts=en)
    return cl.CustomComparison([null, *levels], output_column_name=name)


_ONE_EDIT = "levenshtein(name_l, name_r) = 1"
_LEN_L, _LEN_R = "length(name_l)", "length(name_r)"


def name_comparison(*, term_frequencies: bool = True) -> ComparisonCreator:
    """`term_frequencies`: adjust the exact level by the name's frequency (off only where there are
    no frequencies to read, as when one pair is explained on its own)."""
    return _labelled(
        "name",
        [
            cll.ExactMatchLevel("name", term_frequency_adjustments=term_frequencies),
            # Every reading of every character (`chinese.sounds`): 张乐 (lè, yuè) sounds like 张月.
            cll.ArrayIntersectLevel("name_sounds", 1),
            cll.ExactMatchLevel("name_shape"),
            cll.ExactMatchLevel("name_fz"),
            # One character apart means different things by length (issue 11): a character dropped
            # from or added to a name of two or more (李杰 / 李杰亮), or one of three changed (李纤雨 /
            # 李艳雨), keeps most of the name; one of two changed (刘历 / 刘云) keeps only the surname
            # or only the given name, which half the county shares. Measured apart, the first two
            # are strong evidence and the last weak, where one level averaged them.
            cll.CustomLevel(f"{_ONE_EDIT} AND abs({_LEN_L} - {_LEN_R}) = 1 AND least({_LEN_L}, {_LEN_R}) >= 2"),
            cll.CustomLevel(f"{_ONE_EDIT} AND {_LEN_L} = {_LEN_R} AND {_LEN_L} >= 3"),
            cll.LevenshteinLevel("name", 1),
            cll.LevenshteinLevel("name_fz", 2),
            cll.ExactMatchLevel("surname_fz"),
            cll.ElseLevel(),
        ],
        "name",
    )


# A birth date read from the feed record's own ID number says nothing that number does not:
# compared with a registry date (which the contract binds to the person's number), it agrees
# exactly when the two numbers' birth digits do, which the `id_number` comparison already weighs.
# Counted again, someone else's valid number "agreed" twice (+34 bits) and outweighed a wholly
# different name (issue 11). So the comparison is void when the feed's date is derived and both
# numbers are there; with no registry number, the derived date is the only trace of the feed's
# number and counts once. A registry date derived at import is not voided: a feed's declared date
# compared with it is the feed's own evidence (it is what exposes someone else's number).
# In a two-table link, `_l` is the feed (the first table registered, `backend.register`).
# (`has_id`, not `id_number IS NOT NULL`: training blocks on the number to estimate this comparison,
# and Splink leaves out of a session every comparison that reads a column the session blocks on.)
DOB_VOID = "dob_l IS NULL OR dob_r IS NULL OR (dob_derived_l AND has_id_l AND has_id_r)"


def dob_comparison(*, term_frequencies: bool = True) -> ComparisonCreator:
    """`term_frequencies`: adjust the exact level by the date's frequency in the registry
    (`scoring.date_frequencies`): registries heap birth dates (1 January or the first of a month
    for those who did not know the day, one date for a batch registered together), and a date
    a hundred persons share says less than one nobody else has."""
    return _labelled(
        "dob",
        [
            cll.ExactMatchLevel("dob", term_frequency_adjustments=term_frequencies),
            cll.CustomLevel("dob_swap_l = dob_r"),
            cll.LevenshteinLevel("dob", 1),
            cll.ExactMatchLevel("birth_year"),
            cll.ElseLevel(),
        ],
        cll.CustomLevel(DOB_VOID).configure(is_null_level=True),
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
    # At the finest level both records have: a department that gives only the county code (6
    # digits) agrees or not on the county; "same county, different township" is said only when
    # both give a township (issue 11: comparing 6-digit codes as if they were townships made
    # agreement the negative level).
    return _labelled(
        "division",
        [
            cll.ExactMatchLevel("township"),
            cll.CustomLevel("county_l = county_r AND (township_l IS NULL OR township_r IS NULL)"),
            cll.ExactMatchLevel("county"),
            cll.ElseLevel(),
        ],
        "county",
    )


def comparisons(*, baseline: bool = False, term_frequencies: bool = True) -> list[ComparisonCreator]:
    """The model's comparisons; `baseline`: Splink's default `NameComparison` on the characters
    (exact, Jaro-Winkler 0.92 / 0.88 / 0.7) instead of the Chinese name comparison."""
    name = cl.NameComparison("name") if baseline else name_comparison(term_frequencies=term_frequencies)
    dob = dob_comparison(term_frequencies=term_frequencies and not baseline)
    return [name, dob, id_comparison(), sex_comparison(), division_comparison()]


def blocking_keys(*, baseline: bool = False) -> list[tuple[str, ...]]:
    """Pairs worth scoring agree on all columns of at least one key (and the undated rule,
    `UNDATED_KEY`, see `blocking_rules`). Each key is selective enough that a record meets a few
    candidates, not thousands, at county scale (the eval prints the pair counts). `baseline`: the
    same keys on characters instead of pinyin.

    One wrong ID digit anywhere leaves one of three fragments whole (positions 1–14, 7–18, and
    1–6 with 15–18), and a transposition keeps the sorted digits: a mistyped birth date in the
    number (which also costs the record its derived birth date) no longer hides the person."""
    surname, given, name = ("surname", "given", "name") if baseline else ("surname_fz", "given_fz", "name_fz")
    keys: list[tuple[str, ...]] = [
        ("id_number",),  # a correct number
        ("id_tail",),  # birth date, sequence and check digit right: the region mistyped
        ("id14", surname),  # region and birth date right: sequence or check digit mistyped
        ("id_ends", surname),  # region, sequence and check right: a birth-date digit mistyped
        ("id_sorted", surname),  # two digits transposed, also across the fragments' edges
        ("dob", surname),  # the given name mistyped, no usable number
        ("dob", given),  # the surname mistyped
        (name, "birth_year"),  # the birth date mistyped or swapped
        (name, "birth_md"),  # a digit of the birth year mistyped (1968 for 1964)
    ]
    if not baseline:
        keys.append(("name_shape", "birth_year"))  # a look-alike character and a wrong date
    keys.append(("name", "township"))  # no number and no birth date: at best a case for review
    return keys


# A feed record with no birth date (none declared, no valid number to read one from) and no
# township meets no key above: it is compared with every registry person of its county whose
# name sounds alike. Only for such records (on all, the commonest names would multiply the pairs).
UNDATED_KEY = ("name_fz", "county")


def blocking_rules(*, baseline: bool = False) -> list[BlockingRuleCreator]:
    name = "name" if baseline else UNDATED_KEY[0]
    # Plain identifiers (no quotes): the same SQL must parse on DuckDB and on Spark.
    undated = CustomRule(f"l.{name} = r.{name} AND l.county = r.county AND l.dob IS NULL")
    return [*(block_on(*key) for key in blocking_keys(baseline=baseline)), undated]


def reached(left: str = "_l", right: str = "_r", *, baseline: bool = False) -> pl.Expr:
    """Whether a pair (both frames' columns, suffixed) is reached by some blocking rule, in Polars:
    the eval's pair completeness."""

    def agree(*columns: str) -> pl.Expr:
        return pl.all_horizontal([pl.col(f"{c}{left}") == pl.col(f"{c}{right}") for c in columns]).fill_null(False)

    name = "name" if baseline else UNDATED_KEY[0]
    undated = agree(name, "county") & pl.col(f"dob{left}").is_null()
    return pl.any_horizontal([*(agree(*key) for key in blocking_keys(baseline=baseline)), undated])


def training_rules(*, baseline: bool = False) -> list[BlockingRuleCreator]:
    """EM sessions: each estimates the m probabilities of the comparisons it does not block on."""
    return [block_on("dob"), block_on("name" if baseline else "name_fz", "birth_year"), block_on("id_number")]


def settings(
    comparison_list: list[ComparisonCreator],
    *,
    prior: float,
    baseline: bool = False,
    retain_matching: bool = False,
    retain_intermediate: bool = False,
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
        retain_intermediate_calculation_columns=retain_intermediate,
    )
