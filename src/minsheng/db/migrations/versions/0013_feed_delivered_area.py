"""feed records remember the area of the department token that delivered them (`delivered_area`)

A department's token may write only about its own area. Checking the rows' residence is not
enough: the residence is optional, and a record is linked by the person it names. Ingest links
a token-delivered record only to a person living in the token's area, and so must
`minsheng feeds link`, run later as a batch: the record keeps the area for it. Blank for
records a county operator imported from the command line (no token, no limit).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_records") as batch:
        batch.add_column(sa.Column("delivered_area", sa.String(12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feed_records") as batch:
        batch.drop_column("delivered_area")
