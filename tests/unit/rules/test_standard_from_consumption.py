"""民发〔2024〕16号: the standard as prior-year per-capita consumption × a quantified ratio."""

from __future__ import annotations

from pathlib import Path

from minsheng.demo.local_params import demo_parameters
from minsheng.programmes.registry import model
from minsheng.rules.reforms import apply, parse_reform_text
from minsheng.rules.scenarios import load_cases, run

REFORM = """
reform:
  id: standard-from-consumption
  label: {zh: 按消费支出比例定标, en: standard from consumption}
parameters:
  dibao.standard_from_consumption:
    values:
      "11":
        2025-08-01: {value: true}
"""

CASES = """
programme: dibao
cases:
  - name: urban standard = 34557 / 12 × 35 %, rounded half up to the fen
    date: 2025-08-01
    region: "110105001001"
    household: {urban_rural: urban, financial_assets: 0, properties: 1, housing_area_m2: 30, vehicles: 0,
                business_capital: 0, non_residential_property: 0}
    persons:
      - {birth_date: 1985-01-01, wage_income: 0, business_income: 0, property_income: 0, transfer_income: 0}
    output: {dibao_standard_fen: 1007.91, dibao_benefit_fen: 1007.91}
  - name: rural standard = 19280 / 12 × 40 %
    date: 2025-08-01
    region: "110105001001"
    household: {urban_rural: rural, financial_assets: 0, properties: 1, housing_area_m2: 30, vehicles: 0,
                business_capital: 0, non_residential_property: 0}
    persons:
      - {birth_date: 1985-01-01, wage_income: 0, business_income: 0, property_income: 0, transfer_income: 0}
    output: {dibao_standard_fen: 642.67}
  - name: the day before the switch the published standard applies
    date: 2025-07-31
    region: "110105001001"
    household: {urban_rural: urban, financial_assets: 0, properties: 1, housing_area_m2: 30, vehicles: 0,
                business_capital: 0, non_residential_property: 0}
    persons:
      - {birth_date: 1985-01-01, wage_income: 0, business_income: 0, property_income: 0, transfer_income: 0}
    output: {dibao_standard_fen: 1520}
"""


def test_standard_computed_from_prior_year_consumption(tmp_path: Path) -> None:
    county = demo_parameters()  # the demo county's ratio (35 % urban, 40 % rural) and published standard
    params = apply(county, parse_reform_text(REFORM, "reform.yaml", county))
    path = tmp_path / "cases.yaml"
    path.write_text(CASES, encoding="utf-8")
    results = run(model(), params, load_cases([path]))
    assert [r.problems for r in results] == [[], [], []]
    # The baseline (published standard) is untouched by the reform.
    baseline_results = run(model(), county, load_cases([path]))
    assert baseline_results[0].problems == [
        "dibao_standard_fen: expected 1007.91, got 1520.0",
        "dibao_benefit_fen: expected 1007.91, got 1520.0",
    ]
