"""A feed record's own columns (its kind's, stored as JSON with money in fen), read back.

- `by_kind`: one frame per kind with the payload as typed columns (what the warning rules
  and `feeds.apply` read);
- `readable`: one record's columns in its kind's order, money as yuan with two decimals
  (what a page or a report shows).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl

from minsheng.contract.columns import FEED_KINDS

PAYLOAD_TYPES = {"money": pl.Int64, "bool": pl.Boolean, "decimal": pl.Float64, "int": pl.Int64}


def by_kind(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """`frame` has `kind` and `payload` (JSON text); kinds without records are left out."""
    out = {}
    for kind, columns in FEED_KINDS.items():
        part = frame.filter(pl.col("kind") == kind)
        if part.is_empty():
            continue
        if columns:
            dtype = pl.Struct({c.name: PAYLOAD_TYPES.get(c.kind, pl.String) for c in columns})
            part = part.with_columns(pl.col("payload").str.json_decode(dtype)).unnest("payload")
        out[kind] = part
    return out


def readable(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in FEED_KINDS.get(kind, ()):
        value = payload.get(column.name)
        if value is None:
            continue
        out[column.name] = yuan(value) if column.kind == "money" else value
    return out


def yuan(fen: int) -> str:
    """Integer fen as yuan with two decimals: 400000 → '4000.00', -50 → '-0.50'."""
    return f"{Decimal(int(fen)) / 100:.2f}"
