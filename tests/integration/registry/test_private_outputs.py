"""What an import and an export leave on disk: error reports with masked numbers, rejects kept
importable, every file owner-only (0600), old reports purged, reports that cannot overflow a
sheet, and no cell that runs as a formula in Excel, in any export format."""

from __future__ import annotations

import csv
import io
import os
import stat
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from sqlalchemy import Engine, select

from minsheng.errors import ImportRejected
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry import report
from minsheng.registry.exporter import FORMATS, export_registry
from minsheng.registry.importer import import_files
from minsheng.registry.tables import Person

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")
HH = "household_id,residence_division,urban_rural\nA1,110105001001,urban\n"
CLEAR = "11010519491231002X"
BAD_CHECK_DIGIT = "110105194912310021"  # a real person's number with one digit mistyped
FORMULA = '=HYPERLINK("http://x","y")'
QUOTED = '"' + FORMULA.replace('"', '""') + '"'  # as a CSV cell
ACTIVE_NAMES = (FORMULA, "+1+1", "-2+3", "@SUM(1)")


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """A common umask (files 0644): what the owner-only modes must not depend on."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_error_report_masks_id_numbers_and_is_owner_only(engine: Engine, tmp_path: Path) -> None:
    persons = write(
        tmp_path / "p.csv",
        "person_id,household_id,id_number,name,relation\n"
        f"Q1,A1,{BAD_CHECK_DIGIT},王秀英,02\n"
        f"Q2,A1,2,{CLEAR},10\n",  # the number typed into the name column
    )
    with pytest.raises(ImportRejected) as info:
        import_files(engine, CIPHER, write(tmp_path / "hh.csv", HH), persons, report_dir=tmp_path / "reports")
    path = info.value.report.error_report  # type: ignore[union-attr]
    assert path is not None
    blob = b"".join(zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist())
    for clear in (BAD_CHECK_DIGIT, CLEAR):
        assert clear.encode() not in blob
    values = pl.read_excel(path)["值 value"].to_list()
    assert "110105********0021" in values
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_rejects_keep_clear_values_to_be_importable_but_owner_only(engine: Engine, tmp_path: Path) -> None:
    persons = write(
        tmp_path / "p.csv",
        f"person_id,household_id,id_number,name,relation\nQ1,A1,,王秀英,02\nQ2,A1,{CLEAR},{QUOTED},X9\n",
    )
    outcome = import_files(
        engine, CIPHER, write(tmp_path / "hh.csv", HH), persons, valid_only=True, report_dir=tmp_path / "reports"
    )
    rejects = outcome.rejects["persons"]
    assert all(mode(p) == 0o600 for p in outcome.rejects.values())
    rows = list(csv.DictReader(io.StringIO(rejects.read_text(encoding="utf-8-sig"))))
    [row] = [r for r in rows if r["person_id"] == "Q2"]
    assert row["id_number"] == CLEAR  # clear: a masked number would not import
    assert row["name"] == "'" + FORMULA  # neutralised for Excel …
    fixed = write(tmp_path / "fixed.csv", rejects.read_text(encoding="utf-8-sig").replace(",X9,", ",10,"))
    import_files(engine, CIPHER, outcome.rejects.get("households"), fixed)  # … and imported again as typed
    with engine.connect() as conn:
        assert conn.scalar(select(Person.name).where(Person.person_id == "Q2")) == FORMULA


def test_old_reports_are_purged_when_a_new_one_is_written(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    old = [folder / "import-errors-20250101-000000.xlsx", folder / "p.rejected.csv"]
    recent = folder / "import-errors-20260601-000000.xlsx"
    unrelated = folder / "notes.txt"
    for path in (*old, recent, unrelated):
        path.write_bytes(b"x")
    month = time.time() - 31 * 86_400
    for path in (*old, unrelated):
        os.utime(path, (month, month))
    with pytest.raises(ImportRejected):
        import_files(engine, CIPHER, write(tmp_path / "hh.csv", HH.replace("urban", "town")), None, report_dir=folder)
    assert not any(p.exists() for p in old) and recent.exists() and unrelated.exists()
    assert len(list(folder.glob("import-errors-*.xlsx"))) == 2


def test_the_keep_days_setting_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from minsheng.settings import get_settings

    old = tmp_path / "import-errors-1.xlsx"
    old.write_bytes(b"x")
    three_days = time.time() - 3 * 86_400
    os.utime(old, (three_days, three_days))
    monkeypatch.setenv("MINSHENG_REPORT_KEEP_DAYS", "7")
    get_settings.cache_clear()
    try:
        assert report.purge_old_reports(tmp_path) == []
        monkeypatch.setenv("MINSHENG_REPORT_KEEP_DAYS", "2")
        get_settings.cache_clear()
        assert report.purge_old_reports(tmp_path) == [old]
    finally:
        get_settings.cache_clear()


def test_a_long_error_list_ends_with_a_count_and_goes_whole_to_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report, "MAX_REPORT_ROWS", 5)
    errors = pl.DataFrame(
        {
            "file": ["p.csv"] * 8,
            "row": list(range(2, 10)),
            "column": ["id_number"] * 8,
            "value": [CLEAR] * 8,
            "reason_zh": ["错"] * 8,
            "reason_en": ["wrong"] * 8,
        }
    )
    path = report.write_error_report(errors, tmp_path / "import-errors-1.xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    rows = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
    assert len(rows) == 1 + 5 + 1  # header, the first five, the line about the rest
    assert "3 more errors" in str(rows[-1][0]) and "另有3处错误" in str(rows[-1][0])
    full = path.with_suffix(".csv")
    listed = pl.read_csv(full, infer_schema=False)
    assert listed.height == 8 and set(listed["值 value"]) == {"110105********002X"}
    assert mode(full) == 0o600
    assert report.MAX_REPORT_ROWS < report.EXCEL_MAX_ROWS  # the default can never overflow a sheet


def _formula_cells(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_no_export_format_writes_a_live_formula_and_each_round_trips(engine: Engine, tmp_path: Path) -> None:
    hh = write(tmp_path / "hh.csv", HH)
    people = "".join(
        f"Q{i},A1,,{QUOTED if n == FORMULA else n},{'02' if i == 0 else '10'}\n" for i, n in enumerate(ACTIVE_NAMES)
    )
    persons = write(tmp_path / "p.csv", "person_id,household_id,id_number,name,relation\n" + people)
    import_files(engine, CIPHER, hh, persons)
    assert set(FORMATS) == {"csv", "gb18030", "xlsx", "parquet"}
    for fmt in FORMATS:
        results = export_registry(engine, tmp_path / fmt, fmt, cipher=CIPHER)
        paths = {r.kind: r.path for r in results}
        target = paths["persons"]
        assert mode(target) == 0o600, fmt
        if fmt == "xlsx":
            assert _formula_cells(target) == []
            names = pl.read_excel(target, sheet_name="persons", infer_schema_length=0)["name"].to_list()
            assert sorted(names) == sorted(ACTIVE_NAMES)
        elif fmt in ("csv", "gb18030"):
            text = target.read_bytes().decode("utf-8-sig" if fmt == "csv" else "gb18030")
            names = [r["name"] for r in csv.DictReader(io.StringIO(text))]
            assert sorted(names) == sorted("'" + n for n in ACTIVE_NAMES), fmt
        outcome = import_files(engine, CIPHER, paths["households"], paths["persons"])
        assert [(s.inserted, s.updated) for s in outcome.summaries] == [(0, 0), (0, 0)], fmt
    with engine.connect() as conn:
        assert sorted(conn.scalars(select(Person.name))) == sorted(ACTIVE_NAMES)
