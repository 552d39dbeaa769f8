"""department feeds and quarantine

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 05:51:05.000024
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("raw_enc", sa.LargeBinary(), nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_quarantine")),
        sa.UniqueConstraint("file_sha256", "row", name="uq_feed_quarantine_file_row"),
    )
    op.create_table(
        "feed_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feed_key", sa.String(length=160), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("id_number_enc", sa.LargeBinary(), nullable=True),
        sa.Column("id_number_hash", sa.String(length=64), nullable=True),
        sa.Column("id_number_masked", sa.String(length=18), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("residence_division", sa.String(length=12), nullable=True),
        sa.Column("county", sa.String(length=6), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("household_id", sa.String(length=64), nullable=True),
        sa.Column("link_status", sa.String(length=16), nullable=False),
        sa.Column("link_method", sa.String(length=32), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_records")),
        sa.UniqueConstraint("feed_key", name=op.f("uq_feed_records_feed_key")),
    )
    with op.batch_alter_table("feed_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_records_county"), ["county"], unique=False)
        batch_op.create_index(batch_op.f("ix_feed_records_event_date"), ["event_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_feed_records_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feed_records_id_number_hash"), ["id_number_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_feed_records_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_feed_records_link_status"), ["link_status"], unique=False)
        batch_op.create_index(batch_op.f("ix_feed_records_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feed_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_records_person_id"))
        batch_op.drop_index(batch_op.f("ix_feed_records_link_status"))
        batch_op.drop_index(batch_op.f("ix_feed_records_kind"))
        batch_op.drop_index(batch_op.f("ix_feed_records_id_number_hash"))
        batch_op.drop_index(batch_op.f("ix_feed_records_household_id"))
        batch_op.drop_index(batch_op.f("ix_feed_records_event_date"))
        batch_op.drop_index(batch_op.f("ix_feed_records_county"))

    op.drop_table("feed_records")
    op.drop_table("feed_quarantine")
