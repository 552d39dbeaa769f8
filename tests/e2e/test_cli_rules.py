"""assess and explain from the command line, over the registry and over files. The households live
in the demo county; its own local values come from its file (`--local-params`, for files) or are
approved in the registry (as `minsheng demo` approves them), never from the shipped files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner, Result

from minsheng.cli import app
from minsheng.demo.local_params import DEMO_FILE, demo_parameters

runner = CliRunner()
DEMO_VALUES = ("--local-params", str(DEMO_FILE))
HH = (
    "household_id,residence_division,urban_rural,financial_assets,properties,housing_area_m2,"
    "non_residential_property,vehicles,business_capital\n"
    "A1,110105001001,urban,0,1,30,0,0,0\n"
    "A2,110105002001,urban,0,1,30,0,1,0\n"
    "A3,110105002001,urban,0,1,30,0,0,0\n"
)
P = (
    "person_id,household_id,name,relation,birth_date,wage_income,business_income,property_income,transfer_income,"
    "supporter_capable,self_care\n"
    "Q1,A1,王秀英,02,1950-01-01,0,0,0,0,1,partial\n"
    "Q2,A2,李强,02,1980-01-01,1000,0,0,0,1,full\n"
    "Q3,A3,赵敏,02,1960-01-01,0,0,0,0,0,full\n"
)


def write(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "hh.csv").write_text(HH, encoding="utf-8")
    (tmp_path / "p.csv").write_text(P, encoding="utf-8")
    return tmp_path / "hh.csv", tmp_path / "p.csv"


def assess_files(tmp_path: Path, *extra: str, local: tuple[str, ...] = DEMO_VALUES) -> Result:
    hh, p = write(tmp_path)
    args = ["assess", "--households", str(hh), "--persons", str(p), "--date", "2025-08-01"]
    return runner.invoke(app, [*args, "--out", str(tmp_path / "out"), *local, *extra])


def registry(tmp_path: Path) -> str:
    """The files imported into a registry whose county has approved its own values (the demo file,
    submitted by one administrator and approved by another, as `minsheng demo` does)."""
    from minsheng.bootstrap import bootstrap
    from minsheng.demo.local_params import seed_local_parameters
    from minsheng.settings import Settings

    hh, p = write(tmp_path)
    data = tmp_path / "data"
    assert runner.invoke(app, ["import", str(hh), str(p), "--data", str(data)]).exit_code == 0
    engine = bootstrap(Settings(data=data)).engine
    seed_local_parameters(engine, "110105", data)
    engine.dispose()
    return str(data)


def test_assess_files_writes_the_contract_output(tmp_path: Path) -> None:
    result = assess_files(tmp_path, "--format", "parquet")
    assert result.exit_code == 0, result.output
    out = pl.read_parquet(tmp_path / "out" / "assessment_households.parquet").sort("household_id")
    assert out.select("household_id", "size", "dibao_eligible", "dibao_benefit").rows() == [
        ("A1", 1, True, 1672.0),  # 1520 gap + 10 % elderly top-up (a capable supporter: not tekun)
        ("A2", 1, False, 0.0),  # owns a vehicle
        ("A3", 1, False, 0.0),  # her tekun support replaces dibao: no member left in the dibao household
    ]
    persons = pl.read_parquet(tmp_path / "out" / "assessment_persons.parquet").sort("person_id")
    assert persons.select("person_id", "tekun_eligible").rows() == [("Q1", False), ("Q2", False), ("Q3", True)]
    reasons = pl.read_parquet(tmp_path / "out" / "failure_reasons.parquet")
    vehicles = reasons.filter(
        (pl.col("condition") == "dibao_vehicles_within_limit") & (pl.col("township") == "110105002")
    )
    assert vehicles.get_column("failed").to_list() == [1]


def test_explain_a_registered_household_in_both_languages_and_json(tmp_path: Path) -> None:
    data = registry(tmp_path)
    zh = runner.invoke(app, ["explain", "A1", "--date", "2025-08-01", "--data", data])
    assert zh.exit_code == 0, zh.output
    assert "最低生活保障：符合，月发放 1,672.00 元" in zh.output and "社会救助暂行办法 第九条" in zh.output
    en = runner.invoke(app, ["explain", "A2", "--date", "2025-08-01", "--lang", "en", "--data", data])
    assert "no excluded motor vehicle" in en.output and "ineligible" in en.output
    doc = json.loads(runner.invoke(app, ["explain", "A1", "--date", "2025-08-01", "--json", "--data", data]).output)
    assert doc["format"] == "minsheng.explain/v1"
    dibao = next(p for p in doc["programmes"] if p["id"] == "dibao")
    assert dibao["status"] == "eligible" and dibao["benefit"] == 1672.0
    missing = runner.invoke(app, ["explain", "NOPE", "--data", data])
    assert missing.exit_code == 1 and "no household with id NOPE" in missing.output


def test_a_reform_changes_the_assessment(tmp_path: Path) -> None:
    reform = tmp_path / "reform.yaml"
    reform.write_text(
        "reform:\n  id: more\n  label: {zh: 提标, en: raise}\nparameters:\n  dibao.standard:\n    values:\n"
        '      "110105":\n        2025-08-01: {value: 1600}\n',
        encoding="utf-8",
    )
    result = assess_files(tmp_path, "--reform", str(reform))
    assert result.exit_code == 0, result.output
    out = pl.read_csv(tmp_path / "out" / "assessment_households.csv").sort("household_id")
    assert out.get_column("dibao_benefit").to_list() == [1760.0, 0.0, 0.0]  # 1600 + 10 %


def test_a_structural_reform_replaces_a_formula_in_the_assessment(tmp_path: Path) -> None:
    tiers = Path(__file__).resolve().parents[2] / "examples" / "reforms" / "dibao_tiers_formula.yaml"
    result = assess_files(tmp_path, "--reform", str(tiers))
    assert result.exit_code == 0, result.output
    out = pl.read_csv(tmp_path / "out" / "assessment_households.csv").sort("household_id")
    assert out.get_column("dibao_benefit").to_list() == [1520.0, 0.0, 0.0]  # tier 1: 90 % of 1,520 + 10 %


def test_a_reform_formula_that_is_not_allowed_is_refused_with_its_line(tmp_path: Path) -> None:
    reform = tmp_path / "reform.yaml"
    reform.write_text(
        "reform:\n  id: bad\nformulas:\n  dibao_gap_fen:\n    expression: \"__import__('os').system('x')\"\n",
        encoding="utf-8",
    )
    result = assess_files(tmp_path, "--reform", str(reform))
    assert result.exit_code == 1
    assert f"{reform}:5" in result.output and "is not allowed" in result.output and "不允许" in result.output
    assert not (tmp_path / "out").exists()


def test_assess_says_how_many_amounts_are_unknown_and_left_out_of_the_total(tmp_path: Path) -> None:
    hh, p = write(tmp_path)
    # A4: two members, one wage blank: dibao is unknown, and so is its amount.
    hh.write_text(HH + "A4,110105001001,urban,0,1,30,0,0,0\n", encoding="utf-8")
    p.write_text(
        P + "Q4,A4,钱进,02,1985-01-01,,0,0,0,1,full\nQ5,A4,孙立,10,1986-01-01,0,0,0,0,1,full\n", encoding="utf-8"
    )
    args = ["assess", "--households", str(hh), "--persons", str(p), "--date", "2025-08-01", *DEMO_VALUES]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "out")], terminal_width=200)
    assert result.exit_code == 0, result.output
    dibao = next(line for line in result.output.splitlines() if "dibao " in line and "最低生活保障 " in line)
    assert "1,672.00" in dibao  # A1 only: A4's unknown amount is not in the total …
    assert "1 笔金额无法判定，未计入合计" in result.output  # … and the summary says so, in both languages
    assert "1 amounts unknown, not in the total" in result.output
    from minsheng import assessment

    households, persons = assessment.population_from_files(hh, p)
    when = dt.date(2025, 8, 1)
    summary = assessment.summary(assessment.assess(households, persons, date=when, params=demo_parameters()))
    row = summary.filter(pl.col("programme") == "dibao").row(0, named=True)
    assert (row["eligible"], row["ineligible"], row["unknown"]) == (1, 2, 1)
    assert (row["monthly_benefit_yuan"], row["unknown_amounts"]) == (1672.0, 1)


def test_rules_commands(tmp_path: Path) -> None:
    assert runner.invoke(app, ["rules", "check"]).exit_code == 0
    scenarios = sorted((Path(__file__).parents[1] / "scenarios").glob("*.yaml"))
    result = runner.invoke(app, ["rules", "test", *map(str, scenarios), *DEMO_VALUES])
    assert result.exit_code == 0 and " 0 failed" in result.output
    # without the demo county's own values its cases cannot pass: the shipped files do not hold them
    alone = runner.invoke(app, ["rules", "test", *map(str, scenarios)])
    assert alone.exit_code != 0 and " 0 failed" not in alone.output


def test_monitor_discover_command(tmp_path: Path) -> None:
    data = registry(tmp_path)
    result = runner.invoke(
        app, ["monitor", "discover", "--date", "2025-08-01", "--out", str(tmp_path / "d"), "--data", data]
    )
    assert result.exit_code == 0, result.output
    found = pl.read_csv(tmp_path / "d" / "discovery.csv").sort("programme", "household_id")
    # A1 (75, alone, no income) qualifies for dibao and A3 (65, no supporter) for tekun; neither receives it.
    assert found.select("kind", "programme", "household_id").rows() == [
        ("missed", "dibao", "A1"),
        ("missed", "tekun", "A3"),
    ]


def test_monitor_run_command(tmp_path: Path) -> None:
    data = registry(tmp_path)
    out = tmp_path / "found"
    result = runner.invoke(app, ["monitor", "run", "--date", "2025-08-01", "--out", str(out), "--data", data])
    assert result.exit_code == 0, result.output
    assert "discovery: missed 2" in result.output
    assert pl.read_csv(out / "discovery.csv").filter(pl.col("kind") == "missed").height == 2
    from sqlalchemy import text

    from minsheng.bootstrap import bootstrap
    from minsheng.settings import Settings

    with bootstrap(Settings(data=Path(data))).engine.connect() as conn:
        alerts = conn.execute(text("SELECT household_id, reason, severity FROM alerts")).all()
    assert [tuple(a) for a in alerts] == [("A1", "elderly_alone", "yellow")]  # 75 and living alone


def test_assess_says_up_front_which_local_parameters_a_county_lacks(tmp_path: Path) -> None:
    """Issue 12 §5: a county outside the shipped files (Tongwei, 621121) is told which of its own
    parameters are not set, instead of reading a silent sea of unknowns; so is the demo county
    without its own file, and with it it is told nothing and assessed as before."""
    (tmp_path / "tw").mkdir()
    hh, p = write(tmp_path / "tw")
    hh.write_text(HH.replace("110105001001", "621121100001").replace("110105002001", "621121100001"), encoding="utf-8")
    args = ["assess", "--households", str(hh), "--persons", str(p), "--date", "2025-08-01", "--json"]
    tongwei = runner.invoke(app, [*args, "--out", str(tmp_path / "out_tw")])
    assert tongwei.exit_code == 0, tongwei.output
    unset = json.loads(tongwei.stdout)["local_parameters_not_set"]
    assert {"division": "621121", "parameter": "dibao.standard"} in unset
    human = runner.invoke(app, [*args[:-1], "--out", str(tmp_path / "out_tw2")])
    assert "621121：未设置本地最低生活保障标准 dibao.standard" in human.stdout

    demo = assess_files(tmp_path, "--json")
    assert demo.exit_code == 0, demo.output
    assert "local_parameters_not_set" not in json.loads(demo.stdout)
    with_file = next(r for r in json.loads(demo.stdout)["programmes"] if r["programme"] == "dibao")
    assert (with_file["eligible"], with_file["unknown"], with_file["monthly_benefit_yuan"]) == (1, 0, 1672.0)

    (tmp_path / "alone").mkdir()
    alone = assess_files(tmp_path / "alone", "--json", local=())
    assert alone.exit_code == 0, alone.output
    unset = {(u["division"], u["parameter"]) for u in json.loads(alone.stdout)["local_parameters_not_set"]}
    assert {("110105", "dibao.standard"), ("110105", "dibao.max_vehicles")} <= unset
    assert {d for d, _p in unset} == {"110105"}
    without = next(r for r in json.loads(alone.stdout)["programmes"] if r["programme"] == "dibao")
    assert (without["eligible"], without["unknown"]) == (0, 3)
