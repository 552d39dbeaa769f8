"""Error reports a caseworker can open in Excel, and reject files she can fix and re-import."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from minsheng.contract.files import RowError, Table
from minsheng.contract.validation import ROW

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


def write_error_report(errors: pl.DataFrame, path: Path, column_labels: dict[str, str] | None = None) -> Path:
    """One sheet, one row per bad cell, frozen header, columns wide enough to read."""
    labels = column_labels or {}
    frame = (
        errors.with_columns(
            pl.col("column").replace_strict(labels, default=pl.col("column"), return_dtype=pl.String).alias("column_zh")
        )
        .select(list(REPORT_HEADERS))
        .rename(REPORT_HEADERS)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_excel(
        path,
        worksheet="错误 errors",
        autofit=True,
        freeze_panes=(1, 0),
        header_format={"bold": True, "bg_color": "#FDE9E7"},
    )
    return path


def write_rejects(table: Table, rejected_rows: pl.DataFrame, path: Path) -> Path:
    """The rejected rows as the user wrote them (original headers) plus the reason,
    as UTF-8 CSV with BOM so Excel opens it; fix the cells and import it again
    (the extra error column is ignored on import)."""
    raw = table.frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    reasons = rejected_rows.group_by("row").agg(
        pl.format("{}: {}", pl.col("column"), pl.col("reason_zh")).str.join("；").alias(ERROR_COLUMN)
    )
    out = raw.join(reasons, left_on=ROW, right_on="row", how="inner").sort(ROW).drop(ROW)
    out = out.rename({k: v for k, v in table.original_headers.items() if k in out.columns})
    path.parent.mkdir(parents=True, exist_ok=True)
    out.write_csv(path, include_bom=True)
    return path
