"""Ingest a department feed file (部门数据接收).

    outcome = ingest_feed(engine, cipher, Path("medical_claim.csv"))

The kind comes from the file name (`medical_claim.csv`) or is given. A file
that cannot be read at all (encoding, missing columns, empty) is refused with
nothing written; otherwise good rows are stored and linked, and bad rows go to
the quarantine with their reasons and the row itself (encrypted), in one
transaction. An ID number that fails validation does not make a row bad: the
contract says a department's number "may be missing or wrong; linkage must
cope", so the record is kept with the reason (`id_issue`), is never linked on
that number, and is left to probabilistic linkage (`minsheng feeds link`). Re-delivering a file changes nothing: records are keyed by
(source, record_id), quarantined rows by (file checksum, row). Re-delivering a corrected
record updates it: a corrected amount keeps the record's link, a corrected ID number, name
or birth date links it afresh (`linking.link`).

A department delivering with its token (`jurisdiction`) writes only about its area: every
row's residence must lie in it, the record remembers the area (`delivered_area`), and it is
linked only to a person living there (`linking`). The department is told what it sent (rows
received and rejected, with the row errors of its own file), never what the registry holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine

from minsheng.codes.id_number import birth_date_expr
from minsheng.contract import files
from minsheng.contract.columns import COLUMNS, FEED_ENVELOPE, FEED_KINDS
from minsheng.contract.validation import ROW, parse_table, reason_text
from minsheng.db.store import bulk_insert
from minsheng.db.uow import UnitOfWork
from minsheng.db.upsert import existing, upsert
from minsheng.errors import ImportRejected
from minsheng.feeds.linking import OUTSIDE_AREA, STATUSES, ExactIdLinker, Linker, link
from minsheng.feeds.tables import FEED_QUARANTINE, FEED_RECORDS
from minsheng.privacy.masking import mask_id_number
from minsheng.privacy.personal_data import PersonalDataCipher


@dataclass
class FeedOutcome:
    kind: str
    file: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    id_invalid: int = 0  # kept, with an ID number that fails validation (left to probabilistic linkage)
    links: dict[str, int] = field(default_factory=dict)  # by link status: for the county, never the sender
    # the rejected rows' reasons: [{row, column, reason_zh, reason_en}], in row order
    errors: list[dict[str, object]] = field(default_factory=list)


def kind_of(path: Path, kind: str | None) -> str:
    chosen = kind or path.stem.split(".")[0]
    if chosen not in FEED_KINDS:
        raise ImportRejected(
            f"无法确定部门数据类别“{chosen}”：请用 --kind 指定（{'、'.join(FEED_KINDS)}）",
            f"unknown feed kind {chosen!r}: name the file after its kind or pass --kind ({', '.join(FEED_KINDS)})",
        )
    return chosen


def ingest_feed(
    engine: Engine,
    cipher: PersonalDataCipher,
    path: Path,
    *,
    kind: str | None = None,
    linker: Linker | None = None,
    today: dt.date | None = None,
    source: str | None = None,
    jurisdiction: str = "",
) -> FeedOutcome:
    """`source` and `jurisdiction`: a department delivering through its token may send only
    its own records about its own area; any other row refuses the whole file."""
    kind = kind_of(path, kind)
    table = files.read(path, f"feed:{kind}")
    parsed, errors = parse_table(table.frame, f"feed:{kind}", today=today)
    _check_delivery(parsed, source, jurisdiction)
    # DATA-CONTRACT "department feeds": id_number "may be missing or wrong; linkage must cope".
    id_issues = errors.filter(pl.col("column") == "id_number").select(pl.col("row").alias(ROW), id_issue="reason")
    errors = errors.filter(pl.col("column") != "id_number")
    parsed = parsed.join(id_issues, on=ROW, how="left")
    duplicate = parsed.filter(~pl.struct("source", "record_id").is_first_distinct() & pl.col("record_id").is_not_null())
    errors = pl.concat(
        [
            errors,
            duplicate.select(
                pl.col(ROW).alias("row"),
                pl.lit("record_id").alias("column"),
                pl.col("record_id").alias("value"),
                pl.lit("duplicate_record").alias("reason"),
            ),
        ]
    )
    bad_rows = errors.get_column("row").unique()
    good = parsed.filter(~pl.col(ROW).is_in(bad_rows.implode()))
    outcome = FeedOutcome(kind, table.file, rows=table.frame.height, quarantined=bad_rows.len())
    outcome.id_invalid = int(good.get_column("id_issue").is_not_null().sum())
    reasons = _reasons(kind, errors)
    outcome.errors = [{"row": row, **reason} for row in sorted(reasons) for reason in reasons[row]]
    checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    with UnitOfWork(engine) as uow:
        conn = uow.connection
        records = _records(good, kind, table.file, cipher, jurisdiction or None)
        records = link(conn, records, linker or ExactIdLinker())
        # `outside_area` exists only for a delivery with a token's area
        statuses = STATUSES if jurisdiction else tuple(s for s in STATUSES if s != OUTSIDE_AREA)
        outcome.links = {s: int((records.get_column("link_status") == s).sum()) for s in statuses}
        clear = good.select(pl.format("{}:{}", "source", "record_id").alias("feed_key"), "id_number")

        def encrypt(frame: pl.DataFrame) -> pl.DataFrame:
            values = frame.select("feed_key").join(clear, on="feed_key", how="left")
            return frame.with_columns(
                pl.Series("id_number_enc", cipher.encrypt_all(values.get_column("id_number")), dtype=pl.Binary)
            )

        columns = [c.name for c in FEED_RECORDS.columns if c.name in records.columns]
        outcome.inserted, outcome.updated, outcome.unchanged = upsert(
            conn, FEED_RECORDS, "feed_key", records.select(columns), encrypt
        )
        _quarantine(conn, cipher, table, kind, reasons, checksum)
        uow.commit()
    return outcome


def _check_delivery(parsed: pl.DataFrame, source: str | None, jurisdiction: str) -> None:
    if source is not None:
        foreign = parsed.filter(pl.col("source").is_not_null() & (pl.col("source") != source))
        if not foreign.is_empty():
            row = foreign.get_column(ROW)[0]
            raise ImportRejected(
                f"第{row}行：数据来源不是本部门（{source}），整个文件未导入",
                f"row {row}: the source is not your department ({source}); nothing was imported",
            )
    if jurisdiction:
        outside = parsed.filter(
            pl.col("residence_division").is_not_null() & ~pl.col("residence_division").str.starts_with(jurisdiction)
        )
        if not outside.is_empty():
            row = outside.get_column(ROW)[0]
            raise ImportRejected(
                f"第{row}行：居住地不在令牌的辖区（{jurisdiction}）内，整个文件未导入",
                f"row {row}: the residence is outside the token's area ({jurisdiction}); nothing was imported",
            )


def _records(good: pl.DataFrame, kind: str, file: str, cipher: PersonalDataCipher, area: str | None) -> pl.DataFrame:
    envelope = {c.name for c in FEED_ENVELOPE}
    specific = [c.name for c in FEED_KINDS[kind]]
    payload = pl.struct(specific).struct.json_encode() if specific else pl.lit("{}")
    # The contract makes birth date optional; a valid ID number carries it (an invalid one
    # may be wrong in exactly those digits).
    id_birth = pl.when(pl.col("id_issue").is_null()).then(birth_date_expr(pl.col("id_number")))
    return good.with_columns(
        pl.format("{}:{}", "source", "record_id").alias("feed_key"),
        pl.lit(kind).alias("kind"),
        pl.Series("id_number_hash", cipher.index_all(good.get_column("id_number")), dtype=pl.String),
        mask_id_number(pl.col("id_number")).alias("id_number_masked"),
        # Linkage must know a date read from the ID number from a declared one (migration 0014).
        (pl.col("birth_date").is_null() & id_birth.is_not_null()).alias("birth_date_derived"),
        pl.coalesce("birth_date", id_birth).alias("birth_date"),
        # An unlinked record is seen by its county: the residence's, else the delivering token's
        # (a department may leave the residence blank; the record is still about its area).
        pl.coalesce(pl.col("residence_division"), pl.lit(area, pl.String)).str.slice(0, 6).alias("county"),
        pl.lit(area, pl.String).alias("delivered_area"),
        payload.alias("payload"),
        pl.lit(file).alias("file_name"),
    ).select(
        *(c for c in good.columns if c in envelope and c != "id_number"),
        "feed_key",
        "kind",
        "id_number_hash",
        "id_number_masked",
        "id_issue",
        "birth_date_derived",
        "county",
        "delivered_area",
        "payload",
        "file_name",
    )


def _reasons(kind: str, errors: pl.DataFrame) -> dict[int, list[dict[str, str]]]:
    """The bad rows' reasons by row: [{column, reason_zh, reason_en}]."""
    cols = {c.name: c for c in COLUMNS[f"feed:{kind}"]}
    by_row: dict[int, list[dict[str, str]]] = {}
    for row, column, key in errors.select("row", "column", "reason").iter_rows():
        zh, en = (
            ("同一来源的记录编号重复", "duplicate record id for this source")
            if key == "duplicate_record"
            else reason_text(cols[column], key)
        )
        by_row.setdefault(row, []).append({"column": column, "reason_zh": zh, "reason_en": en})
    return by_row


