"""`--local-params` (issue 12 §5): a county outside the shipped files assesses its own files with
its own local-parameters file and no database; a wrong file is refused with its rows named; the
scenario tests take the same file."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli_rules import HH, runner, write

from minsheng.cli import app
from minsheng.demo.local_params import DEMO_FILE

TONGWEI = """\
division: "621121"
values:
  - {parameter: dibao.standard, effective: 2025-07-01, value: 780, doc: 通民发〔2025〕12号}
  - {parameter: dibao.financial_assets_multiple, effective: 2025-07-01, value: 2, doc: 通民发〔2025〕12号}
  - {parameter: dibao.housing_area_exemption_m2, effective: 2025-07-01, value: 30, doc: 通民发〔2025〕12号}
  - {parameter: dibao.max_business_capital, effective: 2025-07-01, value: 50000, doc: 通民发〔2025〕12号}
  - {parameter: dibao.max_properties, effective: 2025-07-01, value: 1, doc: 通民发〔2025〕12号}
  - {parameter: dibao.max_vehicles, effective: 2025-07-01, value: 0, doc: 通民发〔2025〕12号}
  - {parameter: dibao.non_residential_property_allowed, effective: 2025-07-01, value: 否, doc: 通民发〔2025〕12号}
  - {parameter: general.minimum_wage, effective: 2025-07-01, value: 2020, doc: 甘政发〔2025〕30号}
  - {parameter: rigid_expenditure_hardship.expense_share_threshold, effective: 2025-07-01, value: 0.7, doc: 通民发〔2025〕12号}
"""


def tongwei_assess(tmp_path: Path, *extra: str) -> dict[str, object]:
    tmp_path.mkdir()
    hh, p = write(tmp_path)
    hh.write_text(HH.replace("110105001001", "621121100001").replace("110105002001", "621121100001"), encoding="utf-8")
    args = ["assess", "--households", str(hh), "--persons", str(p), "--date", "2025-08-01", "--json"]
    done = runner.invoke(app, [*args, "--out", str(tmp_path / "out"), *extra])
    assert done.exit_code == 0, done.output
    found: dict[str, object] = json.loads(done.stdout)
    return found


def dibao(result: dict[str, object]) -> dict[str, object]:
    rows = result["programmes"]
    assert isinstance(rows, list)
    return next(r for r in rows if r["programme"] == "dibao")


def test_a_county_assesses_its_files_with_its_own_local_parameters(tmp_path: Path) -> None:
    without = tongwei_assess(tmp_path / "a")
    assert without["local_parameters_not_set"] and dibao(without)["unknown"] == 3
    (tmp_path / "tongwei.yaml").write_text(TONGWEI, encoding="utf-8")
    mine = tongwei_assess(tmp_path / "b", "--local-params", str(tmp_path / "tongwei.yaml"))
    assert "local_parameters_not_set" not in mine
    assert (dibao(mine)["eligible"], dibao(mine)["ineligible"], dibao(mine)["unknown"]) == (1, 2, 0)
    # her whole 780 standard: no income, and no elderly top-up (the file sets none; nationally 0)
    assert dibao(mine)["monthly_benefit_yuan"] == 780.0


def test_a_wrong_file_is_refused_with_its_rows(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(TONGWEI.replace("value: 780", "value: 七百八"), encoding="utf-8")
    hh, p = write(tmp_path)
    args = ["assess", "--households", str(hh), "--persons", str(p), "--local-params", str(tmp_path / "bad.yaml")]
    refused = runner.invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert refused.exit_code != 0
    assert "第3行 value：取值应为数字" in refused.output and "row 3 value: the value must be a number" in refused.output


def test_scenario_tests_take_the_demo_file(tmp_path: Path) -> None:
    scenarios = Path(__file__).parents[1] / "scenarios" / "dibao.yaml"
    done = runner.invoke(app, ["rules", "test", str(scenarios), "--local-params", str(DEMO_FILE)])
    assert done.exit_code == 0, done.output
    assert "0 failed" in done.output
