"""A small file cannot take the server's memory: sizes, rows, columns and cells are limited
before parsing, in the one reader the CLI and the web both use (`contract.files.read`),
and the refusal names the limit in Chinese and English."""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from minsheng.contract import files, limits, workbooks
from minsheng.errors import ImportRejected
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.importer import import_files
from minsheng.registry.tables import Household
from workbook_parts import declare_size, households, write

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")


def refused(path: Path, kind: str = "households") -> tuple[str, str]:
    with pytest.raises(ImportRejected) as info:
        files.read(path, kind)
    assert isinstance(info.value.report, list) and info.value.report[0].file.startswith(path.name)
    return info.value.zh, info.value.en


def test_a_plain_workbook_is_read(tmp_path: Path) -> None:
    table = files.read(write(tmp_path / "ok.xlsx", households(3, "朝阳路1号")), "households")
    assert table.frame["household_id"].to_list() == ["A1", "A2", "A3"]


def test_one_huge_shared_string_is_refused_before_parsing(engine: Engine, tmp_path: Path) -> None:
    # One string longer than Excel allows in a cell, shared by every row: the parser would
    # copy it into each of them.
    path = write(tmp_path / "bomb.xlsx", households(20, "路" * (limits.MAX_CELL_CHARS * 3)))
    assert path.stat().st_size < 100_000
    with pytest.raises(ImportRejected) as info:
        import_files(engine, CIPHER, path, None)
    [error] = info.value.report.errors.to_dicts()  # type: ignore[union-attr]
    assert error["file"] == "bomb.xlsx"
    assert "32,767" in error["reason_en"] and "32,767" in error["reason_zh"]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Household)) == 0


def test_a_zip_bomb_is_refused_by_its_compression_ratio(tmp_path: Path) -> None:
    path = write(tmp_path / "ratio.xlsx", households(2))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as book:  # 64 MB of one byte: about 64 KB stored
        book.writestr("xl/media/padding.bin", b"\0" * (64 * 1024**2))
    assert path.stat().st_size < 200_000
    zh, en = refused(path)
    assert f"limit {limits.MAX_XLSX_RATIO}x" in en and "压缩比" in zh


def test_a_part_that_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    # Declared small, inflating large: the declared sizes are proved while streaming.
    path = write(tmp_path / "liar.xlsx", households(2, "路" * 20_000))
    declare_size(path, "xl/sharedStrings.xml", 1_000)
    zh, en = refused(path)
    assert "damaged" in en and "损坏" in zh


def test_a_sheet_declaring_two_million_rows_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "declared.xlsx", households(2), dimension="A1:D2000001")
    zh, en = refused(path)
    assert "2,000,000" in en and f"limit {limits.MAX_XLSX_ROWS:,}" in en and "save it as CSV" in en
    assert "行数过多" in zh


def test_rows_are_counted_not_only_declared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_XLSX_ROWS", 40)
    assert files.read(write(tmp_path / "forty.xlsx", households(40)), "households").frame.height == 40
    zh, en = refused(write(tmp_path / "more.xlsx", households(41)))  # no dimension declared
    assert "too many rows in a sheet (41, limit 40)" in en and "上限 40 行" in zh


def test_the_row_limit_admits_the_workbooks_the_project_uses() -> None:
    # benchmarks and the web desk: 100,000-row workbooks; Excel itself stops at 1,048,576
    assert 100_000 < limits.MAX_XLSX_ROWS < 1_048_576


def test_a_workbook_declaring_too_many_columns_is_refused(tmp_path: Path) -> None:
    zh, en = refused(write(tmp_path / "wide.xlsx", households(2), dimension="A1:ZZ3"))
    assert f"too many columns (702, limit {limits.MAX_COLUMNS})" in en and "列数过多" in zh


def test_a_workbook_with_too_many_columns_undeclared_is_refused(tmp_path: Path) -> None:
    wide = [tuple(f"c{i}" for i in range(limits.MAX_COLUMNS + 1))] * 2
    zh, en = refused(write(tmp_path / "wide.xlsx", wide))
    assert f"limit {limits.MAX_COLUMNS}" in en and "列数过多" in zh


@pytest.mark.parametrize("columns", [limits.MAX_COLUMNS + 1, 200_000])
def test_a_csv_with_too_many_columns_is_refused_before_parsing(tmp_path: Path, columns: int) -> None:
    # 200,000 columns make a header line over MAX_HEADER_BYTES: refused from its commas alone.
    extra = [f"x{i}" for i in range(columns - 3)]
    path = tmp_path / "wide.csv"
    path.write_text(
        ",".join(["household_id", "residence_division", "urban_rural", *extra])
        + "\n"
        + ",".join(["A1", "110105001001", "urban", *([""] * len(extra))])
        + "\n",
        encoding="utf-8",
    )
    zh, en = refused(path)
    assert f"limit {limits.MAX_COLUMNS})" in en and "列数过多" in zh


def test_a_csv_at_the_column_limit_is_read(tmp_path: Path) -> None:
    extra = [f"x{i}" for i in range(limits.MAX_COLUMNS - 3)]
    path = tmp_path / "ok.csv"
    path.write_text(
        ",".join(["household_id", "residence_division", "urban_rural", *extra])
        + "\nA1,110105001001,urban"
        + "," * len(extra)
        + "\n",
        encoding="utf-8",
    )
    table = files.read(path, "households")
    assert table.frame.height == 1 and len(table.extra_columns) == len(extra)


def test_a_parquet_file_with_too_many_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.parquet"
    pl.DataFrame({f"c{i}": ["x"] for i in range(limits.MAX_COLUMNS + 1)}).write_parquet(path)
    zh, en = refused(path)
    assert f"limit {limits.MAX_COLUMNS})" in en and "列数过多" in zh


def test_sorting_files_by_kind_inspects_the_workbook_first(tmp_path: Path) -> None:
    # `sort_by_kind` opens workbooks (for their sheet names) before `read` does: it must not
    # parse a bomb either.
    path = write(tmp_path / "bomb.xlsx", households(20, "路" * (limits.MAX_CELL_CHARS * 3)))
    with pytest.raises(ImportRejected) as info:
        files.sort_by_kind([path])
    assert "32,767" in info.value.en


def test_inspection_counts_what_the_parser_would_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Shared strings within the cell limit, but so many references that the text copied into
    # cells passes the budget: counted cell by cell, then refused.
    monkeypatch.setattr(limits, "MAX_XLSX_CELL_TEXT_BYTES", 200_000)
    path = write(tmp_path / "copies.xlsx", households(20, "路" * 5_000))  # 20 × 15 KB
    zh, en = refused(path)
    assert "too much text" in en and "文字" in zh
    monkeypatch.setattr(limits, "MAX_XLSX_CELL_TEXT_BYTES", 400_000)
    workbooks._inspect.cache_clear()
    assert files.read(path, "households").frame.height == 20
