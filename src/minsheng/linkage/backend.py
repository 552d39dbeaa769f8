"""Where Splink runs: DuckDB in this process (default) or Apache Spark (for national scale).

Both get the same settings and the same feature frames; only registration and
reading results back differ, and that difference lives here. Spark needs the
`spark` extra and Java 17 (`minsheng.rules.spark.session` builds a local one).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import polars as pl

from minsheng.errors import MinshengError

_names = count(1)


@dataclass
class Backend:
    """A Splink database API plus the two things minsheng asks of it."""

    api: Any
    kind: str
    _tables: list[str] = field(default_factory=list)

    def register(self, feed: pl.DataFrame, registry: pl.DataFrame) -> list[Any]:
        """Register both feature frames under fresh names (a backend can serve several linkers)."""
        n = next(_names)
        frames = []
        for frame, label in ((feed, "feed"), (registry, "registry")):
            table = frame.to_arrow() if self.kind == "duckdb" else _spark_frame(self.api.spark, frame)
            frames.append(self.api.register(table, dataset_display_name=f"{label}_{n}"))
        return frames

    def register_table(self, frame: pl.DataFrame, label: str) -> Any:
        """Register one more frame (a lookup table) under a fresh name."""
        table = frame.to_arrow() if self.kind == "duckdb" else _spark_frame(self.api.spark, frame)
        return self.api.register(table, dataset_display_name=f"{label}_{next(_names)}")

    def fetch(self, splink_frame: Any) -> pl.DataFrame:
        frame = pl.from_arrow(splink_frame.as_pyarrow_table())
        assert isinstance(frame, pl.DataFrame)
        return frame


def duckdb_backend(threads: int | None = None, memory_limit: str | None = None) -> Backend:
    """An in-memory DuckDB; it spills to a temporary directory when memory runs short."""
    import duckdb
    from splink import DuckDBAPI

    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {threads or os.cpu_count() or 2}").fetchall()
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'").fetchall()
    con.execute("SET preserve_insertion_order = false").fetchall()
    return Backend(DuckDBAPI(connection=con), "duckdb")


def spark_backend(spark: Any, checkpoint_dir: str | None = None) -> Backend:
    """Splink on an existing Spark session (its similarity UDFs are registered from Splink's jar).
    Splink checkpoints intermediate tables to cut Spark's lineage: into `checkpoint_dir` (on a
    cluster, a path every executor reaches) or, when the session has none, a local temporary one."""
    try:
        from splink import SparkAPI
    except ImportError:
        raise MinshengError(
            "使用Spark比对需要安装 spark 扩展：pip install 'minsheng[spark]'（并需Java 17）",
            "linking on Spark needs the spark extra: pip install 'minsheng[spark]' (and Java 17)",
        ) from None
    if checkpoint_dir or spark.sparkContext.getCheckpointDir() is None:
        spark.sparkContext.setCheckpointDir(checkpoint_dir or tempfile.mkdtemp(prefix="minsheng-splink-"))
    return Backend(SparkAPI(spark_session=spark), "spark")


def _spark_frame(spark: Any, frame: pl.DataFrame) -> Any:
    return spark.createDataFrame(frame.to_arrow())