def _quarantine(
    conn: Connection,
    cipher: PersonalDataCipher,
    table: files.Table,
    kind: str,
    by_row: dict[int, list[dict[str, str]]],
    checksum: str,
) -> None:
    if not by_row:
        return
    raw = table.frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    rows = raw.filter(pl.col(ROW).is_in(list(by_row))).to_dicts()
    frame = pl.DataFrame(
        {
            "kind": [kind] * len(rows),
            "file_name": [table.file] * len(rows),
            "file_sha256": [checksum] * len(rows),
            "row": [r[ROW] for r in rows],
            "reasons": [json.dumps(by_row[r[ROW]], ensure_ascii=False) for r in rows],
            "raw_enc": [
                cipher.encrypt(json.dumps({k: v for k, v in r.items() if k != ROW}, ensure_ascii=False)) for r in rows
            ],
        },
        schema={
            "kind": pl.String,
            "file_name": pl.String,
            "file_sha256": pl.String,
            "row": pl.Int64,
            "reasons": pl.String,
            "raw_enc": pl.Binary,
        },
    )
    seen = existing(conn, FEED_QUARANTINE, "file_sha256", pl.Series([checksum]), ["row"])
    fresh = frame.join(seen.with_columns(pl.col("row").cast(pl.Int64)), on=["file_sha256", "row"], how="anti")
    bulk_insert(conn, FEED_QUARANTINE, fresh)
