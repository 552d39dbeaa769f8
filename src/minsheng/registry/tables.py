"""The social registry's tables (社会救助对象库): households, persons, enrolments, import runs.

Columns follow the data contract (`contract.columns`); money is integer fen.
`county` and `township` are derived from `residence_division` and indexed,
because every query is filtered by jurisdiction (a division-code prefix).
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.db.base import Base


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
    # True when the import read the birth date from the ID number (linkage counts it once, migration 0014).
    birth_date_derived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
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


# Core tables, typed as Table (the ORM types `__table__` as a bare FromClause).
HOUSEHOLDS = cast(Table, Household.__table__)
PERSONS = cast(Table, Person.__table__)
ENROLMENTS = cast(Table, Enrolment.__table__)
IMPORT_BATCHES = cast(Table, ImportBatch.__table__)
