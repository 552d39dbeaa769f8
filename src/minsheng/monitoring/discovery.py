"""Proactive discovery (主动发现, "policy finds people").

Run the programmes over the registry and compare with who is enrolled:

- `missed`  (应保未保): eligible, not enrolled;
- `leaked`  (应退未退): enrolled, no longer eligible (an *unknown* result is not leaked:
  it needs a visit, and is counted separately);
- `changed` (待遇变化): enrolled and eligible, but the computed monthly benefit differs
  from what is paid now.

Each entry names the conditions that failed, so `minsheng explain` can take it
from there. When the population assessed is the observed one (`feeds.apply`),
`observed_changes` lists the department facts that differ from the declaration
and that the programme reads (a medical claim is not shown against dibao), with
their records: a caseworker sees why the registry alone would not say so.
Tekun is decided per person and enrolled per household: a household
is `missed` when a member qualifies and the household has no tekun enrolment.
"""

from __future__ import annotations

import re

import polars as pl

from minsheng.contract.columns import FEED_SOURCES, HOUSEHOLD_COLUMNS, PERSON_COLUMNS
from minsheng.feeds.apply import MEMBERSHIP, describe
from minsheng.programmes.registry import model
from minsheng.rules.evaluate import Result
from minsheng.rules.model import Input, Model

KINDS = ("missed", "leaked", "changed")
SCHEMA = {
    "kind": pl.String,
    "programme": pl.String,
    "household_id": pl.String,
    "residence_division": pl.String,
    "enrolled": pl.Boolean,
    "eligible": pl.Boolean,
    "current_benefit": pl.Float64,
    "computed_benefit": pl.Float64,
    "failed_conditions": pl.String,
    "observed_changes": pl.String,  # department facts that differ from the declaration (feeds.apply.describe)
}


