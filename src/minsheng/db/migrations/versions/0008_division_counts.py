"""division counts: households and persons per division for dashboards, filled from the
registry as it stands; on PostgreSQL readable by the row-secured role within its area

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 07:17:28.536457
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FILL = """
INSERT INTO division_counts (residence_division, urban_rural, households, persons)
SELECT h.residence_division, h.urban_rural, count(*), coalesce(sum(m.n), 0)
FROM households h LEFT JOIN (SELECT household_id, count(*) AS n FROM persons GROUP BY household_id) m
  ON m.household_id = h.household_id
GROUP BY h.residence_division, h.urban_rural
"""


def upgrade() -> None:
    op.create_table(
        "division_counts",
        sa.Column("residence_division", sa.String(length=12), nullable=False),
        sa.Column("urban_rural", sa.String(length=5), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("residence_division", "urban_rural", name=op.f("pk_division_counts")),
    )
    op.execute(FILL)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("GRANT SELECT ON division_counts TO minsheng_app")
        op.execute("ALTER TABLE division_counts ENABLE ROW LEVEL SECURITY")
        op.execute(
            "CREATE POLICY jurisdiction ON division_counts TO minsheng_app"
            " USING (residence_division LIKE minsheng_scope() || '%')"
        )


def downgrade() -> None:
    op.drop_table("division_counts")
