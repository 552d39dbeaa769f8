"""Condition 5 of 刚性支出困难家庭认定办法: extra local conditions, switched on by a county."""

from __future__ import annotations

from pathlib import Path

from minsheng.demo.local_params import demo_parameters
from minsheng.programmes.registry import model
from minsheng.rules.reforms import apply, parse_reform_text
from minsheng.rules.scenarios import load_cases, run

REFORM = """
reform:
  id: county-minimum-expenditure
  label: {zh: 县级附加条件, en: county extra condition}
parameters:
  rigid_expenditure_hardship.min_expenditure:
    values:
      "110105":
        2025-01-01: {value: 60000, source: {local_choice: "test: rigid expenditure of at least 60,000 yuan"}}
"""

CASE = """
programme: rigid_expenditure_hardship
cases:
  - name: 50,000 yuan of medical cost is below the county's extra minimum
    date: 2025-08-01
    region: "110105001001"
    household: {financial_assets: 0, properties: 1, housing_area_m2: 30, vehicles: 0, business_capital: 0,
                non_residential_property: 0}
    persons:
      - {birth_date: 1980-01-01, wage_income: 6000, business_income: 0, property_income: 0, transfer_income: 0,
         medical_expense: 50000, education_expense: 0, other_rigid_expense: 0}
      - {birth_date: 1982-01-01, wage_income: 0, business_income: 0, property_income: 0, transfer_income: 0,
         medical_expense: 0, education_expense: 0, other_rigid_expense: 0}
    output: {rigid_expenditure_hardship_eligible: false}
    failed: [rigid_local_conditions]
"""


def test_a_local_extra_condition_can_fail_a_household(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(CASE, encoding="utf-8")
    cases = load_cases([path])
    county = demo_parameters()  # the demo county's own values (its threshold of 60 %, its property rules)
    reformed = apply(county, parse_reform_text(REFORM, "reform.yaml", county))
    assert [r.problems for r in run(model(), reformed, cases)] == [[]]
    # Without the county's condition the same household qualifies.
    [plain] = run(model(), county, cases)
    assert "rigid_expenditure_hardship_eligible: expected False, got True" in plain.problems