def discover(
    model: Model,
    result: Result,
    enrolments: pl.DataFrame,
    households: pl.DataFrame,
    changes: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`enrolments`: household_id, programme; `households`: household_id, current_benefit_fen;
    `changes`: what applying the feeds changed (`feeds.apply.Applied.changes`), if they were applied."""
    parts = []
    for programme in model.programmes.values():
        if programme.id == "dibao_single":
            continue  # a person-level inclusion recorded as dibao; discovery of it needs person enrolments
        status = _status(model, result, programme.id).join(
            _explained(model, programme.id, changes), on="household_id", how="left"
        )
        enrolled = enrolments.filter(pl.col("programme") == programme.id).select("household_id").unique()
        frame = status.join(enrolled.with_columns(pl.lit(True).alias("enrolled")), on="household_id", how="left")
        frame = frame.with_columns(pl.col("enrolled").fill_null(False))
        if programme.benefit and programme.entity == "household":
            frame = frame.join(households.select("household_id", "current_benefit_fen"), on="household_id", how="left")
        else:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("current_benefit_fen"))
        kind = (
            pl.when(pl.col("eligible") & ~pl.col("enrolled"))
            .then(pl.lit("missed"))
            .when(pl.col("enrolled") & ~pl.col("eligible"))
            .then(pl.lit("leaked"))
            .when(
                pl.col("enrolled")
                & pl.col("eligible")
                & pl.col("computed_fen").is_not_null()
                & pl.col("current_benefit_fen").is_not_null()
                & (pl.col("computed_fen") != pl.col("current_benefit_fen"))
            )
            .then(pl.lit("changed"))
        )
        parts.append(
            frame.with_columns(kind.alias("kind"))
            .filter(pl.col("kind").is_not_null())
            .select(
                "kind",
                pl.lit(programme.id).alias("programme"),
                "household_id",
                "residence_division",
                "enrolled",
                "eligible",
                (pl.col("current_benefit_fen") / 100).alias("current_benefit"),
                (pl.col("computed_fen") / 100).alias("computed_benefit"),
                "failed_conditions",
                "observed_changes",
            )
        )
    if not parts:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat(parts, how="vertical_relaxed").cast(SCHEMA).sort("kind", "programme", "household_id")  # type: ignore[arg-type]


def _explained(model: Model, programme_id: str, changes: pl.DataFrame | None) -> pl.DataFrame:
    """household_id, observed_changes: the changed facts among the programme's inputs."""
    if changes is None:
        return pl.DataFrame(schema={"household_id": pl.String, "observed_changes": pl.String})
    programme = model.programmes[programme_id]
    wanted = [*programme.conditions, programme.eligible, *((programme.benefit,) if programme.benefit else ())]
    # Changes name contract columns (money without `_fen`); membership changes every programme's sums.
    fields = {n.removesuffix("_fen") for n in model.order(wanted) if isinstance(model.nodes[n], Input)}
    return describe(changes.filter(pl.col("field").is_in([*fields, *MEMBERSHIP])))


def _status(model: Model, result: Result, programme_id: str) -> pl.DataFrame:
    """Per household: eligible (Kleene over members for person programmes), computed benefit, failed conditions."""
    programme = model.programmes[programme_id]
    failed = pl.concat_str(
        [pl.when(~pl.col(c)).then(pl.lit(c)) for c in programme.conditions],
        separator=";",
        ignore_nulls=True,
    )
    if programme.entity == "household":
        benefit = pl.col(programme.benefit) if programme.benefit else pl.lit(None, dtype=pl.Int64)
        return result.households.select(
            "household_id",
            "residence_division",
            pl.col(programme.eligible).alias("eligible"),
            benefit.alias("computed_fen"),
            failed.alias("failed_conditions"),
        )
    members = result.persons.with_columns(failed.alias("__failed"))
    per_household = members.group_by("household_id").agg(
        pl.col(programme.eligible).any(ignore_nulls=False).alias("eligible"),
        (pl.col(programme.benefit).sum() if programme.benefit else pl.lit(None, dtype=pl.Int64)).alias("computed_fen"),
        pl.col("__failed").filter(pl.col("__failed") != "").unique().sort().str.join(";").alias("failed_conditions"),
    )
    return result.households.select("household_id", "residence_division").join(
        per_household, on="household_id", how="left"
    )


def counts(found: pl.DataFrame) -> pl.DataFrame:
    """Discovery counts by kind and programme (for the one-screen summary)."""
    return found.group_by("programme", "kind").agg(pl.len().alias("households")).sort("programme", "kind")


# ── the stored list as a reader sees it (the discovery Excel) ───────────────────────────
# The stored file keeps codes (node ids, contract columns, department codes) so that it reads
# back; an export shows each by its label from the one catalogue, in the reader's language.
_COLUMNS = {c.name: c for c in (*HOUSEHOLD_COLUMNS, *PERSON_COLUMNS)}
_MEMBERSHIP_LABELS = {"member": ("家庭成员", "member"), "household_size": ("家庭人数", "household size")}
_CHANGE = re.compile(
    r"^(?:(?P<person>[^.:\s]+)\.)?(?P<field>\w+): (?P<was>.*?)→(?P<now>.*?) \[(?P<source>\w+):(?P<rest>.*)\]$"
)


def readable(frame: pl.DataFrame, lang: str = "zh") -> pl.DataFrame:
    """The list's `failed_conditions` and `observed_changes` in words (for an export)."""
    rules = model()
    return frame.with_columns(
        pl.col(c).map_elements(fn, return_dtype=pl.String)
        for c, fn in (
            ("failed_conditions", lambda t: readable_conditions(t, rules, lang)),
            ("observed_changes", lambda t: readable_changes(t, lang)),
        )
        if c in frame.columns
    )


def readable_conditions(text: str | None, model: Model, lang: str = "zh") -> str | None:
    """`tekun_no_capable_supporter;…` → the conditions' labels (`无有能力的法定赡养人；…`)."""
    if not text:
        return text
    nodes = model.nodes
    labels = [(nodes[c].label_zh if lang == "zh" else nodes[c].label_en) if c in nodes else c for c in text.split(";")]
    return ("；" if lang == "zh" else "; ").join(labels)


def readable_changes(text: str | None, lang: str = "zh") -> str | None:
    """`QA1.financial_assets: 9695.00→22244.26 [bank:D1]` → `QA1 金融资产：9695.00→22244.26（银行 D1）`."""
    if not text:
        return text
    return ("；" if lang == "zh" else "; ").join(_change(part, lang) for part in text.split("; "))


def _change(part: str, lang: str) -> str:
    found = _CHANGE.match(part)
    if found is None:
        return part
    zh = lang == "zh"
    name = found["field"]
    column = _COLUMNS.get(name)
    label = (
        (column.zh if zh else name.replace("_", " "))
        if column
        else _MEMBERSHIP_LABELS.get(name, (name, name))[0 if zh else 1]
    )

    def value(v: str) -> str:
        if v == "blank":
            return "（空）" if zh else "(blank)"
        if column is not None and column.codes is not None and v in column.codes.labels:
            return column.codes.label(v, lang)
        return v

    source = found["source"]
    source = FEED_SOURCES.label(source, lang) if source in FEED_SOURCES.labels else source
    who = f"{found['person']} " if found["person"] else ""
    if zh:
        return f"{who}{label}：{value(found['was'])}→{value(found['now'])}（{source} {found['rest']}）"
    return f"{who}{label}: {value(found['was'])}→{value(found['now'])} ({source} {found['rest']})"
