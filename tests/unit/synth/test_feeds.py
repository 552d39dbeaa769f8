"""Department feeds of the synthetic county: contract shape, linkage to the
registry, dates, determinism and the truth about eligibility."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from minsheng.demo.local_params import demo_parameters
from minsheng.errors import ConfigError
from minsheng.synth import Population, SynthConfig, generate
from minsheng.synth.feeds import FeedConfig, Feeds, generate_feeds, write_feeds

# Copied from DATA-CONTRACT.md ("department feeds") on purpose, so that drift in the module shows.
ENVELOPE = ["source", "record_id", "event_date", "id_number", "name", "birth_date", "sex", "residence_division"]
CONTRACT = {
    "medical_claim": ["total_cost", "out_of_pocket", "inpatient", "major_illness"],
    "unemployment": ["status", "monthly_benefit"],
    "death": [],
    "disability_certification": ["disability_grade", "disability_kind"],
    "disaster_loss": ["loss_amount", "disaster_kind"],
    "education_enrolment": ["school_stage", "annual_fee"],
    "wage_record": ["monthly_wage"],
    "pension_payment": ["monthly_amount"],
    "property_registration": ["area_m2", "value", "residential"],
    "vehicle_registration": ["value", "commercial"],
    "business_registration": ["capital"],
    "provident_fund": ["monthly_contribution", "balance"],
    "deposit_balance": ["amount"],
}
MONEY = {
    "total_cost",
    "out_of_pocket",
    "monthly_benefit",
    "loss_amount",
    "annual_fee",
    "monthly_wage",
    "monthly_amount",
    "value",
    "capital",
    "monthly_contribution",
    "balance",
    "amount",
}
BOOLS = {"inpatient", "major_illness", "residential", "commercial"}
DEPARTMENTS = {
    "medical_insurance",
    "human_resources",
    "public_security",
    "disabled_federation",
    "emergency_management",
    "education",
    "housing",
    "market_regulation",
    "tax",
    "provident_fund",
    "civil_affairs",
    "bank",
}
START = dt.date(2025, 7, 1)
REFERENCE = dt.date(2025, 6, 30)  # SynthConfig.reference_date
CFG = FeedConfig(start=START, months=12, seed=3)


@pytest.fixture(scope="module")
def pop() -> Population:
    return generate(SynthConfig(county="110105", households=6_000, seed=7), params=demo_parameters())


@pytest.fixture(scope="module")
def feeds(pop: Population) -> Feeds:
    return generate_feeds(pop, CFG)


def _all(feeds: Feeds) -> pl.DataFrame:
    return pl.concat([f.select(ENVELOPE).with_columns(pl.lit(k).alias("kind")) for k, f in feeds.records.items()])


def test_every_kind_is_present_with_exactly_the_contract_columns(feeds: Feeds) -> None:
    assert list(feeds.records) == list(CONTRACT)
    for kind, frame in feeds.records.items():
        assert frame.columns == ENVELOPE + CONTRACT[kind], kind
        assert frame.height > 0, kind


def test_each_kind_has_one_known_source(feeds: Feeds) -> None:
    for kind, frame in feeds.records.items():
        sources = frame.get_column("source").unique().to_list()
        assert len(sources) == 1 and sources[0] in DEPARTMENTS, kind


def test_record_ids_are_unique_within_each_source(feeds: Feeds) -> None:
    records = _all(feeds)
    assert records.get_column("record_id").null_count() == 0
    assert records.select("source", "record_id").is_unique().all()


def test_id_numbers_belong_to_the_registry_person_named(feeds: Feeds, pop: Population) -> None:
    registry = pop.persons.select("id_number", "name", "birth_date", "sex").filter(pl.col("id_number").is_not_null())
    records = _all(feeds).filter(pl.col("id_number").is_not_null())
    joined = records.join(registry, on="id_number", how="left", suffix="_registry")
    assert joined.height == records.height
    assert joined.get_column("name_registry").null_count() == 0, "an ID number not in the registry"
    assert (joined.get_column("name") == joined.get_column("name_registry")).all()
    assert (joined.get_column("birth_date") == joined.get_column("birth_date_registry")).all()
    assert (joined.get_column("sex") == joined.get_column("sex_registry")).all()


def test_records_without_id_keep_name_and_birth_date_of_a_registry_person(feeds: Feeds, pop: Population) -> None:
    records = _all(feeds)
    assert records.select(pl.col("name").null_count(), pl.col("birth_date").null_count()).row(0) == (0, 0)
    keys = pop.persons.select("name", "birth_date").unique()
    blank = records.filter(pl.col("id_number").is_null())
    assert blank.join(keys, on=["name", "birth_date"], how="anti").height == 0


def test_about_five_percent_of_records_lack_an_id_number(feeds: Feeds) -> None:
    share = _all(feeds).get_column("id_number").null_count() / _all(feeds).height
    assert 0.045 <= share <= 0.055


def test_event_dates_are_inside_the_window(feeds: Feeds) -> None:
    assert feeds.end == dt.date(2026, 7, 1)
    inside = pl.col("event_date").is_between(START, feeds.end, closed="left").all()
    assert _all(feeds).select(inside).item()
    assert feeds.truth.select(inside).item()


def test_values_follow_the_contract_formats(feeds: Feeds) -> None:
    for kind, frame in feeds.records.items():
        for col in CONTRACT[kind]:
            s = frame.get_column(col)
            if col in MONEY:
                cents = s.drop_nulls() * 100
                assert ((cents - cents.round(0)).abs() < 1e-6).all(), (kind, col)
                assert (s.drop_nulls() >= 0).all(), (kind, col)
            if col in BOOLS:
                assert set(s.unique().to_list()) <= {0, 1}, (kind, col)
    status = feeds.records["unemployment"].get_column("status").unique().to_list()
    assert set(status) <= {"registered", "benefit_start", "benefit_end"}
    paid = feeds.records["unemployment"].filter(pl.col("status") != "registered")
    assert paid.height > 0 and (paid.get_column("monthly_benefit") > 0).all()
    assert set(feeds.records["medical_claim"].get_column("major_illness").unique().to_list()) == {0, 1}


def test_volume_is_realistic_and_events_are_a_minority(feeds: Feeds, pop: Population) -> None:
    total = _all(feeds).height
    assert 0.3 <= total / pop.persons.height <= 0.5  # ≈100,000 a year for 260,000 persons
    # Records of events that truly change a household are a minority of what departments send.
    assert feeds.truth.filter(pl.col("recorded")).height < 0.2 * total


def test_the_rate_knob_scales_routine_records(pop: Population) -> None:
    small = generate_feeds(pop, FeedConfig(start=START, seed=3, routine_records_per_person=0.1))
    big = generate_feeds(pop, FeedConfig(start=START, seed=3, routine_records_per_person=0.6))
    assert _all(big).height > 3 * _all(small).height


def test_same_seed_same_frames_other_seed_other_frames(pop: Population, feeds: Feeds) -> None:
    again = generate_feeds(pop, CFG)
    for kind in CONTRACT:
        assert_frame_equal(feeds.records[kind], again.records[kind])
    assert_frame_equal(feeds.truth, again.truth)
    assert_frame_equal(feeds.outcomes, again.outcomes)
    other = generate_feeds(pop, FeedConfig(start=START, months=12, seed=4))
    assert not feeds.records["medical_claim"].equals(other.records["medical_claim"])
    assert not feeds.truth.equals(other.truth)


def _eligible(suffix: str) -> pl.Expr:
    """The documented test, recomputed from the truth columns in whole fen. The demo county's
    property rules (no vehicle, no non-residential property) are the engine's; test_policy.py
    checks that the generator reads them from there."""
    size = pl.col(f"size_{suffix}")
    income = (pl.col(f"income_{suffix}") * 100).round(0)
    standard = "dibao_standard_before" if suffix == "before" else "dibao_standard"
    line = (pl.col(standard) * 100).round(0) * size
    return (
        (size > 0)
        & (income < line)
        & (pl.col(f"vehicles_{suffix}") == 0)
        & ~pl.col(f"non_residential_property_{suffix}")
    )


def _engine_standard(day: dt.date, area: str) -> float:
    value = demo_parameters().value("dibao.standard", "110105", day, area)
    assert value is not None
    return value


def test_start_state_is_the_ground_truth_judged_by_the_first_days_standard(feeds: Feeds, pop: Population) -> None:
    joined = feeds.outcomes.join(pop.ground_truth, on="household_id", how="left")
    assert joined.height == pop.ground_truth.height
    # The demo county's standard rises on the window's first day (1,450 → 1,520 in the engine's
    # parameters): the start state is judged by the new one, the ground truth by the old one.
    new = {a: _engine_standard(START, a) for a in ("urban", "rural")}
    old = {a: _engine_standard(REFERENCE, a) for a in ("urban", "rural")}
    assert new != old
    income_fen = pl.sum_horizontal(
        [(pl.col(f"true_{s}_income") * 100).round(0) for s in ("wage", "business", "property", "transfer")]
    )
    standard = pl.col("urban_rural").replace_strict(new, return_dtype=pl.Float64)
    expected = (
        (income_fen < (standard * 100).round(0) * pl.col("size"))
        & (pl.col("true_vehicles") == 0)
        & ~pl.col("true_non_residential_property")
    )
    assert joined.select((pl.col("eligible_start") == expected).all()).item()
    moved = joined.filter(pl.col("eligible_start") != pl.col("true_dibao_eligible"))
    assert moved.height > 0, "the rise makes some households eligible"
    per_capita = moved.get_column("true_income_per_capita")
    assert ((per_capita >= min(old.values()) - 0.01) & (per_capita < max(new.values()))).all()
    first = feeds.truth.sort("event_date").group_by("household_id", maintain_order=True).first()
    j = first.join(pop.ground_truth, on="household_id")
    income = pl.sum_horizontal(
        "true_wage_income", "true_business_income", "true_property_income", "true_transfer_income"
    )
    checks = j.select(
        ((pl.col("income_before") - income).abs() < 0.011).all(),
        (pl.col("size_before") == pl.col("size")).all(),
        (pl.col("vehicles_before") == pl.col("true_vehicles")).all(),
        (pl.col("non_residential_property_before") == pl.col("true_non_residential_property")).all(),
    )
    assert all(checks.row(0))


def test_a_change_of_standard_inside_the_window_is_an_event_where_it_flips_the_status(pop: Population) -> None:
    feeds = generate_feeds(pop, FeedConfig(start=dt.date(2025, 1, 1), months=12, seed=3))
    rise = dt.date(2025, 7, 1)  # the demo county's dated standard in the engine's parameters
    old = {a: _engine_standard(rise - dt.timedelta(days=1), a) for a in ("urban", "rural")}
    new = {a: _engine_standard(rise, a) for a in ("urban", "rural")}
    area = pl.col("urban_rural")
    truth = feeds.truth.join(
        pop.ground_truth.select("household_id", "urban_rural"), on="household_id", maintain_order="left"
    )
    changed = truth.filter(pl.col("event") == "standard_change")
    assert changed.height > 0
    assert (
        changed.select(
            (pl.col("event_date") == rise).all(),
            (~pl.col("recorded")).all(),
            pl.col("record_id").is_null().all(),
            (pl.col("eligible_before") != pl.col("eligible_after")).all(),
            (pl.col("dibao_standard_before") == area.replace_strict(old)).all(),
            (pl.col("dibao_standard") == area.replace_strict(new)).all(),
            (pl.col("income_before") == pl.col("income_after")).all(),
        ).row(0)
        == (True,) * 7
    )
    became = feeds.outcomes.filter(pl.col("reasons").str.contains("standard_change"))
    assert became.get_column("became_eligible").any()
    # Before and after the rise, events are judged by the standard of their day.
    others = truth.filter(pl.col("event") != "standard_change")
    expected = pl.when(pl.col("event_date") < rise).then(area.replace_strict(old)).otherwise(area.replace_strict(new))
    assert others.select((pl.col("dibao_standard") == expected).all()).item()
    t = truth.with_columns(_eligible("before").alias("b"), _eligible("after").alias("a"))
    assert (t.get_column("b") == t.get_column("eligible_before")).all()
    assert (t.get_column("a") == t.get_column("eligible_after")).all()
    chained = t.with_columns(pl.col("eligible_after").shift(1).over("household_id").alias("prev")).filter(
        pl.col("prev").is_not_null()
    )
    assert (chained.get_column("prev") == chained.get_column("eligible_before")).all()


def test_each_event_starts_where_the_previous_one_ended(feeds: Feeds) -> None:
    # The truth lists each household's events in the order they apply.
    cols = ["size", "income", "vehicles", "non_residential_property", "financial_assets", "rigid_expense"]
    t = feeds.truth
    assert t.get_column("household_id").is_sorted()
    assert t.select((pl.col("event_date").diff().over("household_id") >= dt.timedelta(0)).all()).item()
    chained = t.with_columns(
        [pl.col(f"{c}_after").shift(1).over("household_id").alias(f"prev_{c}") for c in cols]
    ).filter(pl.col("prev_size").is_not_null())
    assert chained.height > 0
    for c in cols:
        assert (chained.get_column(f"{c}_before") == chained.get_column(f"prev_{c}")).all(), c


def test_became_eligible_follows_the_documented_logic(feeds: Feeds) -> None:
    t = feeds.truth.with_columns(_eligible("before").alias("b"), _eligible("after").alias("a"))
    assert (t.get_column("b") == t.get_column("eligible_before")).all()
    assert (t.get_column("a") == t.get_column("eligible_after")).all()
    derived = (
        t.sort("event_date", "event_id")
        .group_by("household_id")
        .agg(
            (~pl.col("b") & pl.col("a")).any().alias("in"),
            (pl.col("b") & ~pl.col("a")).any().alias("out"),
            pl.col("event_date").filter(pl.col("b") != pl.col("a")).first().alias("first"),
        )
    )
    o = feeds.outcomes.join(derived, on="household_id", how="left").with_columns(
        pl.col("in").fill_null(False), pl.col("out").fill_null(False)
    )
    assert (o.get_column("became_eligible") == o.get_column("in")).all()
    assert (o.get_column("became_ineligible") == o.get_column("out")).all()
    assert o.filter(pl.col("date") != pl.col("first")).height == 0
    assert o.filter(pl.col("date").is_null() != pl.col("first").is_null()).height == 0
    # Both directions happen in a county of this size, and they are a small minority.
    n_in, n_out = int(o.get_column("became_eligible").sum()), int(o.get_column("became_ineligible").sum())
    assert 0 < n_in < 0.02 * o.height and 0 < n_out < 0.02 * o.height
    assert (o.filter(pl.col("became_eligible")).get_column("reasons") != "").all()


def test_events_move_circumstances_the_way_they_say(feeds: Feeds) -> None:
    t = feeds.truth
    for event in ("job_loss", "benefit_end", "major_illness", "severe_disability", "disaster"):
        rows = t.filter(pl.col("event") == event)
        assert (rows.get_column("income_after") <= rows.get_column("income_before")).all(), event
    for event in ("new_job", "pay_rise", "business_start"):
        rows = t.filter(pl.col("event") == event)
        assert rows.height > 0 and (rows.get_column("income_after") > rows.get_column("income_before")).all(), event
    vehicles = t.filter(pl.col("event") == "vehicle_purchase")
    assert (vehicles.get_column("vehicles_after") == vehicles.get_column("vehicles_before") + 1).all()
    deaths = t.filter(pl.col("event") == "death")
    assert (deaths.get_column("size_after") == deaths.get_column("size_before") - 1).all()


def test_recorded_events_point_to_a_record_about_their_person(feeds: Feeds, pop: Population) -> None:
    recorded = feeds.truth.filter(pl.col("recorded"))
    assert recorded.get_column("record_id").null_count() == 0
    assert (
        feeds.truth.filter(~pl.col("recorded")).get_column("record_id").null_count()
        == feeds.truth.filter(~pl.col("recorded")).height
    )
    for kind, rows in recorded.partition_by("record_kind", as_dict=True).items():
        records = feeds.records[str(kind[0])].select("source", "record_id", "name", "birth_date")
        joined = rows.join(records, on=["source", "record_id"], how="left").join(
            pop.persons.select("person_id", pl.col("name").alias("p_name"), pl.col("birth_date").alias("p_birth")),
            on="person_id",
        )
        assert joined.get_column("name").null_count() == 0, kind
        assert (joined.get_column("name") == joined.get_column("p_name")).all(), kind
        assert (joined.get_column("birth_date") == joined.get_column("p_birth")).all(), kind


def test_nothing_is_recorded_about_a_person_after_their_death(feeds: Feeds, pop: Population) -> None:
    died = feeds.truth.filter(pl.col("event") == "death").join(
        pop.persons.select("person_id", "id_number"), on="person_id"
    )
    later = _all(feeds).join(died.select("id_number", pl.col("event_date").alias("died")), on="id_number")
    assert died.height > 0
    assert later.filter(pl.col("event_date") > pl.col("died")).height == 0


def test_write_feeds_writes_contract_csvs_and_the_truth(feeds: Feeds, tmp_path: Path) -> None:
    paths = write_feeds(feeds, tmp_path / "feeds")
    assert set(paths) == {*CONTRACT, "truth", "outcomes"}
    for kind in CONTRACT:
        text = paths[kind].read_text(encoding="utf-8")
        lines = text.splitlines()
        assert lines[0].split(",") == ENVELOPE + CONTRACT[kind]
        assert len(lines) == feeds.records[kind].height + 1
        assert "true" not in text and "false" not in text
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", lines[1].split(",")[2])
    claim = paths["medical_claim"].read_text(encoding="utf-8").splitlines()[1].split(",")
    assert re.fullmatch(r"\d+\.\d{2}", claim[8]) and claim[10] in {"0", "1"}
    assert_frame_equal(pl.read_parquet(paths["truth"]), feeds.truth)
    assert_frame_equal(pl.read_parquet(paths["outcomes"]), feeds.outcomes)


@pytest.mark.parametrize("bad", [{"months": 0}, {"missing_id_share": 1.5}, {"routine_records_per_person": -1.0}])
def test_bad_settings_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        FeedConfig(**bad)


def test_wage_records_show_true_wages_not_declared_ones(feeds: Feeds, pop: Population) -> None:
    """Wages are what under-declaring households hide (synth.enrolment); the feed shows the truth."""
    wages = (
        feeds.records["wage_record"]
        .filter(pl.col("id_number").is_not_null())
        .join(pop.persons.select("id_number", "household_id", "wage_income"), on="id_number")
        .join(pop.ground_truth.select("household_id", "wage_under_declared_share"), on="household_id")
    )
    hidden = wages.filter(pl.col("wage_under_declared_share") > 0)
    honest = wages.filter(pl.col("wage_under_declared_share") == 0)
    assert hidden.height > 0 and honest.height > 0
    assert (hidden.get_column("monthly_wage") > hidden.get_column("wage_income")).all()
    assert (honest.get_column("monthly_wage") >= honest.get_column("wage_income") - 0.01).all()
    assert ((honest.get_column("monthly_wage") - honest.get_column("wage_income")).abs() < 0.011).mean() > 0.8


def test_household_events_are_recorded_on_the_head(feeds: Feeds, pop: Population) -> None:
    household_events = ("disaster", "vehicle_purchase", "property_purchase", "non_residential_purchase")
    rows = feeds.truth.filter(pl.col("event").is_in(household_events)).join(
        pop.persons.select("person_id", pl.col("household_id").alias("member_of"), "relation"), on="person_id"
    )
    assert rows.height > 0
    assert (rows.get_column("member_of") == rows.get_column("household_id")).all()
    assert (rows.get_column("relation") == "02").all()
