"""The social registry's tables (社会救助对象库): households, persons, enrolments.

Columns follow the data contract (`registry.columns`); money is integer fen.
`county` and `township` are derived from `residence_division` and indexed,
because every query is filtered by jurisdiction (a division-code prefix).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import polars as pl
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Household(Base):
    """户 / 家庭: a household as registered."""

    __tablename__ = "households"

    household_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    residence_division: Mapped[str] = mapped_column(String(12))
    hukou_division: Mapped[str] = mapped_column(String(12))
    county: Mapped[str] = mapped_column(String(6), index=True)  # residence county, for jurisdiction filters
    township: Mapped[str | None] = mapped_column(String(9), index=True)
    urban_rural: Mapped[str] = mapped_column(String(5))
    financial_assets_fen: Mapped[int | None] = mapped_column(BigInteger)
    properties: Mapped[int | None] = mapped_column(Integer)
    housing_area_m2: Mapped[float | None] = mapped_column(Float)
    non_residential_property: Mapped[bool | None] = mapped_column(Boolean)
    vehicles: Mapped[int | None] = mapped_column(Integer)
    vehicle_value_fen: Mapped[int | None] = mapped_column(BigInteger)
    business_capital_fen: Mapped[int | None] = mapped_column(BigInteger)
    current_benefit_fen: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    persons: Mapped[list[Person]] = relationship(back_populates="household")
    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="household", cascade="all, delete-orphan")


class Person(Base):
    """家庭成员: a member of a household."""

    __tablename__ = "persons"

    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.household_id"), index=True)
    # 公民身份号码 and phone: never stored in clear (security.personal_data). `_enc` is the
    # SM4-GCM ciphertext, `_hash` the HMAC-SM3 blind index used to find and de-duplicate,
    # `_masked` what pages and exports show.
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64))
    relation: Mapped[str] = mapped_column(String(2))
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    disability_grade: Mapped[str | None] = mapped_column(String(1))
    disability_kind: Mapped[str | None] = mapped_column(String(16))
    labour_capacity: Mapped[str | None] = mapped_column(String(8))
    self_care: Mapped[str | None] = mapped_column(String(8))
    employment: Mapped[str | None] = mapped_column(String(12))
    school_stage: Mapped[str | None] = mapped_column(String(12))
    wage_income_fen: Mapped[int | None] = mapped_column(BigInteger)
    business_income_fen: Mapped[int | None] = mapped_column(BigInteger)
    property_income_fen: Mapped[int | None] = mapped_column(BigInteger)
    transfer_income_fen: Mapped[int | None] = mapped_column(BigInteger)
    disregarded_income_fen: Mapped[int | None] = mapped_column(BigInteger)
    medical_expense_fen: Mapped[int | None] = mapped_column(BigInteger)
    education_expense_fen: Mapped[int | None] = mapped_column(BigInteger)
    other_rigid_expense_fen: Mapped[int | None] = mapped_column(BigInteger)
    medical_insurance: Mapped[str | None] = mapped_column(String(8))
    medical_insurance_years: Mapped[int | None] = mapped_column(Integer)
    zero_claim_years: Mapped[int | None] = mapped_column(Integer)
    pension_insurance: Mapped[str | None] = mapped_column(String(8))
    supporter_capable: Mapped[bool | None] = mapped_column(Boolean)
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_masked: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    household: Mapped[Household] = relationship(back_populates="persons")


class Enrolment(Base):
    """A programme a household receives now (已享受救助)."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("household_id", "programme", name="uq_enrolments_household_programme"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.household_id", ondelete="CASCADE"), index=True)
    programme: Mapped[str] = mapped_column(String(40))
    since: Mapped[dt.date | None] = mapped_column(Date)

    household: Mapped[Household] = relationship(back_populates="enrolments")


class ImportBatch(Base):
    """One import run: what file, what it did. Kept for the record and the summary."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FeedRecord(Base):
    """部门比对数据: one department record, linked to a registry person when it can be."""

    __tablename__ = "feed_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feed_key: Mapped[str] = mapped_column(String(160), unique=True)  # source:record_id, idempotent re-delivery
    source: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    event_date: Mapped[dt.date] = mapped_column(Date, index=True)
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(18))
    # Why the ID number as delivered is not valid (validation reason key, e.g. id_check_digit);
    # such a record is kept and left to probabilistic linkage, never linked on the number.
    id_issue: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    residence_division: Mapped[str | None] = mapped_column(String(12))
    county: Mapped[str | None] = mapped_column(String(6), index=True)  # jurisdiction of an unlinked record
    payload: Mapped[str] = mapped_column(Text)  # the kind's own columns as JSON, money in fen
    person_id: Mapped[str | None] = mapped_column(String(64), index=True)
    household_id: Mapped[str | None] = mapped_column(String(64), index=True)
    link_status: Mapped[str] = mapped_column(String(16), index=True)  # linked / unmatched / id_conflict
    link_method: Mapped[str | None] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FeedQuarantine(Base):
    """A feed row that failed validation: kept, encrypted, with its reasons, so nothing is lost."""

    __tablename__ = "feed_quarantine"
    __table_args__ = (UniqueConstraint("file_sha256", "row", name="uq_feed_quarantine_file_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    row: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[str] = mapped_column(Text)  # JSON: [{column, reason_zh, reason_en}]
    raw_enc: Mapped[bytes] = mapped_column(LargeBinary)  # the row as delivered (may hold ID numbers): encrypted
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Alert(Base):
    """预警: a household flagged by a warning rule, graded, with the records that triggered it.

    One open alert per household and reason (`open_key`); a new event on it updates
    the alert instead of adding another. `version` guards against lost updates."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    open_key: Mapped[str | None] = mapped_column(String(160), unique=True)  # household:reason while open
    household_id: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(40), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # hardship / exit
    severity: Mapped[str] = mapped_column(String(8), index=True)  # red / orange / yellow (分级预警)
    status: Mapped[str] = mapped_column(String(12), index=True)  # open / closed
    first_event: Mapped[dt.date] = mapped_column(Date)
    last_event: Mapped[dt.date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text)  # JSON list of feed keys (source:record_id)
    county: Mapped[str] = mapped_column(String(6), index=True)
    township: Mapped[str | None] = mapped_column(String(9), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class User(Base):
    """A person who uses minsheng: a role and a jurisdiction (a division code)."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(24))
    jurisdiction: Mapped[str] = mapped_column(String(12), index=True)
    password_hash: Mapped[str] = mapped_column(String(256))  # argon2id
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuditEntry(Base):
    """审计日志: one read, decision or export. Append-only (triggers), hash-chained (security.audit)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(128), index=True)
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest audit entry's id and hash: anchors the chain's end."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


# Core tables, typed as Table (the ORM types `__table__` as a bare FromClause).
HOUSEHOLDS = cast(Table, Household.__table__)
PERSONS = cast(Table, Person.__table__)
ENROLMENTS = cast(Table, Enrolment.__table__)
IMPORT_BATCHES = cast(Table, ImportBatch.__table__)
FEED_RECORDS = cast(Table, FeedRecord.__table__)
ALERTS = cast(Table, Alert.__table__)
FEED_QUARANTINE = cast(Table, FeedQuarantine.__table__)
USERS = cast(Table, User.__table__)
AUDIT_LOG = cast(Table, AuditEntry.__table__)
AUDIT_HEAD = cast(Table, AuditHead.__table__)


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
