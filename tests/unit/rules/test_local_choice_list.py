"""Local choices (issue 12 §5): which parameters a place sets, which a county has not set, and
stored values laid over the shipped files."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import polars as pl

from minsheng.demo.local_params import demo_parameters
from minsheng.localparams.store import LocalValue, overlay
from minsheng.programmes.local_choices import (
    local_choices,
    missing_local_parameters,
    missing_summary,
    national_rule,
)
from minsheng.programmes.registry import baseline, model
from minsheng.rules.evaluate import evaluate
from minsheng.rules.parameters import Entry, Source, layer_entries

sys.path.insert(0, str(Path(__file__).parent))
from rule_households import adult, build, case

JAN = dt.date(2026, 1, 1)
TONGWEI = "621121"


def doc(number: str = "通民发〔2025〕1号") -> dict[str, str]:
    return {"doc": number}


def tongwei(values: dict[str, str], effective: dt.date = dt.date(2025, 7, 1)) -> list[LocalValue]:
    return [LocalValue(pid, TONGWEI, effective, {"": v}, "通民发〔2025〕1号") for pid, v in values.items()]


COUNTY_RULES = {
    "dibao.standard": "780",
    "dibao.financial_assets_multiple": "2",
    "dibao.housing_area_exemption_m2": "30",
    "dibao.max_business_capital": "50000",
    "dibao.max_properties": "1",
    "dibao.max_vehicles": "0",
    "dibao.non_residential_property_allowed": "false",
    "general.minimum_wage": "2020",
    "rigid_expenditure_hardship.expense_share_threshold": "0.7",
}


def test_local_choices_are_the_marked_parameters_required_ones_first() -> None:
    chosen = [p.id for p in local_choices(baseline())]
    required = [p for p in chosen if baseline()[p].missing == "unknown"]
    assert chosen[: len(required)] == sorted(required)
    assert {"dibao.standard", "dibao.floor_ratio", "casework.check_days_red", "dibao.tiered"} <= set(chosen)
    # a national rule with no local variation is not the county's to choose
    assert not {"general.adult_age", "rigid_expenditure_hardship.valid_months"} & set(chosen)
    assert national_rule(baseline()["dibao.standard"])[0].startswith("无全国统一标准")
    assert "民发〔2021〕57号" in national_rule(baseline()["dibao.floor_ratio"])[0]


def test_a_county_outside_the_demo_is_told_what_is_not_set() -> None:
    found = missing_local_parameters(demo_parameters(), [TONGWEI, "110105"], JAN)
    assert {m.division for m in found} == {TONGWEI}  # the demo county has every value, from its own file
    assert {m.parameter for m in found} == set(COUNTY_RULES)
    text = missing_summary(found)
    assert "未设置本地最低生活保障标准 dibao.standard" in text and "9项" in text
    assert "Dibao standard (dibao.standard) is not set" in missing_summary(found, "en")
    assert missing_summary([]) == ""


def test_the_shipped_files_set_nothing_of_the_demo_county_its_file_sets_it() -> None:
    # Only Beijing's published minimum wage reaches the demo county from the files; every other
    # value it has is its own, from demo/local_parameters.yaml (as a county's approved values).
    unset = {m.parameter for m in missing_local_parameters(baseline(), ["110105"], JAN)}
    assert unset == set(COUNTY_RULES) - {"general.minimum_wage"}
    assert baseline().value("general.minimum_wage", "110105", JAN) == 2420
    for pid in ("dibao.floor_ratio", "dibao.topup_elderly", "dibao.topup_minor", "dibao.topup_severe_disability"):
        assert baseline().value(pid, "110105", JAN) == 0  # the national default, not the demo's choice
        value, level, entry = demo_parameters().resolve(pid, "110105", JAN)
        assert value and level == "county" and entry is not None and entry.source.doc == "演示示例（非真实文号）"
    assert not [e for p in baseline().params.values() for e in p.entries if e.region.startswith("110105")]


def test_the_consumption_ratio_is_needed_only_where_the_standard_is_computed() -> None:
    assert "dibao.consumption_ratio" not in {m.parameter for m in missing_local_parameters(baseline(), [TONGWEI], JAN)}
    computed = overlay(baseline(), tongwei({"dibao.standard_from_consumption": "true"}))
    names = {m.parameter for m in missing_local_parameters(computed, [TONGWEI], JAN)}
    assert "dibao.consumption_ratio" in names and "dibao.standard" not in names


def test_stored_values_make_the_county_known() -> None:
    params = overlay(baseline(), tongwei(COUNTY_RULES))
    assert missing_local_parameters(params, [TONGWEI], JAN) == []
    assert params.value("dibao.standard", TONGWEI, JAN, "rural") == 780
    assert params.value("dibao.standard", "621102", JAN, "rural") is None  # a neighbour is not set
    value, level, entry = params.resolve("dibao.max_business_capital", TONGWEI, JAN)
    assert (value, level, entry and entry.source.doc) == (50000, "county", "通民发〔2025〕1号")
    hh, pp = build(case(f"{TONGWEI}100001", [adult(wage_income=300)]))
    before = evaluate(model(), baseline(), hh, pp, date=JAN).households
    after = evaluate(model(), params, hh, pp, date=JAN).households
    assert before.get_column("dibao_eligible").to_list() == [None]
    assert after.get_column("dibao_eligible").to_list() == [True]
    assert after.get_column("dibao_benefit_fen").to_list() == [(780 - 300) * 100]


def test_a_stored_value_replaces_the_file_value_of_the_same_place_and_date() -> None:
    base = demo_parameters()  # a file's values for 110105: 1450 from 2024-07-01, 1520 from 2025-07-01
    param = base["dibao.standard"]
    source = Source(doc="京民发〔2025〕9号")
    same_day = Entry("110105", dt.date(2025, 7, 1), {"urban": 160000.0, "rural": 160000.0}, source, 0)
    earlier = Entry("110105", dt.date(2025, 1, 1), {"urban": 150000.0, "rural": 150000.0}, source, 0)
    merged = layer_entries(param, [same_day, earlier], "db")
    county = [e for e in merged.entries if e.region == "110105"]
    assert [e.effective for e in county] == [dt.date(2024, 7, 1), dt.date(2025, 1, 1), dt.date(2025, 7, 1)]
    assert [e.source.doc for e in county] == ["演示示例（非真实文号）", "京民发〔2025〕9号", "京民发〔2025〕9号"]
    params = base.with_overrides({param.id: merged})
    assert params.value("dibao.standard", "110105", dt.date(2025, 8, 1), "urban") == 1600
    assert params.value("dibao.standard", "110105", dt.date(2025, 3, 1), "urban") == 1500  # the new date's
    assert params.value("dibao.standard", "110105", dt.date(2024, 8, 1), "urban") == 1450  # the file's, kept
    assert params.value("dibao.standard", "110101", dt.date(2025, 8, 1), "urban") is None  # not the county's


def test_unchanged_parameters_keep_their_compiled_tables() -> None:
    base = baseline()
    red = base.compiled("casework.check_days_red")
    params = overlay(base, tongwei({"dibao.standard": "780"}))
    assert params.compiled("casework.check_days_red") is red
    assert np.isnan(
        base.compiled("dibao.standard").lookup(np.array([base.regions.position[TONGWEI]]), np.datetime64(JAN))
    )[0]
    assert pl.Series([params.value("dibao.standard", TONGWEI, JAN, "urban")]).item() == 780
