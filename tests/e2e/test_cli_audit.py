"""Batch commands leave an audit entry and an anchor; `audit verify` holds the chain against the
anchors, so cutting the tail and moving the head back is caught from the command line too."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from minsheng.bootstrap import bootstrap
from minsheng.cli import app
from minsheng.settings import Settings

runner = CliRunner()
HH = "household_id,residence_division,urban_rural\nA1,110105001001,urban\nA2,110105002001,rural\n"
P = (
    "person_id,household_id,id_number,name,relation,birth_date\n"
    "Q1,A1,11010519491231002X,王秀英,02,1949-12-31\nQ2,A2,,李强,02,1980-01-01\n"
)
FEED = (
    "source,record_id,event_date,id_number,name,birth_date,sex,residence_division\n"
    "public_security,D1,2025-09-01,11010519491231002X,王秀英,1949-12-31,2,110105001001\n"
)


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_batch_commands_are_audited_and_anchored(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    (tmp_path / "hh.csv").write_text(HH, encoding="utf-8")
    (tmp_path / "p.csv").write_text(P, encoding="utf-8")
    (tmp_path / "death.csv").write_text(FEED, encoding="utf-8")
    ok("import", str(tmp_path / "hh.csv"), str(tmp_path / "p.csv"), "--data", data)
    ok("feeds", "import", str(tmp_path / "death.csv"), "--data", data)
    ok("assess", "--date", "2025-08-01", "--division", "110105", "--out", str(tmp_path / "a"), "--data", data)
    ok(
        "assess",
        "--households",
        str(tmp_path / "hh.csv"),
        "--persons",
        str(tmp_path / "p.csv"),
        "--out",
        str(tmp_path / "b"),
    )
    ok("monitor", "run", "--date", "2025-10-01", "--out", str(tmp_path / "found"), "--data", data)

    with bootstrap(Settings(data=Path(data))).engine.connect() as conn:
        entries = conn.execute(
            text("SELECT id, actor, action, subject_id, detail, hash FROM audit_log ORDER BY id")
        ).all()
    # assessing files reads no registry: nothing to audit
    assert [(e.action, e.subject_id) for e in entries] == [
        ("import_registry", "*"),
        ("import_feeds", "*"),
        ("assess_registry", "110105"),
        ("monitor_run", "*"),
    ]
    assert {e.actor for e in entries} == {f"cli:{getpass.getuser()}"}
    details = [json.loads(e.detail) for e in entries]
    assert [(f["file"], f["rows"], f["inserted"]) for f in details[0]["files"]] == [("hh.csv", 2, 2), ("p.csv", 2, 2)]
    assert (details[1]["file"]["file"], details[1]["file"]["rows"]) == ("death.csv", 1)
    assert (details[2]["households"], details[2]["persons"], details[2]["date"]) == (2, 2, "2025-08-01")
    assert details[3]["date"] == "2025-10-01" and set(details[3]["alerts"]) == {"opened", "updated", "unchanged"}
    written = " ".join(e.detail for e in entries)
    assert not any(secret in written for secret in ("11010519491231002X", "王秀英", "李强"))  # counts, never a person

    anchors = [json.loads(line) for line in (tmp_path / "data" / "audit-anchors.jsonl").read_text().splitlines()]
    assert [(a["last_id"], a["last_hash"]) for a in anchors] == [(e.id, e.hash) for e in entries]

    verified = ok("audit", "verify", "--data", data)
    assert "4 条 entries" in verified and "4 个锚点 anchors" in verified
    printed = ok("audit", "anchor", "--data", data)
    assert '"last_id": 4' in printed and "public key (Ed25519)" in printed


def test_audit_verify_catches_a_cut_tail_with_a_moved_head(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    (tmp_path / "hh.csv").write_text(HH, encoding="utf-8")
    (tmp_path / "p.csv").write_text(P, encoding="utf-8")
    ok("import", str(tmp_path / "hh.csv"), str(tmp_path / "p.csv"), "--data", data)
    ok("explain", "A1", "--date", "2025-08-01", "--data", data)
    ok("explain", "A2", "--date", "2025-08-01", "--data", data)
    ok("audit", "verify", "--data", data)  # anchors entry 3
    with bootstrap(Settings(data=Path(data))).engine.begin() as conn:  # the owner of the database file
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        conn.execute(text("DELETE FROM audit_log WHERE id = 3"))
        conn.execute(text("UPDATE audit_head SET last_id = 2, last_hash = (SELECT hash FROM audit_log WHERE id = 2)"))
    tampered = runner.invoke(app, ["audit", "verify", "--data", data])
    assert tampered.exit_code == 2
    assert "vouches for entry 3: entries at the end were cut" in tampered.output and "被截去" in tampered.output
