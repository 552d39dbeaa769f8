"""Explanations (结果解释): status, failed and unknown conditions with what is missing,
parameter provenance, amounts in yuan, Chinese and English text, and counts over a run."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from rule_households import AUGUST, adult, build, case

from minsheng.demo.local_params import demo_parameters
from minsheng.localparams.values import LocalValue, overlay
from minsheng.programmes.registry import baseline, model
from minsheng.rules.evaluate import evaluate
from minsheng.rules.explain import SCHEMA, explain_household, failure_counts
from minsheng.rules.explain_text import render
from minsheng.rules.parameters import ParameterSet

CHAOYANG = "110105001001"
DONGCHENG = "110101001"
CHANG_AN = "130102001"  # Hebei: no dibao standard in the demo parameters
# The demo county's own values (demo/local_parameters.yaml), and the same file's for Dongcheng (110101).
PARAMS = demo_parameters("110101", demo_parameters())
TEST_DOC = "测试用值（非真实文号）"


def levels() -> ParameterSet:
    """A province standard with a county's own rise over it: 1450 in province 11 from 2024-07-01,
    1500 from 2025-07-01; 1520 in county 110105 from 2025-07-01 (the walk county → province)."""
    rise = dt.date(2025, 7, 1)
    values = [("11", dt.date(2024, 7, 1), "1450"), ("11", rise, "1500"), ("110105", rise, "1520")]
    return overlay(baseline(), [LocalValue("dibao.standard", r, day, {"": v}, TEST_DOC) for r, day, v in values])


def explain(
    *cases: Any, household_id: str = "S00000", date: dt.date = AUGUST, params: ParameterSet = PARAMS
) -> dict[str, Any]:
    hh, pp = build(*cases)
    return explain_household(model(), params, hh, pp, household_id, date=date)


def programme(expl: dict[str, Any], pid: str, subject: str | None = None) -> dict[str, Any]:
    found = [p for p in expl["programmes"] if p["id"] == pid and (subject is None or p["subject"]["id"] == subject)]
    assert len(found) == 1, f"{pid} {subject}: {len(found)} entries"
    return found[0]


def condition(prog: dict[str, Any], cid: str) -> dict[str, Any]:
    return next(c for c in prog["conditions"] if c["id"] == cid)


def parameter(cond: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(p for p in cond["parameters"] if p["id"] == pid)


@pytest.fixture(scope="module")
def eligible() -> dict[str, Any]:
    """Two working-age adults in Chaoyang with 1,044 yuan: gap (1520 − 522) × 2 = 1,996.00 yuan."""
    return explain(case(CHAOYANG, [adult(wage_income=1044), adult(supporter_capable=1)]))


def test_schema_and_header(eligible: dict[str, Any]) -> None:
    assert eligible["format"] == SCHEMA == "minsheng.explain/v1"
    assert eligible["household_id"] == "S00000"
    assert eligible["date"] == "2025-08-01"
    assert eligible["region"] == {"code": CHAOYANG, "name": "北京市朝阳区建外街道001号村（社区）"}
    assert [m["person_id"] for m in eligible["members"]] == ["S00000-1", "S00000-2"]
    json.dumps(eligible, ensure_ascii=False)  # the explanation is plain JSON


def test_every_programme_has_a_status_per_subject(eligible: dict[str, Any]) -> None:
    statuses = {(p["id"], p["subject"]["id"]): p["status"] for p in eligible["programmes"]}
    assert statuses == {
        ("dibao", "S00000"): "eligible",
        # tekun: working-age adults have labour capacity
        ("tekun", "S00000-1"): "ineligible",
        ("tekun", "S00000-2"): "ineligible",
        ("dibao_marginal", "S00000"): "ineligible",  # already in dibao
        ("dibao_single", "S00000-1"): "ineligible",
        ("dibao_single", "S00000-2"): "ineligible",
        ("rigid_expenditure_hardship", "S00000"): "ineligible",  # already in dibao
    }


def test_an_eligible_household_shows_amounts_in_yuan(eligible: dict[str, Any]) -> None:
    dibao = programme(eligible, "dibao")
    assert dibao["failed"] == [] and dibao["unknown"] == [] and dibao["missing_inputs"] == []
    assert dibao["benefit"] == 1996.00
    amounts = {a["id"]: (a["value"], a["unit"]) for a in dibao["amounts"]}
    assert amounts["dibao_standard_fen"] == (1520.0, "yuan/person/month")
    assert amounts["dibao_income_per_capita_fen"] == (522.0, "yuan/month")
    assert amounts["dibao_gap_fen"] == (1996.0, "yuan/month")
    assert amounts["dibao_household_size"] == (2, "persons")
    assert all(c["result"] is True for c in dibao["conditions"])
    assert all(c["cite"] for c in dibao["conditions"])


def test_a_parameter_names_its_level_date_and_source() -> None:
    chaoyang = condition(
        programme(explain(case(CHAOYANG, [adult()]), params=levels()), "dibao"), "dibao_income_below_standard"
    )
    dongcheng = condition(
        programme(explain(case(DONGCHENG, [adult()]), params=levels()), "dibao"), "dibao_income_below_standard"
    )
    county = parameter(chaoyang, "dibao.standard")
    province = parameter(dongcheng, "dibao.standard")
    assert (county["value"], county["level"], county["region"], county["effective"]) == (
        1520.0,
        "county",
        "110105",
        "2025-07-01",
    )
    assert (province["value"], province["level"], province["region"], province["effective"]) == (
        1500.0,
        "province",
        "11",
        "2025-07-01",
    )
    assert county["source"]["doc"] == province["source"]["doc"] == TEST_DOC
    assert county["file"].startswith(str(baseline()["dibao.standard"].file))  # the shipped file, and over it…
    assert county["file"].endswith("local parameters (database)")  # …the stored value that gives this one
    national = parameter(chaoyang, "dibao.standard_from_consumption")
    assert (national["level"], national["region"], national["value"]) == ("national", "CN", False)
    assert national["source"]["doc"] == "民发〔2024〕16号"


def test_before_the_county_rise_the_province_value_is_explained() -> None:
    day = dt.date(2025, 6, 30)
    cond = condition(
        programme(explain(case(CHAOYANG, [adult()], date=day), date=day, params=levels()), "dibao"),
        "dibao_income_below_standard",
    )
    assert {k: parameter(cond, "dibao.standard")[k] for k in ("value", "level", "effective")} == {
        "value": 1450.0,
        "level": "province",
        "effective": "2024-07-01",
    }


def test_the_date_asked_for_is_the_date_evaluated() -> None:
    # The frames carry assessment_date 2025-08-01; the explanation is asked for 2025-06-30. The
    # numbers and their provenance must describe the same day.
    expl = explain(case(CHAOYANG, [adult()]), date=dt.date(2025, 6, 30))
    dibao = programme(expl, "dibao")
    standard = parameter(condition(dibao, "dibao_income_below_standard"), "dibao.standard")
    shown = {a["id"]: a["value"] for a in dibao["amounts"]}
    assert expl["date"] == "2025-06-30"
    assert standard["value"] == shown["dibao_standard_fen"] == 1450.0
    assert standard["effective"] == "2024-07-01"
    assert dibao["benefit"] == 1450.0


def test_an_ineligible_household_lists_the_failed_conditions() -> None:
    expl = explain(case(CHAOYANG, [adult(wage_income=2000)], household={"vehicles": 1}))
    dibao = programme(expl, "dibao")
    assert dibao["status"] == "ineligible"
    assert sorted(dibao["failed"]) == ["dibao_income_below_standard", "dibao_vehicles_within_limit"]
    assert dibao["unknown"] == [] and dibao["missing_inputs"] == []
    assert dibao["benefit"] == 0.0
    vehicles = condition(dibao, "dibao_vehicles_within_limit")
    assert vehicles["result"] is False
    assert {i["id"]: i["value"] for i in vehicles["inputs"]} == {"vehicles": 1}
    assert parameter(vehicles, "dibao.max_vehicles")["value"] == 0


def test_a_blank_wage_makes_dibao_unknown_and_names_the_member() -> None:
    expl = explain(case(CHAOYANG, [adult(), adult(wage_income=None)]))
    dibao = programme(expl, "dibao")
    assert dibao["status"] == "unknown"
    assert dibao["unknown"] == ["dibao_income_below_standard"] and dibao["failed"] == []
    assert dibao["benefit"] is None
    assert [m for m in dibao["missing_inputs"] if m["kind"] == "input"] == [
        {
            "kind": "input",
            "name": "wage_income_fen",
            "label": {"zh": "工资性收入", "en": "wage income"},
            "entity": "person",
            "person_id": "S00000-2",
            "person": "成员2",
        }
    ]


def test_a_region_without_a_standard_names_the_missing_parameter() -> None:
    expl = explain(case(CHANG_AN, [adult()]))
    dibao = programme(expl, "dibao")
    assert dibao["status"] == "unknown"
    assert "dibao_income_below_standard" in dibao["unknown"]
    missing = [m for m in dibao["missing_inputs"] if m["kind"] == "parameter"]
    assert {
        "kind": "parameter",
        "name": "dibao.standard",
        "label": {"zh": "最低生活保障标准", "en": "Dibao standard"},
        "region": CHANG_AN,
    } in missing
    assert not [m for m in dibao["missing_inputs"] if m["kind"] == "input"]  # every input was given
    standard = parameter(condition(dibao, "dibao_income_below_standard"), "dibao.standard")
    assert (standard["value"], standard["level"], standard["source"]) == (None, None, None)


def test_an_eligible_household_with_an_unknown_amount_says_what_is_missing() -> None:
    # A blank birth date is an unknown age: the elderly or minor top-up, and so the amount, is unknown.
    # (A capable supporter on record: without one, whether the member is tekun, and so counted
    # in the dibao household at all, would be unknown too.)
    expl = explain(case(CHAOYANG, [adult(), adult(birth_date=None, supporter_capable=1)]))
    dibao = programme(expl, "dibao")
    assert (dibao["status"], dibao["benefit"]) == ("eligible", None)
    assert {"name": "birth_date", "person_id": "S00000-2"} in [
        {"name": m["name"], "person_id": m.get("person_id")} for m in dibao["missing_inputs"]
    ]
    assert "S00000-1" not in [m.get("person_id") for m in dibao["missing_inputs"]]


def test_tekun_is_explained_per_person() -> None:
    old = adult(birth_date="1950-01-01", self_care="partial", supporter_capable=0)
    expl = explain(case(CHAOYANG, [old]))
    tekun = programme(expl, "tekun", "S00000-1")
    assert tekun["status"] == "eligible" and tekun["subject"] == {"entity": "person", "id": "S00000-1", "name": "成员1"}
    assert tekun["benefit"] == 2379.41  # 1.3 × 1,520 + 0.1667 × 2,420 (tekun.yaml scenario)
    standard = parameter(condition(tekun, "tekun_no_source_of_living"), "dibao.standard")
    assert (standard["level"], standard["value"]) == ("county", 1520.0)
    amounts = {a["id"]: a["value"] for a in tekun["amounts"]}
    assert (amounts["tekun_basic_living_fen"], amounts["tekun_care_fen"]) == (1976.0, 403.41)


def test_render_zh_is_chinese_with_the_amount() -> None:
    text = render(explain(case(CHAOYANG, [adult(wage_income=1044), adult()])), "zh")
    assert text.splitlines()[0] == "家庭 S00000 · 北京市朝阳区建外街道001号村（社区） · 测算日期 2025-08-01"
    assert "■ 最低生活保障：符合，月发放 1,996.00 元" in text
    assert "✓ 人均收入低于低保标准" in text
    assert "参数 最低生活保障标准 = 1,520" in text and "县级 110105，2025-07-01起" in text
    assert "■ 特困人员救助供养 · 成员1（S00000-1）：不符合" in text
    assert "✗ 无劳动能力" in text
    assert "Minimum living allowance" not in text and "eligible" not in text


def test_render_zh_names_what_is_missing() -> None:
    text = render(explain(case(CHAOYANG, [adult(), adult(wage_income=None)])), "zh")
    assert "■ 最低生活保障：无法判定（缺少信息）" in text
    assert "缺少：工资性收入（成员2）" in text


def test_render_en_is_english() -> None:
    text = render(
        explain(case(CHAOYANG, [adult(wage_income=1044), adult(wage_income=None)]), household_id="S00000"), "en"
    )
    assert text.splitlines()[0] == "Household S00000 · 110105001001 · assessed on 2025-08-01"
    assert "■ Minimum living allowance (dibao): unknown" in text
    assert "? income per capita below the standard" in text
    assert "missing: wage income" in text
    assert "parameter Dibao standard = 1,520 yuan/person/month (county 110105, from 2025-07-01; " in text
    # Chinese stays only in legal citations, sources and member names (data), never in the wording.
    wording = re.sub(r"  〔.*|(basis|source): .*|成员[0-9]", "", text)  # a citation ends its line
    assert not re.findall(r"[\u4e00-\u9fff]+", wording)


def test_render_en_shows_the_amount() -> None:
    text = render(explain(case(CHAOYANG, [adult(wage_income=1044), adult()])), "en")
    assert "■ Minimum living allowance (dibao): eligible, 1,996.00 yuan per month" in text
    assert "amounts: dibao standard applied = 1,520.00 yuan" in text


# ---------------------------------------------------------------- failure counts over a run


def test_failure_counts_per_township() -> None:
    cases = [
        case("110105001001", [adult()]),  # eligible
        case("110105001002", [adult()], household={"vehicles": 1}),  # fails vehicles
        case("110105001", [adult(), adult(wage_income=None)]),  # income unknown
        case("110105002003", [adult(wage_income=2000)]),  # fails income
        case("110105002", [adult(wage_income=2000)], household={"vehicles": 2}),  # fails income and vehicles
        case("110101001", [adult()], household={"financial_assets": None}),  # assets unknown
    ]
    hh, pp = build(*cases)
    result = evaluate(model(), PARAMS, hh, pp)
    counts = failure_counts(model(), result)
    dibao = counts.filter(pl.col("programme") == "dibao").drop("programme")
    rows = []
    for town, assessed, income, assets, vehicles in (
        ("110101001", 1, (0, 0), (0, 1), (0, 0)),
        ("110105001", 3, (0, 1), (0, 0), (1, 0)),
        ("110105002", 2, (2, 0), (0, 0), (1, 0)),
    ):
        for cond, (failed, unknown) in (
            ("dibao_business_capital_within_limit", (0, 0)),
            ("dibao_financial_assets_within_limit", assets),
            ("dibao_has_members", (0, 0)),
            ("dibao_housing_within_limit", (0, 0)),
            ("dibao_income_below_standard", income),
            ("dibao_no_excluded_non_residential", (0, 0)),
            ("dibao_vehicles_within_limit", vehicles),
        ):
            rows.append(
                {"township": town, "condition": cond, "failed": failed, "unknown": unknown, "assessed": assessed}
            )
    expected = pl.DataFrame(rows).sort("township", "condition")
    assert_frame_equal(dibao, expected, check_dtypes=False)

    # person programmes count persons: 110105001 has 1 + 1 + 2 members, all of working age
    tekun = counts.filter((pl.col("programme") == "tekun") & (pl.col("condition") == "tekun_no_labour_capacity"))
    assert dict(tekun.select("township", "failed").iter_rows()) == {"110101001": 1, "110105001": 4, "110105002": 2}
    assert set(tekun.get_column("assessed")) == {1, 4, 2}


def test_failure_counts_per_county() -> None:
    hh, pp = build(
        case("110105001001", [adult(wage_income=2000)]),
        case("110105002", [adult(wage_income=2000)]),
        case("110101001", [adult()]),
    )
    counts = failure_counts(model(), evaluate(model(), PARAMS, hh, pp), by="county")
    income = counts.filter(pl.col("condition") == "dibao_income_below_standard")
    assert income.select("county", "failed", "assessed").rows() == [("110101", 0, 1), ("110105", 2, 2)]


def test_a_comparison_shows_values_that_differ_when_they_do() -> None:
    # 109,440.01 yuan over three members is 36,480.0033… per capita: a third of a fen over the
    # limit of 2 × 12 × 1,520 = 36,480. Rounded to the fen it would read "36,480.00" against
    # "36,480.00" and "failed" (issue §2.5).
    home = {"financial_assets": 109440.01, "housing_area_m2": 60}
    expl = explain(case(CHAOYANG, [adult(), adult(), adult()], household=home))
    cond = condition(programme(expl, "dibao"), "dibao_financial_assets_within_limit")
    assert cond["result"] is False
    shown = {v["id"]: v["value"] for v in cond["inputs"]}
    assert shown["dibao_financial_assets_limit_fen"] == 36480.0
    assert shown["financial_assets_per_capita_fen"] > shown["dibao_financial_assets_limit_fen"]
    for lang in ("zh", "en"):
        text = render(expl, lang)
        line = next(line for line in text.splitlines() if "36,480.00" in line)
        per_capita = re.search(r"(?:人均金融资产|financial assets per capita) = ([0-9,.]+)", line)
        assert per_capita is not None and per_capita.group(1) != "36,480.00", line
        assert float(per_capita.group(1).replace(",", "")) > 36480
