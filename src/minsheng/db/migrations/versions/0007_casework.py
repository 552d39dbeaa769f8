"""casework: work orders, the conflict-of-interest register, sessions and tokens;
on PostgreSQL, row-level security on every table that holds a person (the second wall)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 06:50:54.293680
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Row-level security (PostgreSQL): a request runs as APP_ROLE with the acting user's
# jurisdiction in the setting minsheng.jurisdiction (see registry.scope). An unset or
# empty setting matches nothing, so a connection that forgot to set it sees no one.
APP_ROLE = "minsheng_app"
SCOPE_FUNCTION = """
CREATE OR REPLACE FUNCTION minsheng_scope() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('minsheng.jurisdiction', true), '') $$
"""
IN_SCOPE = "{col} LIKE minsheng_scope() || '%'"
HOUSEHOLD_IN_SCOPE = (
    "EXISTS (SELECT 1 FROM households h WHERE h.household_id = {tbl}.household_id"
    " AND h.residence_division LIKE minsheng_scope() || '%')"
)
POLICIES = {
    "households": IN_SCOPE.format(col="residence_division"),
    "persons": HOUSEHOLD_IN_SCOPE.format(tbl="persons"),
    "enrolments": HOUSEHOLD_IN_SCOPE.format(tbl="enrolments"),
    "alerts": HOUSEHOLD_IN_SCOPE.format(tbl="alerts"),
    "work_orders": HOUSEHOLD_IN_SCOPE.format(tbl="work_orders"),
    "work_order_events": (
        "EXISTS (SELECT 1 FROM work_orders w JOIN households h ON h.household_id = w.household_id"
        " WHERE w.id = work_order_events.work_order_id AND h.residence_division LIKE minsheng_scope() || '%')"
    ),
    # an unlinked record belongs to the county it names
    "feed_records": (
        HOUSEHOLD_IN_SCOPE.format(tbl="feed_records")
        + " OR (feed_records.household_id IS NULL AND feed_records.county LIKE minsheng_scope() || '%')"
    ),
    # a worker in a township reads the register of its county
    "relatives": "(relatives.county LIKE minsheng_scope() || '%' OR minsheng_scope() LIKE relatives.county || '%')",
}
READ_ONLY = ("users", "import_batches", "alembic_version")  # a later table needs its own GRANT
APPEND_ONLY = ("audit_log", "feed_quarantine")
READ_WRITE = ("access_tokens", "audit_head")


def enable_row_security() -> None:
    bind = op.get_bind()
    # roles are cluster-wide: another database may have made it already
    op.execute(f"DO $$ BEGIN CREATE ROLE {APP_ROLE} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    op.execute(SCOPE_FUNCTION)
    op.execute(f"GRANT USAGE ON SCHEMA {bind.dialect.default_schema_name} TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {bind.dialect.default_schema_name} TO {APP_ROLE}")
    for table, condition in POLICIES.items():
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY jurisdiction ON {table} TO {APP_ROLE} USING ({condition}) WITH CHECK ({condition})")
    for table in READ_ONLY:
        op.execute(f"GRANT SELECT ON {table} TO {APP_ROLE}")
    for table in APPEND_ONLY:
        op.execute(f"GRANT SELECT, INSERT ON {table} TO {APP_ROLE}")
    for table in READ_WRITE:
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON {table} TO {APP_ROLE}")


def disable_row_security() -> None:
    bind = op.get_bind()
    for table in POLICIES:
        op.execute(f"DROP POLICY IF EXISTS jurisdiction ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {bind.dialect.default_schema_name} FROM {APP_ROLE}")
    op.execute("DROP FUNCTION IF EXISTS minsheng_scope()")


def upgrade() -> None:
    op.create_table(
        "access_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("department", sa.String(length=32), nullable=True),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("issued_by", sa.String(length=128), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_access_tokens")),
    )
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_tokens_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_tokens_username"), ["username"], unique=False)

    op.create_table(
        "relatives",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("worker_name", sa.String(length=64), nullable=False),
        sa.Column("worker_username", sa.String(length=64), nullable=True),
        sa.Column("worker_role", sa.String(length=24), nullable=False),
        sa.Column("relative_name", sa.String(length=64), nullable=False),
        sa.Column("relative_id_hash", sa.String(length=64), nullable=False),
        sa.Column("relative_id_masked", sa.String(length=18), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column(
            "registered_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relatives")),
    )
    with op.batch_alter_table("relatives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relatives_county"), ["county"], unique=False)
        batch_op.create_index(batch_op.f("ix_relatives_relative_id_hash"), ["relative_id_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_relatives_worker_username"), ["worker_username"], unique=False)

    op.create_table(
        "work_order_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_events")),
    )
    with op.batch_alter_table("work_order_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_order_events_work_order_id"), ["work_order_id"], unique=False)

    op.create_table(
        "work_orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("township", sa.String(length=9), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("reassessment", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=12), nullable=True),
        sa.Column("programme", sa.String(length=40), nullable=True),
        sa.Column("benefit_fen", sa.BigInteger(), nullable=True),
        sa.Column("proposed_by", sa.String(length=64), nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("conflicts", sa.Text(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_work_orders_alert_id")),
    )
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_orders_assignee"), ["assignee"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_orders_county"), ["county"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_orders_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_orders_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_orders_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_orders_township"), ["township"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        enable_row_security()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        disable_row_security()
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_orders_township"))
        batch_op.drop_index(batch_op.f("ix_work_orders_status"))
        batch_op.drop_index(batch_op.f("ix_work_orders_household_id"))
        batch_op.drop_index(batch_op.f("ix_work_orders_deadline"))
        batch_op.drop_index(batch_op.f("ix_work_orders_county"))
        batch_op.drop_index(batch_op.f("ix_work_orders_assignee"))

    op.drop_table("work_orders")
    with op.batch_alter_table("work_order_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_order_events_work_order_id"))

    op.drop_table("work_order_events")
    with op.batch_alter_table("relatives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relatives_worker_username"))
        batch_op.drop_index(batch_op.f("ix_relatives_relative_id_hash"))
        batch_op.drop_index(batch_op.f("ix_relatives_county"))

    op.drop_table("relatives")
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_tokens_username"))
        batch_op.drop_index(batch_op.f("ix_access_tokens_expires_at"))

    op.drop_table("access_tokens")
