"""Reforms (改革方案): validated in full with file:line, laid over the baseline without mutating it."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import numpy as np
import pytest
from rule_households import adult, build, case

from minsheng.demo.local_params import demo_parameters
from minsheng.errors import RuleDataError
from minsheng.programmes.registry import baseline, model
from minsheng.rules.evaluate import evaluate
from minsheng.rules.parameters import ParameterSet
from minsheng.rules.reforms import apply, load_reform, parse_reform_text

FILE = "reforms/test.yaml"
CHAOYANG = "110105001001"  # the demo county: 1450 yuan from 2024-07-01, 1520 from 2025-07-01
DONGCHENG = "110101001"  # another county given the same values
# The shipped files with the demo county's own values (demo/local_parameters.yaml), for both counties.
LOCAL = demo_parameters(DONGCHENG[:6], demo_parameters())

RAISE = textwrap.dedent("""\
    reform:
      id: raise-2026
      label: {zh: 低保标准提高10%, en: Dibao standard +10 %}
    parameters:
      dibao.standard:
        values:
          "110105":
            2026-01-01: {value: 1672}
""")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def reform_error(text: str) -> RuleDataError:
    with pytest.raises(RuleDataError) as info:
        parse_reform_text(text, FILE, baseline())
    assert info.value.file == FILE
    return info.value


def test_a_parameter_that_does_not_exist_is_refused_on_its_line() -> None:
    text = RAISE + "  dibao.no_such_parameter:\n    values:\n      CN:\n        2026-01-01: {value: 1}\n"
    err = reform_error(text)
    assert err.line == line_of(text, "dibao.no_such_parameter")
    assert "dibao.no_such_parameter does not exist" in err.en


def test_an_entry_that_does_not_fit_the_parameter_is_refused_on_its_line() -> None:
    text = RAISE + "  dibao.tiered:\n    values:\n      CN:\n        2026-01-01: {value: 3}\n"
    err = reform_error(text)
    assert err.line == line_of(text, "{value: 3}")
    assert "true or false" in err.en


def test_a_reform_that_gives_no_values_is_refused_on_its_line() -> None:
    # a shipped file may list no value of a local rule (`values: {}`); a reform that changes nothing may not
    text = RAISE.split('      "110105"')[0].replace("values:", "values: {}")
    err = reform_error(text)
    assert err.line == line_of(text, "values: {}")
    assert "values must map region" in err.en


def test_a_reform_with_an_unknown_region_is_refused_on_its_line() -> None:
    text = RAISE.replace('"110105"', '"999999"')
    assert reform_error(text).line == line_of(text, '"999999"')


def test_malformed_json_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "reform.json"
    path.write_text(
        '{\n  "reform": {"id": "r"},\n  "parameters": {\n    "dibao.standard" {"values": {}}\n  }\n}\n',
        encoding="utf-8",
    )
    with pytest.raises(RuleDataError) as info:
        load_reform(path, baseline())
    assert (info.value.file, info.value.line) == (str(path), 4)
    assert "malformed JSON" in info.value.en


def test_a_json_reform_loads_like_a_yaml_one(tmp_path: Path) -> None:
    path = tmp_path / "reform.json"
    path.write_text(
        '{"reform": {"id": "j"}, "parameters": {"dibao.standard": {"values": {"110105": '
        '{"2026-01-01": {"value": 1672}}}}}}',
        encoding="utf-8",
    )
    reformed = apply(baseline(), load_reform(path, baseline()))
    assert reformed.value("dibao.standard", CHAOYANG, dt.date(2026, 1, 1), "urban") == 1672


def test_a_reform_changes_the_value_from_its_date_and_leaves_the_baseline_alone() -> None:
    base = LOCAL
    compiled_before = base.compiled("dibao.standard")
    table_before = compiled_before.values.copy()
    entries_before = base["dibao.standard"].entries
    floor_before = base.compiled("dibao.floor_ratio")

    reform = parse_reform_text(RAISE, FILE, base)
    reformed = apply(base, reform)

    assert reformed.value("dibao.standard", CHAOYANG, dt.date(2025, 12, 31), "urban") == 1520
    assert reformed.value("dibao.standard", CHAOYANG, dt.date(2026, 1, 1), "urban") == 1672
    assert reformed.value("dibao.standard", DONGCHENG, dt.date(2026, 1, 1), "urban") == 1520  # not reformed
    # the baseline: same value, same entries, same compiled table, untouched
    assert base.value("dibao.standard", CHAOYANG, dt.date(2026, 1, 1), "urban") == 1520
    assert base["dibao.standard"].entries is entries_before
    assert base.compiled("dibao.standard") is compiled_before
    np.testing.assert_array_equal(compiled_before.values, table_before)
    # unchanged parameters share their compiled tables
    assert reformed.compiled("dibao.floor_ratio") is floor_before
    assert reformed.compiled("dibao.standard") is not compiled_before
    # an entry without a source is cited as the reform
    added = [e for e in reformed["dibao.standard"].entries if e.effective == dt.date(2026, 1, 1)]
    assert [e.source.local_choice for e in added] == ["改革方案 reform raise-2026"]


def test_a_replaced_region_and_date_wins_over_the_baseline_entry() -> None:
    base = LOCAL
    text = RAISE.replace("2026-01-01: {value: 1672}", "2025-07-01: {value: 1600}")
    reformed = apply(base, parse_reform_text(text, FILE, base))
    at = [e for e in reformed["dibao.standard"].entries if (e.region, e.effective) == ("110105", dt.date(2025, 7, 1))]
    assert len(at) == 1 and at[0].value == {"urban": 160000.0, "rural": 160000.0}
    assert reformed.value("dibao.standard", CHAOYANG, dt.date(2025, 8, 1), "rural") == 1600
    assert reformed.value("dibao.standard", CHAOYANG, dt.date(2025, 6, 30), "urban") == 1450  # its earlier value
    assert base.value("dibao.standard", CHAOYANG, dt.date(2025, 8, 1), "rural") == 1520


def test_a_reform_does_not_change_an_explicit_parameter_set_it_was_not_applied_to() -> None:
    base = ParameterSet(dict(LOCAL.params))
    apply(base, parse_reform_text(RAISE, FILE, base))
    assert base.value("dibao.standard", CHAOYANG, dt.date(2026, 6, 1), "urban") == 1520


TIERED = textwrap.dedent("""\
    reform:
      id: tiered
    parameters:
      dibao.tiered:
        values:
          CN:
            2025-01-01: {value: true}
