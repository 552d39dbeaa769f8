"""unlinked feed records visible to the workers below their county (PostgreSQL): an unlinked
record is known only by its county, so a township or village worker of that county may see
it — to review a probable link to a household of its own area — as the relatives register allows

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 08:50:00
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

HOUSEHOLD_IN_SCOPE = (
    "EXISTS (SELECT 1 FROM households h WHERE h.household_id = feed_records.household_id"
    " AND h.residence_division LIKE minsheng_scope() || '%')"
)
UNLINKED_IN_COUNTY = (
    "(feed_records.household_id IS NULL AND (feed_records.county LIKE minsheng_scope() || '%'"
    " OR minsheng_scope() LIKE feed_records.county || '%'))"
)
BEFORE = "(feed_records.household_id IS NULL AND feed_records.county LIKE minsheng_scope() || '%')"


def _policy(unlinked: str) -> None:
    op.execute("DROP POLICY IF EXISTS jurisdiction ON feed_records")
    condition = f"{HOUSEHOLD_IN_SCOPE} OR {unlinked}"
    op.execute(
        f"CREATE POLICY jurisdiction ON feed_records TO minsheng_app USING ({condition}) WITH CHECK ({condition})"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _policy(UNLINKED_IN_COUNTY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _policy(BEFORE)
