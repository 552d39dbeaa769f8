"""The CLI end to end on SQLite: synth → import → summary → export; errors are sentences."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from minsheng.bootstrap import bootstrap
from minsheng.cli import app
from minsheng.contract.validation import REASONS
from minsheng.registry.queries import summary
from minsheng.settings import Settings

runner = CliRunner()


def test_import_of_a_bad_file_prints_reasons_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "hh.csv"
    bad.write_text("household_id,residence_division,urban_rural\nA1,999999,urban\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(bad), "--data", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "unknown division code" in result.output and "区划代码不存在" in result.output
    assert list((tmp_path / "data" / "reports").glob("import-errors-*.xlsx"))


def test_missing_file_is_a_sentence(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(tmp_path / "nope.csv"), "--data", str(tmp_path / "data")])
    assert result.exit_code == 1 and "file not found" in result.output


def test_pipeline_synth_import_summary_export(tmp_path: Path) -> None:
    data = tmp_path / "data"
    out = tmp_path / "synth"
    result = runner.invoke(
        app, ["synth", "--county", "110105", "--households", "400", "--seed", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["import", str(out / "households.csv"), str(out / "persons.csv"), "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "import finished" in result.output
    engine = bootstrap(Settings(data=data)).engine
    counted = summary(engine, "110105")
    assert counted.households == 400
    assert counted.persons == len((out / "persons.csv").read_text(encoding="utf-8").splitlines()) - 1
    result = runner.invoke(app, ["summary", "--division", "110105", "--data", str(data)])
    assert result.exit_code == 0 and "registry summary" in result.output
    result = runner.invoke(app, ["export", "--out", str(tmp_path / "exp"), "--format", "xlsx", "--data", str(data)])
    assert result.exit_code == 0 and (tmp_path / "exp" / "registry.xlsx").exists()
    # Re-importing the export changes nothing.
    result = runner.invoke(app, ["import", str(tmp_path / "exp" / "registry.xlsx"), "--data", str(data)])
    assert result.exit_code == 0, result.output


def test_template_command(tmp_path: Path) -> None:
    result = runner.invoke(app, ["template", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 0 and (tmp_path / "t.xlsx").exists()


def test_exports_and_reads_are_audited_and_verify_detects_tampering(tmp_path: Path) -> None:
    from sqlalchemy import text

    data = tmp_path / "data"
    hh = tmp_path / "hh.csv"
    hh.write_text("household_id,residence_division,urban_rural\nA1,110105001001,urban\n", encoding="utf-8")
    p = tmp_path / "p.csv"
    p.write_text(
        "person_id,household_id,id_number,name,relation\nQ1,A1,11010519491231002X,王秀英,02\n", encoding="utf-8"
    )
    assert runner.invoke(app, ["import", str(hh), str(p), "--data", str(data)]).exit_code == 0
    assert runner.invoke(app, ["export", "--out", str(tmp_path / "exp"), "--data", str(data)]).exit_code == 0
    assert runner.invoke(app, ["explain", "A1", "--date", "2025-08-01", "--data", str(data)]).exit_code == 0
    result = runner.invoke(app, ["audit", "verify", "--data", str(data)])
    assert result.exit_code == 0 and "3 条 entries" in result.output
    engine = bootstrap(Settings(data=data)).engine
    with engine.connect() as conn:
        actions = conn.execute(text("SELECT action, subject_id FROM audit_log ORDER BY id")).all()
    assert [tuple(a) for a in actions] == [("import_registry", "*"), ("export_registry", "*"), ("read_household", "A1")]
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("UPDATE audit_log SET subject_id = 'A2' WHERE id = 3"))
    tampered = runner.invoke(app, ["audit", "verify", "--data", str(data)])
    assert tampered.exit_code == 2 and "entry 3 was altered" in tampered.output


def test_feeds_import_command(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    feed = tmp_path / "death.csv"
    feed.write_text(
        "source,record_id,event_date,id_number,name,birth_date,sex,residence_division\n"
        "public_security,D1,2025-09-01,,王秀英,1949-12-31,2,110105001001\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["feeds", "import", str(feed), "--data", data])
    assert result.exit_code == 0, result.output
    assert "feeds ingested" in result.output
    bad = runner.invoke(app, ["feeds", "import", str(tmp_path / "x.csv"), "--data", data])
    assert bad.exit_code == 1 and "unknown feed kind" in bad.output
    # One record is far too few to train a county model: a sentence, no model file.
    train = runner.invoke(app, ["feeds", "train", "--data", data])
    assert train.exit_code == 1 and "too little data" in train.output, train.output
    assert not (tmp_path / "data" / "linkage_model.json").exists()


def test_users_add_command_is_audited(tmp_path: Path) -> None:
    from sqlalchemy import text

    data = tmp_path / "data"
    result = runner.invoke(
        app,
        [
            "users",
            "add",
            "wang",
            "--role",
            "county_reviewer",
            "--jurisdiction",
            "110105",
            "--name",
            "王敏",
            "--data",
            str(data),
        ],
        input="a long enough secret\n" * 2,
    )
    assert result.exit_code == 0, result.output
    with bootstrap(Settings(data=data)).engine.connect() as conn:
        assert conn.execute(text("SELECT role, jurisdiction FROM users")).one() == ("county_reviewer", "110105")
        assert conn.execute(text("SELECT action, subject_id FROM audit_log")).one() == ("add_user", "wang")


def bad_import(tmp_path: Path) -> list[str]:
    """A households file with a long name and an unknown residence division (row 2), and a
    persons file with a wrong check digit in an ID number (row 2)."""
    hh = tmp_path / "households-delivered-by-the-township-civil-affairs-office-2026-06.csv"
    hh.write_text("household_id,residence_division,urban_rural\nA1,999999,urban\n", encoding="utf-8")
    pp = tmp_path / "persons.csv"
    pp.write_text(f"person_id,household_id,id_number,name,relation\nQ1,A1,{WRONG_CHECK_DIGIT},王秀英,02\n")
    return ["import", str(hh), str(pp), "--data", str(tmp_path / "data")]


WRONG_CHECK_DIGIT = "110105194912310021"  # 11010519491231002X with the wrong last character


def test_import_errors_are_printed_whole_when_piped_at_80_columns(tmp_path: Path) -> None:
    args = bad_import(tmp_path)
    result = runner.invoke(app, args, env={"COLUMNS": "80"})  # the runner's output is a pipe, not a terminal
    assert result.exit_code == 1
    lines = result.output.splitlines()
    division_zh, division_en = REASONS["division_unknown"]
    digit_zh, digit_en = REASONS["id_check_digit"]
    [division_row] = [line for line in lines if "residence_division" in line]
    assert Path(args[1]).name in division_row and division_zh in division_row
    assert any(division_en in line for line in lines)
    [id_row] = [line for line in lines if "id_number" in line and "persons.csv" in line]
    assert digit_zh in id_row and any(digit_en in line for line in lines)
    assert "…" not in result.output
    # The value shown is masked: the clear ID number never reaches the terminal.
    assert WRONG_CHECK_DIGIT not in result.output and "110105********0021" in id_row


def test_json_output_parses_and_holds_the_rows(tmp_path: Path) -> None:
    rejected = runner.invoke(app, [*bad_import(tmp_path), "--json"], env={"COLUMNS": "80"})
    assert rejected.exit_code == 1
    document = json.loads(rejected.stdout)  # stdout is the document alone; progress and the sentence go to stderr
    assert document["ok"] is False and document["error_report"].endswith(".xlsx")
    places = {(e["file"], e["row"], e["column"], e["reason_en"]) for e in document["errors"]}
    assert ("persons.csv", 2, "id_number", REASONS["id_check_digit"][1]) in places
    assert any(p[2] == "residence_division" and p[3] == REASONS["division_unknown"][1] for p in places)
    assert WRONG_CHECK_DIGIT not in rejected.stdout
    assert "nothing was written" in rejected.stderr and "unknown division code" not in rejected.stderr

    data = str(tmp_path / "good")
    hh = tmp_path / "hh.csv"
    hh.write_text("household_id,residence_division,urban_rural\nA1,110105001001,urban\nA2,110105001001,rural\n")
    imported = runner.invoke(app, ["import", str(hh), "--data", data, "--json"])
    assert imported.exit_code == 0, imported.output
    document = json.loads(imported.stdout)
    assert document["ok"] is True
    assert [(f["file"], f["kind"], f["rows"], f["inserted"]) for f in document["files"]] == [
        ("hh.csv", "households", 2, 2)
    ]
    counted = json.loads(runner.invoke(app, ["summary", "--division", "110105", "--data", data, "--json"]).stdout)
    assert counted["total"]["households"] == 2
    assert sum(t["urban_households"] + t["rural_households"] for t in counted["townships"]) == 2
    verified = runner.invoke(app, ["audit", "verify", "--data", data, "--json"])
    assert verified.exit_code == 0 and json.loads(verified.stdout)["ok"] is True
