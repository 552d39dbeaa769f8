"""feed records keep an ID number that fails validation, with the reason (`id_issue`)

The contract says a department's ID number "may be missing or wrong; linkage must
cope": a record with one wrong digit is still about someone, so ingest keeps it,
records why the number is not valid, and leaves it to probabilistic linkage,
instead of quarantining the whole record.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 09:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_records") as batch:
        batch.add_column(sa.Column("id_issue", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feed_records") as batch:
        batch.drop_column("id_issue")
