"""`minsheng simulate` from files, as an analyst types it: tables per date, one workbook, the
registry frame's narrower figures, and clear refusals. The synthetic county is the demo county,
made and simulated with its own local values (`--local-params`, the demo file)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from minsheng.cli import app
from minsheng.demo.local_params import DEMO_FILE
from minsheng.simulation.study import COUNTY_WIDE, TABLES

runner = CliRunner()
REFORM = Path(__file__).resolve().parents[2] / "examples" / "reforms" / "dibao_plus5.yaml"
LOCAL = ("--local-params", str(DEMO_FILE))


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("county")
    made = runner.invoke(
        app, ["synth", "--households", "2000", "--seed", "4", "--feeds-months", "0", "--out", str(folder), *LOCAL]
    )
    assert made.exit_code == 0, made.output
    return folder


def simulate(county: Path, out: Path, *extra: str) -> tuple[int, str]:
    args = ["simulate", "--households", str(county / "households.csv"), "--persons", str(county / "persons.csv")]
    result = runner.invoke(app, [*args, "--reform", str(REFORM), "--out", str(out), *LOCAL, *extra])
    return result.exit_code, result.output


def test_two_dates_and_every_table(county: Path, tmp_path: Path) -> None:
    code, output = simulate(county, tmp_path, "--date", "2026-06-01", "--date", "2025-06-01")
    assert code == 0, output
    assert "基尼系数 Gini" in output
    programmes = pl.read_csv(tmp_path / "programmes.csv")
    assert sorted(set(programmes["date"].to_list())) == ["2025-06-01", "2026-06-01"]
    dibao = programmes.filter((pl.col("scenario") == "plus5") & (pl.col("programme") == "dibao"))
    # the reform's 2026 value is not in force in 2025: nothing changes then; in 2026 more are reached
    assert dibao.filter(pl.col("date") == "2025-06-01")["eligible_households_change"].item() == 0
    assert dibao.filter(pl.col("date") == "2026-06-01")["eligible_households_change"].item() > 0
    assert {p.stem for p in tmp_path.glob("*.csv")} == set(TABLES)
    # one report per reform and date, as .xlsx and PDF; the PDF's summary is the table's numbers
    assert {p.name for p in tmp_path.glob("report_*")} == {
        f"report_plus5_{d}.{ext}" for d in ("2025-06-01", "2026-06-01") for ext in ("xlsx", "pdf")
    }
    pages = PdfReader(tmp_path / "report_plus5_2026-06-01.pdf").pages
    text = "".join(page.extract_text() for page in pages).replace("\n", "")  # lines wrap anywhere in Chinese
    change = dibao.filter(pl.col("date") == "2026-06-01")["expected_households_change"].item()
    assert "改革测算与公平性评估报告" in text and f"低保预期受助家庭增加{change:,.1f}户" in text
    assert "基尼系数" in text and "口径说明" in text


def test_one_workbook_with_a_sheet_per_table(county: Path, tmp_path: Path) -> None:
    code, output = simulate(county, tmp_path, "--date", "2026-06-01", "--format", "xlsx")
    assert code == 0, output
    book = openpyxl.load_workbook(tmp_path / "simulation.xlsx", read_only=True)
    assert book.sheetnames == list(TABLES)


def test_a_registry_frame_has_no_county_wide_figures(county: Path, tmp_path: Path) -> None:
    code, output = simulate(county, tmp_path, "--date", "2026-06-01", "--frame", "registry")
    assert code == 0, output
    assert "among registered households" in output
    written = {p.stem for p in tmp_path.glob("*.csv")}
    assert written == set(TABLES) - set(COUNTY_WIDE)


def test_a_reform_id_given_twice_is_refused_in_both_languages(county: Path, tmp_path: Path) -> None:
    code, output = simulate(county, tmp_path, "--date", "2026-06-01", "--reform", str(REFORM))
    assert code == 1
    assert "重复" in output and "used twice" in output


def test_solve_gives_the_highest_standard_within_a_budget(county: Path) -> None:
    files = ["--households", str(county / "households.csv"), "--persons", str(county / "persons.csv"), *LOCAL]
    args = ["solve", "--parameter", "dibao.standard", "--region", "110105", "--date", "2026-06-01"]
    result = runner.invoke(app, [*args, "--low", "1000", "--high", "3000", *files, "--budget", "120000", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    at, beyond = answer["figures"]
    cost = lambda row: sum(v for k, v in row.items() if k.endswith(":monthly_cost_expected_fen"))  # noqa: E731
    assert cost(at) <= 120000 * 100 < cost(beyond)
    assert "120,000.00" in answer["constraint"]["zh"]
    refused = runner.invoke(app, [*args, "--low", "1000", "--high", "3000", *files])
    assert refused.exit_code == 1 and "--budget" in refused.output


def test_weights_count_in_every_figure_and_a_bad_one_is_refused_with_its_row(county: Path, tmp_path: Path) -> None:
    ids = pl.read_csv(county / "households.csv", columns=["household_id"], infer_schema=False)["household_id"]
    (tmp_path / "w.csv").write_text("户编号,权数\n" + "".join(f"{h},2.5\n" for h in ids), encoding="utf-8")
    code, output = simulate(county, tmp_path / "one", "--date", "2026-06-01")
    assert code == 0, output
    code, output = simulate(county, tmp_path / "w", "--date", "2026-06-01", "--weights", str(tmp_path / "w.csv"))
    assert code == 0, output
    plain, weighted = (pl.read_csv(tmp_path / d / "programmes.csv") for d in ("one", "w"))
    assert weighted["eligible_households"].to_list() == [2.5 * x for x in plain["eligible_households"]]
    assert weighted["monthly_cost_eligible_fen"].to_list() == [
        round(2.5 * x) for x in plain["monthly_cost_eligible_fen"]
    ]
    (tmp_path / "bad.csv").write_text(
        "household_id,weight\n" + "".join(f"{h},{'-1' if i == 3 else '1'}\n" for i, h in enumerate(ids)),
        encoding="utf-8",
    )
    code, output = simulate(county, tmp_path / "bad", "--date", "2026-06-01", "--weights", str(tmp_path / "bad.csv"))
    assert code == 1 and "第5行" in output and "应为大于0的数" in output and "row 5" in output


def test_a_structural_reform_and_a_set_take_up(county: Path, tmp_path: Path) -> None:
    tiers = REFORM.parent / "dibao_tiers_formula.yaml"
    take_up = tmp_path / "take_up.yaml"
    take_up.write_text(
        REFORM.read_text(encoding="utf-8").replace("plus5", "plus5-take-up")
        + '  simulation.take_up.dibao:\n    values:\n      "110105":\n        2026-01-01: {value: 0.5}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code, output = simulate(county, out, "--date", "2026-06-01", "--reform", str(tiers), "--reform", str(take_up))
    assert code == 0, output
    programmes = pl.read_csv(out / "programmes.csv")
    dibao = programmes.filter((pl.col("scenario") == "tiers") & (pl.col("programme") == "dibao")).row(0, named=True)
    assert dibao["eligible_households_change"] == 0 and dibao["monthly_cost_eligible_fen_change"] > 0
    assumptions = pl.read_csv(out / "assumptions.csv").filter(pl.col("assumption") == "simulation.take_up.dibao")
    basis = {(r["scenario"], r["urban_rural"]): (r["basis"], r["take_up"]) for r in assumptions.iter_rows(named=True)}
    assert basis[("plus5-take-up", "urban")] == ("set", 0.5) and basis[("baseline", "urban")][0] == "measured"
    text = "".join(p.extract_text() for p in PdfReader(out / "report_tiers_2026-06-01.pdf").pages).replace("\n", "")
    assert "公式替换 dibao_gap_fen" in text and "dibao.tier1_payment" in text
