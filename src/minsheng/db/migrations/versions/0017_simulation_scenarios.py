"""simulation scenarios: the analyst's saved reforms, by name and version

Issue 13 §2: an analyst saves a scenario by name (versioned, audited, shareable by link within the
jurisdiction) and compares up to three. A scenario is a reform in the reform file format and what
the form changed; it names no person, so no row-level policy: the page shows a scenario only to
users of the area it was made for (or above it). The application role may read and add, never
change or delete: a new version is a new row.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

APP_ROLE = "minsheng_app"


def upgrade() -> None:
    op.create_table(
        "simulation_scenarios",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("reform_id", sa.String(16), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(12), nullable=False),
        sa.Column("programme", sa.String(40), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("reform", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_simulation_scenarios"),
        sa.UniqueConstraint("jurisdiction", "name", "version", name="uq_simulation_scenarios_version"),
        sa.UniqueConstraint("reform_id", name="uq_simulation_scenarios_reform_id"),
    )
    op.create_index("ix_simulation_scenarios_jurisdiction", "simulation_scenarios", ["jurisdiction"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT, INSERT ON simulation_scenarios TO {APP_ROLE}")
        op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")


def downgrade() -> None:
    op.drop_table("simulation_scenarios")
