"""local parameters: a county's own values, submitted, approved by a second person, layered over the files

Issue 12 §5: a county outside the demo had no standard, asset rules or other local choices, and
every household came out "unknown". An administrator now imports them (dated, with the document
number that sets each), another person approves, and only approved values take effect. No
personal data: the tables are readable by every area's users (the desk says what is unset), so
no row-level policy; the application role may read, add and decide, never delete.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

APP_ROLE = "minsheng_app"
TABLES = ("local_parameter_batches", "local_parameter_values")


def upgrade() -> None:
    op.create_table(
        "local_parameter_batches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("source_file", sa.String(255), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_local_parameter_batches"),
    )
    op.create_index("ix_local_parameter_batches_division", "local_parameter_batches", ["division"])
    op.create_index("ix_local_parameter_batches_status", "local_parameter_batches", ["status"])
    op.create_table(
        "local_parameter_values",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("parameter_id", sa.String(80), nullable=False),
        sa.Column("region", sa.String(12), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("axis", sa.String(12), nullable=False),
        sa.Column("value", sa.String(40), nullable=False),
        sa.Column("doc", sa.String(200), nullable=False),
        sa.Column("title", sa.String(400), nullable=True),
        sa.Column("clause", sa.Text(), nullable=True),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_local_parameter_values"),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["local_parameter_batches.id"],
            name="fk_local_parameter_values_batch_id_local_parameter_batches",
        ),
    )
    op.create_index("ix_local_parameter_values_batch_id", "local_parameter_values", ["batch_id"])
    op.create_index("ix_local_parameter_values_parameter_id", "local_parameter_values", ["parameter_id"])
    op.create_index("ix_local_parameter_values_region", "local_parameter_values", ["region"])
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE ON {table} TO {APP_ROLE}")
        op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")


def downgrade() -> None:
    op.drop_table("local_parameter_values")
    op.drop_table("local_parameter_batches")
