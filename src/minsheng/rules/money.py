"""Money in fen, with the rounding each rule declares.

Amounts are integers of fen. A product with a ratio is rounded back to fen
by the rule that needs it: `round_fen` (half up, the default in payment
rules), `ceil_fen` or `floor_fen`.
"""

from __future__ import annotations

import polars as pl


def round_fen(x: pl.Expr) -> pl.Expr:
    """Half up to the fen (amounts are non-negative): 12.5 fen → 13 fen."""
    return (x + 0.5).floor().cast(pl.Int64)


def floor_fen(x: pl.Expr) -> pl.Expr:
    return x.floor().cast(pl.Int64)


def ceil_fen(x: pl.Expr) -> pl.Expr:
    return x.ceil().cast(pl.Int64)


def yuan(fen: pl.Expr) -> pl.Expr:
    """Fen → yuan as a float, for display only (never for stored amounts)."""
    return fen / 100
