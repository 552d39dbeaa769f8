"""Error reports a caseworker can open in Excel, and reject files she can fix and re-import.

Both name people, so both are created 0600 (owner only, `contract.private_files`), and
reports older than the `report_keep_days` setting are deleted from the folder each time a
new one is written there:

- the error report shows ID and phone numbers masked (110105********002X, 138****0001):
  it is for reading and passing round, and a wrong cell is found by its row and column;
- the rejects file keeps the rows exactly as written, clear ID numbers included, because
  it is meant to be fixed and imported again (a masked number would not import). Its
  owner-only mode is what protects it; delete it once it is re-imported.

An .xlsx sheet holds at most 1,048,576 rows, and nobody reads a hundred thousand errors:
the report lists the first `MAX_REPORT_ROWS` and ends with a line saying how many more
there are; the complete list is then written beside it as CSV (masked too).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from minsheng.contract import sheets
from minsheng.contract.files import RowError, Table
from minsheng.contract.private_files import purge
from minsheng.contract.validation import ROW
from minsheng.privacy.notice_masking import looks_like_id_number, mask_id_text, mask_phone_text

REPORT_HEADERS = {
    "file": "文件 file",
    "row": "行号 row",
    "column": "列 column",
    "column_zh": "列名 column name",
    "value": "值 value",
    "reason_zh": "原因",
    "reason_en": "reason",
}
ERROR_COLUMN = "错误原因 error"
EXCEL_MAX_ROWS = 1_048_576  # one worksheet, header included (Excel's specification)
MAX_REPORT_ROWS = 100_000  # errors listed in the .xlsx; well under EXCEL_MAX_ROWS
# What an import leaves in its report folder (the CLI's `reports/`); purged after `report_keep_days`.
REPORT_FILES = ("import-errors-*.xlsx", "import-errors-*.csv", "*.rejected.csv")


def errors_frame(errors: list[RowError]) -> pl.DataFrame:
    return pl.DataFrame(
        [e.__dict__ for e in errors],
        schema={
            "file": pl.String,
            "row": pl.Int64,
            "column": pl.String,
            "value": pl.String,
            "reason_zh": pl.String,
            "reason_en": pl.String,
        },
    )


def masked(errors: pl.DataFrame) -> pl.DataFrame:
    """Row errors fit to show on a screen or in a report: an ID number (or a value that looks
    like one, in whatever column) and a phone number keep only their ends."""

    def mask(column: str | None, value: str | None) -> str | None:
        if column == "phone":
            return mask_phone_text(value)
        if column == "id_number" or looks_like_id_number(value):
            return mask_id_text(value)
        return value

    values = [mask(c, v) for c, v in errors.select("column", "value").iter_rows()]
    return errors.with_columns(pl.Series("value", values, dtype=pl.String))


def keep_days() -> float:
    """How long reports stay in their folder: the `report_keep_days` setting."""
    from minsheng.settings import get_settings

    return float(get_settings().report_keep_days)


def purge_old_reports(folder: Path, days: float | None = None) -> list[Path]:
    """Delete the error reports and reject files of `folder` older than `days` (the setting)."""
    return purge(folder, REPORT_FILES, keep_days() if days is None else days)


def write_error_report(
    errors: pl.DataFrame,
    path: Path,
    column_labels: dict[str, str] | None = None,
    *,
    max_rows: int | None = None,
) -> Path:
    """One sheet, one row per bad cell (values masked), frozen header, columns wide enough to
    read; at most `max_rows` (default `MAX_REPORT_ROWS`) errors, then a line with the count
    of the rest, which go to a CSV of the same name."""
    limit = min(MAX_REPORT_ROWS if max_rows is None else max_rows, EXCEL_MAX_ROWS - 2)
    labels = column_labels or {}
    frame = (
        masked(errors)
        .with_columns(
            pl.col("column").replace_strict(labels, default=pl.col("column"), return_dtype=pl.String).alias("column_zh")
        )
        .select(list(REPORT_HEADERS))
        .rename(REPORT_HEADERS)
    )
    purge_old_reports(path.parent)
    shown = frame.head(limit)
    more = frame.height - shown.height
    with sheets.workbook(path) as book:
        shown.write_excel(
            book,
            worksheet="错误 errors",
            autofit=True,
            freeze_panes=(1, 0),
            header_format={"bold": True, "bg_color": "#FDE9E7"},
        )
        if more:
            full = sheets.write_csv(frame, path.with_suffix(".csv"))
            book.get_worksheet_by_name("错误 errors").write_string(
                shown.height + 1,
                0,
                f"……另有{more:,}处错误未列出，完整列表见 {full.name} / "
                f"{more:,} more errors not listed here: the complete list is in {full.name}",
            )
    return path


def write_rejects(table: Table, rejected_rows: pl.DataFrame, path: Path) -> Path:
    """The rejected rows as the user wrote them (original headers, clear values: the file is
    for fixing and importing again) plus the reason, as UTF-8 CSV with BOM so Excel opens it,
    owner-only (0600); the extra error column is ignored on import."""
    raw = table.frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    reasons = rejected_rows.group_by("row").agg(
        pl.format("{}: {}", pl.col("column"), pl.col("reason_zh")).str.join("；").alias(ERROR_COLUMN)
    )
    out = raw.join(reasons, left_on=ROW, right_on="row", how="inner").sort(ROW).drop(ROW)
    out = out.rename({k: v for k, v in table.original_headers.items() if k in out.columns})
    purge_old_reports(path.parent)
    return sheets.write_csv(out, path)
