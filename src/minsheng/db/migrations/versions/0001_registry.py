"""registry: households, persons, enrolments, import batches

Revision ID: 0001
Revises:
Create Date: 2026-11-29 04:27:42.163171
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "households",
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("residence_division", sa.String(length=12), nullable=False),
        sa.Column("hukou_division", sa.String(length=12), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("township", sa.String(length=9), nullable=True),
        sa.Column("urban_rural", sa.String(length=5), nullable=False),
        sa.Column("financial_assets_fen", sa.BigInteger(), nullable=True),
        sa.Column("properties", sa.Integer(), nullable=True),
        sa.Column("housing_area_m2", sa.Float(), nullable=True),
        sa.Column("non_residential_property", sa.Boolean(), nullable=True),
        sa.Column("vehicles", sa.Integer(), nullable=True),
        sa.Column("vehicle_value_fen", sa.BigInteger(), nullable=True),
        sa.Column("business_capital_fen", sa.BigInteger(), nullable=True),
        sa.Column("current_benefit_fen", sa.BigInteger(), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_households")),
    )
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_households_county"), ["county"], unique=False)
        batch_op.create_index(batch_op.f("ix_households_township"), ["township"], unique=False)

    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column(
            "finished_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("programme", sa.String(length=40), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.household_id"],
            name=op.f("fk_enrolments_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint("household_id", "programme", name="uq_enrolments_household_programme"),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolments_household_id"), ["household_id"], unique=False)

    op.create_table(
        "persons",
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("relation", sa.String(length=2), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("disability_grade", sa.String(length=1), nullable=True),
        sa.Column("disability_kind", sa.String(length=16), nullable=True),
        sa.Column("labour_capacity", sa.String(length=8), nullable=True),
        sa.Column("self_care", sa.String(length=8), nullable=True),
        sa.Column("employment", sa.String(length=12), nullable=True),
        sa.Column("school_stage", sa.String(length=12), nullable=True),
        sa.Column("wage_income_fen", sa.BigInteger(), nullable=True),
        sa.Column("business_income_fen", sa.BigInteger(), nullable=True),
        sa.Column("property_income_fen", sa.BigInteger(), nullable=True),
        sa.Column("transfer_income_fen", sa.BigInteger(), nullable=True),
        sa.Column("disregarded_income_fen", sa.BigInteger(), nullable=True),
        sa.Column("medical_expense_fen", sa.BigInteger(), nullable=True),
        sa.Column("education_expense_fen", sa.BigInteger(), nullable=True),
        sa.Column("other_rigid_expense_fen", sa.BigInteger(), nullable=True),
        sa.Column("medical_insurance", sa.String(length=8), nullable=True),
        sa.Column("medical_insurance_years", sa.Integer(), nullable=True),
        sa.Column("zero_claim_years", sa.Integer(), nullable=True),
        sa.Column("pension_insurance", sa.String(length=8), nullable=True),
        sa.Column("supporter_capable", sa.Boolean(), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.household_id"], name=op.f("fk_persons_household_id_households")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_persons")),
        sa.UniqueConstraint("id_number", name=op.f("uq_persons_id_number")),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_persons_household_id"), ["household_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_persons_household_id"))

    op.drop_table("persons")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolments_household_id"))

    op.drop_table("enrolments")
    op.drop_table("import_batches")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_households_township"))
        batch_op.drop_index(batch_op.f("ix_households_county"))

    op.drop_table("households")
