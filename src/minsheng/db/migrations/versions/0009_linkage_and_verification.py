"""linkage and verification: the review queue of probable links, household consents and
verification reports; on PostgreSQL each row-secured by its household's residence

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 07:55:06.588502
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SECURED = ("link_candidates", "verification_authorisations", "verification_reports")


def upgrade() -> None:
    op.create_table(
        "link_candidates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feed_key", sa.String(length=160), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("comparisons", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_candidates")),
    )
    with op.batch_alter_table("link_candidates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_candidates_county"), ["county"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_candidates_feed_key"), ["feed_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_candidates_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_candidates_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_candidates_status"), ["status"], unique=False)

    op.create_table(
        "verification_authorisations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("signed_by", sa.String(length=64), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("document_ref", sa.String(length=128), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_authorisations")),
    )
    with op.batch_alter_table("verification_authorisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_authorisations_county"), ["county"], unique=False)
        batch_op.create_index(batch_op.f("ix_verification_authorisations_household_id"), ["household_id"], unique=False)

    op.create_table(
        "verification_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("authorisation_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_reports")),
    )
    with op.batch_alter_table("verification_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_reports_county"), ["county"], unique=False)
        batch_op.create_index(batch_op.f("ix_verification_reports_household_id"), ["household_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table in SECURED:  # the row-secured role of migration 0007
            op.execute(f"GRANT SELECT, INSERT, UPDATE ON {table} TO minsheng_app")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            condition = (
                f"EXISTS (SELECT 1 FROM households h WHERE h.household_id = {table}.household_id"
                " AND h.residence_division LIKE minsheng_scope() || '%')"
            )
            op.execute(
                f"CREATE POLICY jurisdiction ON {table} TO minsheng_app USING ({condition}) WITH CHECK ({condition})"
            )
        op.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO minsheng_app")


def downgrade() -> None:
    with op.batch_alter_table("verification_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_reports_household_id"))
        batch_op.drop_index(batch_op.f("ix_verification_reports_county"))

    op.drop_table("verification_reports")
    with op.batch_alter_table("verification_authorisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_authorisations_household_id"))
        batch_op.drop_index(batch_op.f("ix_verification_authorisations_county"))

    op.drop_table("verification_authorisations")
    with op.batch_alter_table("link_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_candidates_status"))
        batch_op.drop_index(batch_op.f("ix_link_candidates_person_id"))
        batch_op.drop_index(batch_op.f("ix_link_candidates_household_id"))
        batch_op.drop_index(batch_op.f("ix_link_candidates_feed_key"))
        batch_op.drop_index(batch_op.f("ix_link_candidates_county"))

    op.drop_table("link_candidates")
