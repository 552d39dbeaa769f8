"""`minsheng import` leaves no clear ID number on the terminal or in its error report, and the
report is owner-only in an owner-only folder."""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from minsheng.cli import app

runner = CliRunner()
TYPO = "110105194912310021"  # 11010519491231002X with its check character mistyped


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_import_errors_show_and_keep_masked_numbers_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    hh = tmp_path / "hh.csv"
    hh.write_text("household_id,residence_division,urban_rural\nA1,110105001001,urban\n", encoding="utf-8")
    persons = tmp_path / "p.csv"
    persons.write_text(f"person_id,household_id,id_number,name,relation\nQ1,A1,{TYPO},王秀英,02\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(hh), str(persons), "--data", str(data)])
    assert result.exit_code == 1
    assert "110105********0021" in result.output and TYPO not in result.output
    [report] = (data / "reports").glob("import-errors-*.xlsx")
    with zipfile.ZipFile(report) as book:
        assert not any(TYPO.encode() in book.read(n) for n in book.namelist())
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "reports").stat().st_mode) == 0o700
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
