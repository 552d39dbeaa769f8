"""Household weights for a sample (issue 13 §1): a survey or a draw from a larger population
carries a weight per household, and every figure uses it.

The weights come beside the contract's files, not in them: a two-column file (CSV or .xlsx),
`household_id` (户编号) and `weight` (权数), one row per household of the sample. Every household
must have exactly one weight, a finite number above zero; anything else refuses the run with the
row and the reason in Chinese and English, and nothing is simulated on half a design.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from minsheng.contract.files import reject

HEADERS = {"household_id": "household_id", "户编号": "household_id", "weight": "weight", "权数": "weight"}


def read_weights(path: Path, households: pl.DataFrame) -> pl.DataFrame:
    """`households` with a `weight` column from the file at `path`."""
    file = path.name
    if not path.exists():
        raise reject(file, None, None, None, "权数文件不存在", "weights file not found")
    raw = (
        pl.read_excel(path, infer_schema_length=0)
        if path.suffix.lower() in (".xlsx", ".xlsm")
        else pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    )
    raw = raw.rename(
        {c: HEADERS[c.strip().lstrip("\ufeff")] for c in raw.columns if c.strip().lstrip("\ufeff") in HEADERS}
    )
    for need, zh in (("household_id", "户编号"), ("weight", "权数")):
        if need not in raw.columns:
            raise reject(file, 1, need, None, f"缺少列“{zh}”({need})", f"column {need} is missing")
    rows = raw.select(
        pl.col("household_id").str.strip_chars(),
        pl.col("weight").str.strip_chars().alias("text"),
        pl.col("weight").str.strip_chars().cast(pl.Float64, strict=False).alias("weight"),
        pl.int_range(2, pl.len() + 2).alias("row"),
    )
    bad = rows.filter(pl.col("weight").is_null() | ~pl.col("weight").is_finite() | (pl.col("weight") <= 0))
    _refuse_first(file, bad, "weight", "text", "权数“{v}”应为大于0的数", "weight {v!r} must be a number above zero")
    repeated = rows.filter(pl.col("household_id").is_duplicated())
    _refuse_first(file, repeated, "household_id", "household_id", "户编号 {v} 重复", "household {v} is listed twice")
    unknown = rows.join(households.select("household_id"), on="household_id", how="anti")
    _refuse_first(
        file, unknown, "household_id", "household_id", "家庭文件中没有户 {v}", "no household {v} in the households file"
    )
    joined = households.join(
        rows.select("household_id", "weight"), on="household_id", how="left", maintain_order="left"
    )
    missing = joined.filter(pl.col("weight").is_null())
    if missing.height:
        raise reject(
            file,
            None,
            "household_id",
            missing.item(0, "household_id"),
            f"{missing.height}户没有权数",
            f"{missing.height} households have no weight",
        )
    return joined


def _refuse_first(file: str, wrong: pl.DataFrame, column: str, value: str, zh: str, en: str) -> None:
    """Refuse the file at its first wrong row, naming the row, the value and how many rows are wrong."""
    if wrong.is_empty():
        return
    first = wrong.row(0, named=True)
    row, shown = first["row"], first[value]
    raise reject(
        file,
        row,
        column,
        shown,
        f"第{row}行：{zh.format(v=shown)}（共{wrong.height}行有误）",
        f"row {row}: {en.format(v=shown)} ({wrong.height} rows wrong)",
    )
