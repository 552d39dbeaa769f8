"""Writing spreadsheets and CSV files people open in Excel or WPS: no cell runs as a formula.

A name, an address or a household id is free text: someone may type
`=HYPERLINK("http://…","点此")`, and a spreadsheet program opening the file would run
it (CSV / formula injection). Every .xlsx and CSV minsheng writes goes through here:

- .xlsx: xlsxwriter writes a string that starts with "=" as a formula, and one that looks
  like a web address as a live link, unless told not to; `workbook()` tells it not to, so
  every cell is plain text (the value is kept exactly).
- CSV: a text cell starting with = + - @, a tab or a carriage return gets a single quote
  in front (OWASP, "CSV Injection"): `'=HYPERLINK(…)`. Spreadsheet programs show the
  quote and run nothing.

The registry export is meant to be imported again, so the importer takes the guard off:
`contract.files.read` strips a single quote that stands before one of those characters
(`unguard`). The only value that does not survive the round trip is one that itself
began with a quote followed by one of them ('=…), which no contract column needs.

Every file written here may name people: it is created 0600 first (`private_files`).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import polars as pl
import xlsxwriter

from minsheng.contract.private_files import private_file

ACTIVE = "=+-@\t\r"  # what makes a spreadsheet program read a cell as a formula (OWASP)
GUARD = "'"
_ACTIVE_START = r"^[=+\-@\t\r]"
_GUARDED = r"^'([=+\-@\t\r])"
# xlsxwriter's defaults turn "=…" into a formula and "http://…" into a hyperlink.
WORKBOOK_OPTIONS: dict[str, Any] = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def _text_columns(frame: pl.DataFrame) -> list[str]:
    return [name for name, dtype in frame.schema.items() if dtype == pl.String]


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text cell that a spreadsheet program would run gets a leading quote."""
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_ACTIVE_START)).then(pl.lit(GUARD) + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in _text_columns(frame)
    )


def unguard(frame: pl.DataFrame) -> pl.DataFrame:
    """Undo `neutralise` on a file read back: `'=x` → `=x`; `'x` and `x` stay as they are."""
    # Only the columns with a quoted cell: a prefix test is cheap, a regex replace over
    # every cell of a million-row file took longer than reading it (issue 11 §5).
    text = _text_columns(frame)
    quoted = frame.select(pl.col(c).str.starts_with(GUARD).any() for c in text).row(0) if text else ()
    return frame.with_columns(pl.col(c).str.replace(_GUARDED, "$1") for c, q in zip(text, quoted, strict=True) if q)


def workbook(target: Path | IO[bytes], options: dict[str, Any] | None = None) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook that writes every string as a string; a file path is created
    0600 first."""
    if isinstance(target, Path):
        private_file(target)
        target = str(target)  # type: ignore[assignment]
    return xlsxwriter.Workbook(target, {**WORKBOOK_OPTIONS, **(options or {})})


def write_csv(frame: pl.DataFrame, path: Path, *, encoding: str = "utf-8") -> Path:
    """A neutralised CSV, created 0600. UTF-8 gets a BOM so Excel reads it as UTF-8;
    `encoding="gb18030"` writes what older Excel and WPS open by default."""
    safe = neutralise(frame)
    private_file(path)
    if encoding == "gb18030":
        path.write_bytes(safe.write_csv().encode("gb18030"))
    else:
        safe.write_csv(path, include_bom=True)
    return path


# How a table is written unless a caller says otherwise: numbers shown with two decimals
# (amounts in yuan; the value itself is kept exactly) and a filter button on every header.
TABLE_OPTIONS: dict[str, Any] = {"float_precision": 2, "autofilter": True}


def write_xlsx(frame: pl.DataFrame, path: Path, worksheet: str, **options: Any) -> Path:
    """One sheet of `frame` as a new .xlsx, created 0600, every string written as text, numbers
    as numbers with two decimals, with a filter on the header. `options` go to
    `polars.DataFrame.write_excel` (autofit, freeze_panes, …)."""
    with workbook(path) as book:
        frame.write_excel(book, worksheet=worksheet, **(TABLE_OPTIONS | options))
    return path


def write_xlsx_sheets(frames: dict[str, pl.DataFrame], path: Path, **options: Any) -> Path:
    """Several frames as the sheets of one new .xlsx (sheet = key), written as `write_xlsx` writes one."""
    with workbook(path) as book:
        for name, frame in frames.items():
            frame.write_excel(book, worksheet=name[:31], **(TABLE_OPTIONS | options))  # Excel's sheet-name limit
    return path


def write_parquet(frame: pl.DataFrame, path: Path) -> Path:
    """Parquet is not opened by spreadsheet programs: written as is, but created 0600."""
    private_file(path)
    frame.write_parquet(path)
    return path
