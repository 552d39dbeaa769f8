"""Warning grades follow the household's income, and the income left after a loss (issue 12 §1):
red below the dibao standard, orange in the low-income band (< 1.5 × standard), nothing or a watch above."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import polars as pl
import pytest

from minsheng.monitoring.warnings import RULES, Context
from minsheng.programmes.registry import baseline

DATE = dt.date(2026, 6, 30)
STANDARD = 152_000  # fen: the demo county's 1,520 yuan from 2025-07-01


def _context(rows: list[tuple[str, int, int, bool]], persons: list[tuple[str, str, int, int, int]]) -> Context:
    """rows: household_id, size, monthly household income (fen), enrolled; persons: id,
    household, age, counted income, declared wage (fen)."""
    households = pl.DataFrame(
        {
            "household_id": [r[0] for r in rows],
            "residence_division": ["110105001001"] * len(rows),
            "household_size": [r[1] for r in rows],
            "household_counted_income_fen": [r[2] for r in rows],
            "income_per_capita_fen": [r[2] / r[1] for r in rows],
            "dibao_standard_fen": [STANDARD] * len(rows),
            "enrolled": [r[3] for r in rows],
        }
    )
    people = pl.DataFrame(
        persons, orient="row", schema=["person_id", "household_id", "age", "counted_income_fen", "wage_income_fen"]
    )
    return Context(households, people, baseline(), DATE)


def _grades(reason: str, feeds: dict[str, pl.DataFrame], ctx: Context) -> dict[str, str]:
    out = RULES[reason](feeds, ctx)
    return dict(zip(out.get_column("household_id"), out.get_column("severity"), strict=True))


def _records(rows: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows).with_columns(pl.lit(DATE).alias("event_date"))


def test_a_death_is_graded_by_what_the_survivors_earn() -> None:
    ctx = _context(
        [
            ("poor", 2, 250_000, False),
            ("band", 2, 400_000, False),
            ("rich", 2, 2_000_000, False),
            ("alone", 1, 0, False),
        ],
        [
            ("p1", "poor", 50, 200_000, 200_000),
            ("p2", "poor", 48, 50_000, 50_000),
            ("b1", "band", 50, 200_000, 200_000),
            ("b2", "band", 48, 200_000, 200_000),
            ("r1", "rich", 50, 1_500_000, 1_500_000),
            ("r2", "rich", 48, 500_000, 500_000),
            ("a1", "alone", 80, 0, 0),
        ],
    )
    deaths = _records(
        [{"household_id": h, "person_id": p, "feed_key": f"ps:{p}"} for h, p in (("poor", "p1"), ("band", "b1"))]
        + [{"household_id": h, "person_id": p, "feed_key": f"ps:{p}"} for h, p in (("rich", "r1"), ("alone", "a1"))]
    )
    # poor: 500 yuan left for one (red); band: 2,000 left for one (orange: < 2,280); rich: 5,000
    # left (no alert); alone: nobody left to fall into hardship.
    assert _grades("earner_death", {"death": deaths}, ctx) == {"poor": "red", "band": "orange"}


def test_a_job_loss_counts_the_benefit_only_while_it_is_paid() -> None:
    ctx = _context([("h", 2, 400_000, False)], [("w", "h", 40, 300_000, 300_000), ("x", "h", 38, 100_000, 0)])

    def grade(status: str, benefit: int | None) -> str | None:
        records = _records(
            [{"household_id": "h", "person_id": "w", "status": status, "monthly_benefit": benefit, "feed_key": "hr:1"}]
        )
        return _grades("unemployment", {"unemployment": records}, ctx).get("h")

    # 1,000 of other income + 2,500 benefit for two = 1,750 a head: the band; after the benefit: 500 (red).
    assert grade("benefit_start", 250_000) == "orange"
    assert grade("benefit_end", 250_000) == "red"


@pytest.mark.parametrize(("income", "grade"), [(100_000, "red"), (200_000, "orange"), (500_000, None)])
def test_a_new_severe_disability_is_graded_by_income(income: int, grade: str | None) -> None:
    ctx = _context([("h", 1, income, False)], [("p", "h", 40, income, income)])
    cert = _records(
        [
            {
                "household_id": "h",
                "person_id": "p",
                "disability_grade": "1",
                "disability_kind": "physical",
                "feed_key": "k",
            }
        ]
    )
    assert _grades("severe_disability", {"disability_certification": cert}, ctx).get("h") == grade


def test_old_age_alone_is_watched_only_where_income_is_low_and_nothing_is_paid() -> None:
    ctx = _context(
        [("low", 1, 150_000, False), ("paid", 1, 150_000, True), ("comfortable", 1, 600_000, False)],
        [("a", "low", 78, 150_000, 0), ("b", "paid", 78, 150_000, 0), ("c", "comfortable", 78, 600_000, 0)],
    )
    assert _grades("elderly_alone", {}, ctx) == {"low": "yellow"}


@pytest.mark.parametrize(("major", "grade"), [(True, "orange"), (False, None)])
def test_a_major_illness_of_the_wage_earner_is_a_risk(major: bool, grade: str | None) -> None:
    """3,000 a head, above the band; should the patient stop working, 500 a head is left."""
    ctx = _context([("h", 2, 600_000, False)], [("w", "h", 45, 500_000, 500_000), ("x", "h", 44, 100_000, 0)])
    claim = _records(
        [{"household_id": "h", "person_id": "w", "out_of_pocket": 900_000, "major_illness": major, "feed_key": "m"}]
    )
    assert _grades("medical_cost", {"medical_claim": claim}, ctx).get("h") == grade
