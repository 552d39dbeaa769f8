"""Export the registry (导出) in the contract's formats: the same files an import takes.

Money goes back to yuan with two decimals, exactly (from integer fen).
Without the cipher, ID and phone numbers are the stored masked forms
(110105********002X) for lists that leave the office; with it, the export is
in clear and round-trips through `import_files`.

Every file is created owner-only (0600) and written through `contract.sheets`: .xlsx cells
are plain text (never a formula or a link), and a CSV cell that a spreadsheet program
would run (starting with = + - @, tab or CR) gets a leading quote, which the importer
takes off again, so the export still round-trips.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine, Table, select

from minsheng.contract import sheets
from minsheng.contract.columns import COLUMNS, Column
from minsheng.db.base import polars_schema
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.tables import ENROLMENTS, HOUSEHOLDS, PERSONS

FORMATS = ("csv", "gb18030", "xlsx", "parquet")


@dataclass
class ExportResult:
    kind: str
    path: Path
    rows: int


def yuan(fen: pl.Expr) -> pl.Expr:
    """Integer fen → 'yuan.ff' text, exact."""
    return pl.when(fen.is_not_null()).then(
        (fen // 100).cast(pl.String) + pl.lit(".") + (fen % 100).cast(pl.String).str.zfill(2)
    )


def _read(conn: Connection, table: Table, names: list[str], division_prefix: str | None) -> pl.DataFrame:
    query = select(*(table.c[n] for n in names))
    if division_prefix and "county" in table.c:
        query = query.where(table.c.residence_division.startswith(division_prefix))
    elif division_prefix:
        hh = HOUSEHOLDS
        query = query.join(hh, hh.c.household_id == table.c.household_id).where(
            hh.c.residence_division.startswith(division_prefix)
        )
    rows = conn.execute(query).all()
    return pl.DataFrame(rows, schema=polars_schema(table, names), orient="row")


def _to_contract(frame: pl.DataFrame, columns: Iterable[Column]) -> pl.DataFrame:
    out = []
    for col in columns:
        if col.name not in frame.columns and col.store_name not in frame.columns:
            continue
        src = pl.col(col.store_name)
        if col.kind == "money":
            out.append(yuan(src).alias(col.name))
        elif col.kind == "bool":
            out.append(pl.when(src.is_not_null()).then(src.cast(pl.Int8).cast(pl.String)).alias(col.name))
        else:
            out.append(src.cast(pl.String).alias(col.name))
    return frame.select(out)


def households_frame(conn: Connection, division_prefix: str | None = None) -> pl.DataFrame:
    table = HOUSEHOLDS
    names = [c.store_name for c in COLUMNS["households"] if c.store_name in table.c]
    hh = _read(conn, table, names, division_prefix)
    enr = _read(conn, ENROLMENTS, ["household_id", "programme", "since"], division_prefix)
    enrolled = (
        enr.sort("household_id", "programme")
        .group_by("household_id")
        .agg(pl.col("programme").str.join(";").alias("enrolled"), pl.col("since").min().alias("enrolled_since"))
    )
    hh = hh.join(enrolled, on="household_id", how="left").sort("household_id")
    return _to_contract(hh, COLUMNS["households"])


def persons_frame(
    conn: Connection, division_prefix: str | None = None, *, cipher: PersonalDataCipher | None = None
) -> pl.DataFrame:
    """Persons in the contract's columns. With a cipher the ID and phone numbers are
    decrypted (a full, re-importable export); without one they are the masked forms."""
    table = PERSONS
    names = [c.store_name for c in COLUMNS["persons"] if c.store_name in table.c]
    secret = ["id_number_enc", "phone_enc"] if cipher else ["id_number_masked", "phone_masked"]
    raw = _read(conn, table, [*names, *secret], division_prefix).sort("person_id")
    if cipher:
        raw = raw.with_columns(
            pl.Series("id_number", cipher.decrypt_all(raw.get_column("id_number_enc")), dtype=pl.String),
            pl.Series("phone", cipher.decrypt_all(raw.get_column("phone_enc")), dtype=pl.String),
        )
    else:
        raw = raw.rename({"id_number_masked": "id_number", "phone_masked": "phone"})
    return _to_contract(raw, COLUMNS["persons"])


def write_frame(frame: pl.DataFrame, path: Path, fmt: str, *, kind: str, chinese_headers: bool = False) -> Path:
    if chinese_headers:
        frame = frame.rename({c.name: c.zh for c in COLUMNS[kind] if c.name in frame.columns})
    if fmt == "csv":
        return sheets.write_csv(frame, path)  # with a BOM: Excel reads UTF-8 correctly
    if fmt == "gb18030":
        return sheets.write_csv(frame, path, encoding="gb18030")
    if fmt == "parquet":
        return sheets.write_parquet(frame, path)
    if fmt == "xlsx":
        return sheets.write_xlsx(frame, path, kind, autofit=True, freeze_panes=(1, 0))
    raise ValueError(f"unknown format {fmt}")


def export_registry(
    engine: Engine,
    out_dir: Path,
    fmt: str = "csv",
    *,
    cipher: PersonalDataCipher | None = None,
    division_prefix: str | None = None,
    chinese_headers: bool = False,
) -> list[ExportResult]:
    """Write households and persons (in one workbook for xlsx) to `out_dir`: with the
    cipher in clear (re-importable), without it masked."""
    with engine.connect() as conn:
        hh = households_frame(conn, division_prefix)
        persons = persons_frame(conn, division_prefix, cipher=cipher)
    suffix = {"csv": "csv", "gb18030": "csv", "xlsx": "xlsx", "parquet": "parquet"}[fmt]
    if fmt == "xlsx":
        path = out_dir / "registry.xlsx"
        with sheets.workbook(path) as book:
            for kind, frame in (("households", hh), ("persons", persons)):
                if chinese_headers:
                    frame = frame.rename({c.name: c.zh for c in COLUMNS[kind] if c.name in frame.columns})
                frame.write_excel(book, worksheet=kind, autofit=True, freeze_panes=(1, 0))
        return [ExportResult("households", path, hh.height), ExportResult("persons", path, persons.height)]
    return [
        ExportResult(
            kind,
            write_frame(frame, out_dir / f"{kind}.{suffix}", fmt, kind=kind, chinese_headers=chinese_headers),
            frame.height,
        )
        for kind, frame in (("households", hh), ("persons", persons))
    ]
