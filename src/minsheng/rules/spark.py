"""The same evaluation on Apache Spark (`--engine spark`), for national scale.

Households and their members travel together: one row per person with the
household's columns (a household without members keeps one row with no
person), repartitioned by county so a household never straddles partitions.
Each partition is evaluated by the ordinary Polars engine inside
`mapInArrow`, so Spark adds distribution, not a second implementation of the
rules. Needs the `spark` extra (PySpark) and Java 17.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from minsheng.errors import MinshengError
from minsheng.rules.evaluate import Result, default_outputs, evaluate
from minsheng.rules.model import Model
from minsheng.rules.parameters import ParameterSet

PERSON_PREFIX = "p__"
COUNTY = "__county"


def session(partitions: int | None = None) -> Any:
    """A local Spark session bound to this machine only (no network, no web UI)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise MinshengError(
            "使用Spark需要安装 spark 扩展：pip install 'minsheng[spark]'（并需Java 17）",
            "the Spark engine needs the spark extra: pip install 'minsheng[spark]' (and Java 17)",
        ) from None
    cores = os.cpu_count() or 2
    # Workers must run this interpreter (the one with minsheng installed), not whatever `python3` is.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("minsheng")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        # nothing is saved as a table: keep Spark's empty warehouse folder out of the working directory
        .config("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir()) / "minsheng-spark-warehouse"))
        .config("spark.sql.shuffle.partitions", str(partitions or cores * 2))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.memory", os.environ.get("MINSHENG_SPARK_DRIVER_MEMORY", "6g"))
        .getOrCreate()
    )


def combine(households: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """One row per person carrying its household; person columns prefixed."""
    pp = persons.rename({c: f"{PERSON_PREFIX}{c}" for c in persons.columns if c != "household_id"})
    rows = households.join(pp, on="household_id", how="left")
    return rows.with_columns(pl.col("residence_division").str.slice(0, 6).alias(COUNTY))


def split(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    person_cols = [c for c in rows.columns if c.startswith(PERSON_PREFIX)]
    hh = rows.drop(*person_cols, COUNTY).unique("household_id", keep="first", maintain_order=True)
    pp = rows.filter(pl.col(f"{PERSON_PREFIX}person_id").is_not_null()).select(
        "household_id", *(pl.col(c).alias(c[len(PERSON_PREFIX) :]) for c in person_cols)
    )
    return hh, pp


def _evaluate_rows(
    model: Model, params: ParameterSet, rows: pl.DataFrame, date: dt.date, outputs: list[str]
) -> pl.DataFrame:
    hh, pp = split(rows)
    result = evaluate(model, params, hh, pp, date=date, outputs=outputs)
    return combine(result.households, result.persons)


def evaluate_on_spark(
    model: Model,
    params: ParameterSet,
    households: pl.DataFrame,
    persons: pl.DataFrame,
    *,
    date: dt.date,
    spark: Any | None = None,
    outputs: list[str] | None = None,
) -> Result:
    """Evaluate on Spark, partitioned by county; returns the same Result as `evaluate`."""
    from pyspark.sql.pandas.types import from_arrow_schema

    spark = spark or session()
    outputs = outputs or default_outputs(model)
    rows = combine(households, persons)
    # The output schema, from a dry run on the first household.
    sample = rows.filter(pl.col("household_id") == rows.get_column("household_id")[0])
    out_schema = _evaluate_rows(model, params, sample, date, outputs).to_arrow().schema
    spark_schema = from_arrow_schema(out_schema)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        table = pa.Table.from_batches(list(batches))
        if table.num_rows == 0:
            return
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        done = _evaluate_rows(model, params, frame, date, outputs).to_arrow().cast(out_schema)
        yield from done.to_batches()

    df = spark.createDataFrame(rows.to_arrow())
    evaluated = df.repartition(COUNTY).mapInArrow(run, spark_schema)
    table = evaluated.toArrow()
    out = pl.from_arrow(table)
    assert isinstance(out, pl.DataFrame)
    hh, pp = split(out)
    return Result(hh, pp, params)
