"""Masking (脱敏) for display, exports and public notices."""

from __future__ import annotations

import polars as pl


def mask_id_number(col: pl.Expr) -> pl.Expr:
    """Keep the region code and the last four characters: 110105********002X."""
    return pl.when(col.str.len_chars() == 18).then(col.str.slice(0, 6) + pl.lit("*" * 8) + col.str.slice(14, 4))


def mask_phone(col: pl.Expr) -> pl.Expr:
    """Keep the first three and last four digits: 138****0001."""
    return pl.when(col.str.len_chars() >= 7).then(col.str.slice(0, 3) + pl.lit("****") + col.str.slice(-4, 4))
