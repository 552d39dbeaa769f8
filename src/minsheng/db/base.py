"""The declarative base every module's tables share, so one Alembic history covers them all."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Float, Integer, LargeBinary, MetaData, String, Table, Text
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def polars_schema(table: Table, names: list[str]) -> dict[str, Any]:
    """Polars types for the named columns, so a column that happens to be all null keeps its type."""
    mapping = [
        (LargeBinary, pl.Binary),
        (Boolean, pl.Boolean),
        (BigInteger, pl.Int64),
        (Integer, pl.Int64),
        (Float, pl.Float64),
        (DateTime, pl.Datetime),
        (Date, pl.Date),
        (String, pl.String),
        (Text, pl.String),
    ]
    schema: dict[str, Any] = {}
    for name in names:
        col_type = table.c[name].type
        schema[name] = next((pl_type for sa_type, pl_type in mapping if isinstance(col_type, sa_type)), pl.String)
    return schema