""")


def test_enabling_tiers_pays_the_tier_of_each_household() -> None:
    # Demo tiers (dibao/tier*.yaml): income per capita / standard below 0.3 → 90 % of the standard per
    # person, below 0.6 → 60 %, otherwise 30 %; the demo county's 20 % floor and top-ups still apply.
    # Chaoyang, 2025-08-01: standard 1,520 yuan.
    households = [
        case(CHAOYANG, [adult(wage_income=1000), adult()]),  # 500 / 1520 = 0.33 → tier 2
        case(CHAOYANG, [adult()]),  # 0 → tier 1
        case(CHAOYANG, [adult(wage_income=456)]),  # 456 / 1520 = 0.30 exactly → not below 0.3: tier 2
        case(CHAOYANG, [adult(wage_income=3000), adult(), adult()]),  # 1000 / 1520 = 0.66 → tier 3
        # (a capable supporter on record, so not tekun: a tekun member would leave the dibao household)
        case(CHAOYANG, [adult(birth_date="1950-03-01", wage_income=500, supporter_capable=1)]),  # tier 2 + elderly 10 %
        case(CHAOYANG, [adult(wage_income=1600)]),  # above the standard: not eligible
    ]
    tier = {
        "S00000": 2 * 912_00,  # 60 % × 1,520 = 912.00 per person
        "S00001": 1368_00,  # 90 % × 1,520
        "S00002": 912_00,
        "S00003": 3 * 456_00,  # 30 % × 1,520 = 456.00, above the floor of 304.00
        "S00004": 912_00 + 152_00,
        "S00005": 0,
    }
    gap = {  # the baseline: (standard − income per capita) × members, floor 20 %, top-ups
        "S00000": 3040_00 - 1000_00,
        "S00001": 1520_00,
        "S00002": 1520_00 - 456_00,
        "S00003": 4560_00 - 3000_00,
        "S00004": 1520_00 - 500_00 + 152_00,
        "S00005": 0,
    }
    hh, pp = build(*households)
    base = LOCAL
    reformed = apply(base, parse_reform_text(TIERED, FILE, base))
    for params, expected in ((base, gap), (reformed, tier)):
        result = evaluate(model(), params, hh, pp, outputs=["dibao_benefit_fen"])
        got = dict(result.households.select("household_id", "dibao_benefit_fen").iter_rows())
        assert got == expected


def test_tiers_enabled_from_a_later_date_leave_earlier_dates_as_they_were() -> None:
    base = LOCAL
    reformed = apply(base, parse_reform_text(TIERED.replace("2025-01-01", "2025-09-01"), FILE, base))
    hh, pp = build(
        case(CHAOYANG, [adult(wage_income=1000), adult()], date=dt.date(2025, 8, 31)),
        case(CHAOYANG, [adult(wage_income=1000), adult()], date=dt.date(2025, 9, 1)),
    )
    result = evaluate(model(), reformed, hh, pp, outputs=["dibao_benefit_fen"])
    assert result.households.get_column("dibao_benefit_fen").to_list() == [2040_00, 1824_00]
