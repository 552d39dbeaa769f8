"""persons and feed records say whether their birth date was read from the ID number (`birth_date_derived`)

The registry import and feed ingest fill a blank birth date from a valid ID number. Linkage
must know which dates those are: a date copied from the record's own number is that number's
evidence, and counting it again made another person's valid number outweigh a wholly
different name (issue 11 §1). Rows written before this revision are taken as declared (false):
whether their dates were filled cannot be told afterwards.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-14 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = ("persons", "feed_records")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("birth_date_derived", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("birth_date_derived")
