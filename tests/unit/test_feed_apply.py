"""Applying department feeds: the observed population beside the declared one (pure frames)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from minsheng.db.base import polars_schema
from minsheng.feeds.apply import apply_feeds, describe
from minsheng.registry.tables import HOUSEHOLDS, PERSONS

START, END = dt.date(2025, 7, 1), dt.date(2026, 6, 30)
HH_COLS = [c.name for c in HOUSEHOLDS.columns if c.name != "updated_at"]
P_COLS = [c.name for c in PERSONS.columns if c.name != "updated_at" and not c.name.endswith(("_enc", "_hash"))]


def households(*rows: dict[str, Any]) -> pl.DataFrame:
    base = {
        "residence_division": "110105001001",
        "urban_rural": "urban",
        "financial_assets_fen": 0,
        "properties": 1,
        "housing_area_m2": 30.0,
        "non_residential_property": False,
        "vehicles": 0,
        "vehicle_value_fen": 0,
        "business_capital_fen": 0,
    }
    return pl.DataFrame([base | r for r in rows], schema=polars_schema(HOUSEHOLDS, HH_COLS))


def persons(*rows: dict[str, Any]) -> pl.DataFrame:
    base = {
        "relation": "02",
        "name": "甲",
        "birth_date": dt.date(1980, 1, 1),
        "employment": "employed",
        "school_stage": "none",
        "wage_income_fen": 0,
        "business_income_fen": 0,
        "property_income_fen": 0,
        "transfer_income_fen": 0,
        "medical_expense_fen": 0,
        "education_expense_fen": 0,
        "other_rigid_expense_fen": 0,
    }
    return pl.DataFrame([base | r for r in rows], schema=polars_schema(PERSONS, P_COLS))


def records(kind: str, *rows: tuple[str, str, dt.date, dict[str, Any]]) -> pl.DataFrame:
    """(feed_key, person_id, event_date, payload) rows, shaped as `linked_feeds` returns them."""
    frame = pl.DataFrame(
        [
            {"feed_key": k, "kind": kind, "event_date": d, "person_id": p, "household_id": "linked elsewhere"} | payload
            for k, p, d, payload in rows
        ]
    )
    return frame.with_columns(pl.col("event_date").cast(pl.Date))


HH = households({"household_id": "H1"}, {"household_id": "H2"})
PP = persons(
    {"person_id": "Q1", "household_id": "H1", "wage_income_fen": 400_000},
    {"person_id": "Q2", "household_id": "H1", "relation": "10", "employment": "none"},
    {"person_id": "Q3", "household_id": "H2", "transfer_income_fen": 150_000, "medical_expense_fen": 500_000},
)


def apply(feeds: dict[str, pl.DataFrame], hh: pl.DataFrame = HH, pp: pl.DataFrame = PP) -> Any:
    return apply_feeds(hh, pp, feeds, start=START, end=END)


def person(applied: Any, pid: str) -> dict[str, Any]:
    return applied.persons.filter(pl.col("person_id") == pid).row(0, named=True)  # type: ignore[no-any-return]


def household(applied: Any, hid: str) -> dict[str, Any]:
    return applied.households.filter(pl.col("household_id") == hid).row(0, named=True)  # type: ignore[no-any-return]


def changes(applied: Any) -> list[tuple[Any, ...]]:
    return applied.changes.select("household_id", "person_id", "field", "declared", "observed", "feed_key").rows()  # type: ignore[no-any-return]


def test_no_records_changes_nothing() -> None:
    applied = apply({})
    assert_frame_equal(applied.households, HH)
    assert_frame_equal(applied.persons, PP)
    assert applied.changes.is_empty() and applied.records == 0 and applied.changed_households == 0


def test_the_latest_wage_replaces_the_declared_one() -> None:
    wages = records(
        "wage_record",
        ("hr:W1", "Q1", dt.date(2025, 9, 1), {"monthly_wage": 300_000}),
        ("hr:W2", "Q1", dt.date(2026, 3, 1), {"monthly_wage": 100_000}),
        ("hr:W3", "Q2", dt.date(2026, 4, 1), {"monthly_wage": 250_000}),
    )
    applied = apply({"wage_record": wages})
    assert person(applied, "Q1")["wage_income_fen"] == 100_000  # monthly, as the column is
    # Q2 was declared without work: a wage record says she works now.
    assert (person(applied, "Q2")["wage_income_fen"], person(applied, "Q2")["employment"]) == (250_000, "employed")
    assert changes(applied) == [
        ("H1", "Q1", "wage_income", "4000.00", "1000.00", "hr:W2"),
        ("H1", "Q2", "employment", "none", "employed", "hr:W3"),
        ("H1", "Q2", "wage_income", "0.00", "2500.00", "hr:W3"),
    ]
    assert (applied.records, applied.changed_households) == (3, 1)


def test_unemployment_stops_the_wage_and_its_benefit_is_transfer_income() -> None:
    feeds = {
        "wage_record": records("wage_record", ("hr:W1", "Q1", dt.date(2025, 9, 1), {"monthly_wage": 400_000})),
        "unemployment": records(
            "unemployment",
            ("hr:U1", "Q1", dt.date(2026, 1, 5), {"status": "registered", "monthly_benefit": None}),
            ("hr:U2", "Q1", dt.date(2026, 2, 1), {"status": "benefit_start", "monthly_benefit": 180_000}),
        ),
    }
    q1 = person(apply(feeds), "Q1")
    assert (q1["wage_income_fen"], q1["employment"], q1["transfer_income_fen"]) == (0, "unemployed", 180_000)
    # The benefit ended: still out of work, no benefit.
    feeds["unemployment"] = pl.concat(
        [
            feeds["unemployment"],
            records(
                "unemployment",
                ("hr:U3", "Q1", dt.date(2026, 5, 1), {"status": "benefit_end", "monthly_benefit": 180_000}),
            ),
        ]
    )
    q1 = person(apply(feeds), "Q1")
    assert (q1["wage_income_fen"], q1["employment"], q1["transfer_income_fen"]) == (0, "unemployed", 0)
    # A wage record after it: back at work, the wage counts again.
    feeds["wage_record"] = records("wage_record", ("hr:W2", "Q1", dt.date(2026, 6, 1), {"monthly_wage": 350_000}))
    q1 = person(apply(feeds), "Q1")
    assert (q1["wage_income_fen"], q1["employment"], q1["transfer_income_fen"]) == (350_000, "employed", 0)


def test_a_pension_is_a_floor_under_transfer_income() -> None:
    pensions = records(
        "pension_payment",
        ("hr:P1", "Q3", dt.date(2026, 1, 1), {"monthly_amount": 100_000}),  # below the declared 1500: no change
        ("hr:P2", "Q1", dt.date(2026, 1, 1), {"monthly_amount": 30_000}),
    )
    applied = apply({"pension_payment": pensions})
    assert person(applied, "Q3")["transfer_income_fen"] == 150_000
    assert changes(applied) == [("H1", "Q1", "transfer_income", "0.00", "300.00", "hr:P2")]


def test_a_death_removes_the_member() -> None:
    deaths = records("death", ("ps:D1", "Q1", dt.date(2026, 2, 1), {"payload": "{}"}))
    wages = records("wage_record", ("hr:W1", "Q1", dt.date(2025, 9, 1), {"monthly_wage": 300_000}))
    applied = apply({"death": deaths, "wage_record": wages})
    assert applied.persons.get_column("person_id").to_list() == ["Q2", "Q3"]
    # The death explains the lost income: the deceased's other fields are not listed.
    assert changes(applied) == [
        ("H1", "Q1", "member", "present", "deceased", "ps:D1"),
        ("H1", None, "household_size", "2", "1", "ps:D1"),
    ]
    assert applied.households.height == 2  # the household stays, with one member


def test_disability_education_and_medical_claims() -> None:
    feeds = {
        "disability_certification": records(
            "disability_certification",
            ("dpf:C1", "Q2", dt.date(2026, 1, 1), {"disability_grade": "2", "disability_kind": "physical"}),
        ),
        "education_enrolment": records(
            "education_enrolment",
            ("edu:E1", "Q2", dt.date(2025, 9, 1), {"school_stage": "higher", "annual_fee": 1_000_000}),
        ),
        "medical_claim": records(
            "medical_claim",
            ("mi:M1", "Q3", dt.date(2025, 8, 1), {"out_of_pocket": 400_000}),
            ("mi:M2", "Q3", dt.date(2026, 2, 1), {"out_of_pocket": 300_000}),
            ("mi:M3", "Q1", dt.date(2026, 2, 1), {"out_of_pocket": 20_000}),
        ),
    }
    applied = apply(feeds)
    q2 = person(applied, "Q2")
    assert (q2["disability_grade"], q2["disability_kind"]) == ("2", "physical")
    assert (q2["school_stage"], q2["education_expense_fen"]) == ("higher", 1_000_000)
    # 4000 + 3000 out of pocket over the year is more than the 5000 declared.
    assert person(applied, "Q3")["medical_expense_fen"] == 700_000
    assert ("H2", "Q3", "medical_expense", "5000.00", "7000.00", "mi:M1;mi:M2") in changes(applied)
    assert person(applied, "Q1")["medical_expense_fen"] == 20_000


def test_a_free_school_place_does_not_wipe_out_a_declared_education_expense() -> None:
    pp = persons({"person_id": "Q1", "household_id": "H1", "school_stage": "primary", "education_expense_fen": 114_000})
    enrolment = records(
        "education_enrolment", ("edu:E1", "Q1", dt.date(2025, 9, 1), {"school_stage": "junior", "annual_fee": 0})
    )
    applied = apply({"education_enrolment": enrolment}, pp=pp)
    assert (person(applied, "Q1")["school_stage"], person(applied, "Q1")["education_expense_fen"]) == (
        "junior",
        114_000,
    )
    assert changes(applied) == [("H1", "Q1", "school_stage", "primary", "junior", "edu:E1")]


def test_assets_vehicles_property_and_business() -> None:
    feeds = {
        "deposit_balance": records(
            "deposit_balance",
            ("bank:B1", "Q1", dt.date(2025, 12, 31), {"amount": 9_000_000}),
            ("bank:B2", "Q1", dt.date(2026, 3, 31), {"amount": 2_000_000}),  # the latest balance wins
        ),
        "provident_fund": records(
            "provident_fund",
            ("pf:F1", "Q2", dt.date(2026, 3, 31), {"monthly_contribution": 50_000, "balance": 1_000_000}),
        ),
        "vehicle_registration": records(
            "vehicle_registration", ("ps:V1", "Q3", dt.date(2026, 4, 1), {"value": 6_000_000, "commercial": False})
        ),
        "property_registration": records(
            "property_registration",
            ("hs:R1", "Q1", dt.date(2026, 4, 1), {"area_m2": 50.0, "value": None, "residential": False}),
        ),
        "business_registration": records(
            "business_registration", ("mr:B1", "Q3", dt.date(2026, 4, 1), {"capital": 5_000_000})
        ),
    }
    applied = apply(feeds)
    h1, h2 = household(applied, "H1"), household(applied, "H2")
    assert h1["financial_assets_fen"] == 3_000_000  # 20,000 + 10,000: latest deposit + provident fund
    assert (h1["non_residential_property"], h1["properties"], h1["housing_area_m2"]) == (True, 1, 30.0)
    assert (h2["vehicles"], h2["vehicle_value_fen"], h2["business_capital_fen"]) == (1, 6_000_000, 5_000_000)
    assert ("H1", None, "financial_assets", "0.00", "30000.00", "bank:B2;pf:F1") in changes(applied)
    assert ("H2", None, "vehicles", "0", "1", "ps:V1") in changes(applied)


def test_a_record_never_lowers_a_declared_asset() -> None:
    hh = households({"household_id": "H1", "financial_assets_fen": 5_000_000, "vehicles": 2}, {"household_id": "H2"})
    feeds = {
        "deposit_balance": records("deposit_balance", ("bank:B1", "Q1", dt.date(2026, 1, 1), {"amount": 100_000})),
        "vehicle_registration": records(
            "vehicle_registration", ("ps:V1", "Q1", dt.date(2026, 1, 1), {"value": 100, "commercial": False})
        ),
    }
    applied = apply(feeds, hh=hh)
    assert (household(applied, "H1")["financial_assets_fen"], household(applied, "H1")["vehicles"]) == (5_000_000, 2)


def test_records_outside_the_window_about_strangers_or_of_other_kinds_are_ignored() -> None:
    feeds = {
        "vehicle_registration": records(
            "vehicle_registration",
            ("ps:V0", "Q1", dt.date(2025, 6, 30), {"value": 100, "commercial": False}),  # the day before the window
            ("ps:V9", "Q1", dt.date(2026, 7, 1), {"value": 100, "commercial": False}),  # after the monitoring date
            ("ps:VX", "QX", dt.date(2026, 1, 1), {"value": 100, "commercial": False}),  # not in these frames
        ),
        "death": records("death", ("ps:D0", "Q1", dt.date(2025, 1, 1), {"payload": "{}"})),
        # A disaster loss is neither income nor a counted expense: its warning rule raises an alert.
        "disaster_loss": records(
            "disaster_loss", ("em:L1", "Q1", dt.date(2026, 1, 1), {"loss_amount": 100, "disaster_kind": "flood"})
        ),
    }
    applied = apply(feeds)
    assert applied.changes.is_empty() and applied.records == 0
    assert_frame_equal(applied.persons, PP)


def test_the_declared_frames_are_left_unchanged() -> None:
    hh, pp = HH.clone(), PP.clone()
    apply(
        {
            "death": records("death", ("ps:D1", "Q2", dt.date(2026, 2, 1), {"payload": "{}"})),
            "wage_record": records("wage_record", ("hr:W1", "Q1", dt.date(2026, 2, 1), {"monthly_wage": 1})),
            "vehicle_registration": records(
                "vehicle_registration", ("ps:V1", "Q3", dt.date(2026, 4, 1), {"value": 1, "commercial": False})
            ),
        },
        hh=hh,
        pp=pp,
    )
    assert_frame_equal(hh, HH)
    assert_frame_equal(pp, PP)


def test_describe_gives_one_line_per_household() -> None:
    feeds = {
        "wage_record": records("wage_record", ("hr:W2", "Q1", dt.date(2026, 3, 1), {"monthly_wage": 100_000})),
        "vehicle_registration": records(
            "vehicle_registration", ("ps:V1", "Q1", dt.date(2026, 4, 1), {"value": 6_000_000, "commercial": False})
        ),
        "medical_claim": records(
            "medical_claim",
            ("mi:M1", "Q3", dt.date(2025, 8, 1), {"out_of_pocket": 400_000}),
            ("mi:M2", "Q3", dt.date(2026, 2, 1), {"out_of_pocket": 300_000}),
        ),
    }
    assert describe(apply(feeds).changes).sort("household_id").rows() == [
        (
            "H1",
            "Q1.wage_income: 4000.00→1000.00 [hr:W2]; vehicle_value: 0.00→60000.00 [ps:V1]; vehicles: 0→1 [ps:V1]",
        ),
        ("H2", "Q3.medical_expense: 5000.00→7000.00 [mi:M1 +1]"),
    ]
