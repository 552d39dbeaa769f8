"""audit log: the keyed chain's switch-over point; TRUNCATE (PostgreSQL) and INSERT OR REPLACE (SQLite) refused

From this revision on, each audit entry is chained with HMAC-SM3 under a key kept in the
data directory (security.audit). Existing entries are not re-keyed: `audit_scheme.keyed_after`
records the newest entry now, and entries up to it keep verifying with the unkeyed SM3 hash
they were written with. The row can be neither changed nor deleted (triggers), and every
anchor repeats it, so moving it later is caught.

The append-only guards of 0003 had two gaps:
- PostgreSQL: TRUNCATE fires no row trigger. A statement trigger now refuses it on the three
  audit tables, and the application role (0007) is denied it explicitly.
- SQLite: `INSERT OR REPLACE` deletes the conflicting row without firing DELETE triggers
  (unless recursive_triggers is on). An insert that reuses an entry id is now refused before
  the conflict is resolved; so is a second head or scheme row.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 10:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

APP_ROLE = "minsheng_app"  # migration 0007
AUDIT_TABLES = ("audit_log", "audit_head", "audit_scheme")


def upgrade() -> None:
    op.create_table(
        "audit_scheme",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("keyed_after", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_scheme")),
    )
    # the head's id, not a count: the chain as it claims to be (a damaged one fails verification anyway)
    op.execute(
        "INSERT INTO audit_scheme (id, keyed_after, since) "
        "SELECT 1, COALESCE((SELECT last_id FROM audit_head WHERE id = 1), 0), CURRENT_TIMESTAMP"
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_guards()
    else:
        _postgresql_guards()


def _sqlite_guards() -> None:
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_scheme_no_{event.lower()} BEFORE {event} ON audit_scheme "
            "BEGIN SELECT RAISE(ABORT, 'audit_scheme is written once'); END"
        )
    # A BEFORE INSERT trigger runs before the REPLACE conflict resolution deletes anything.
    op.execute(
        "CREATE TRIGGER audit_log_no_reused_id BEFORE INSERT ON audit_log "
        "WHEN NEW.id <= (SELECT COALESCE(MAX(id), 0) FROM audit_log) "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry id is never reused'); END"
    )
    for name in ("audit_head", "audit_scheme"):
        op.execute(
            f"CREATE TRIGGER {name}_single_row BEFORE INSERT ON {name} "
            f"WHEN EXISTS (SELECT 1 FROM {name}) "
            f"BEGIN SELECT RAISE(ABORT, '{name} has one row, never replaced'); END"
        )


def _postgresql_guards() -> None:
    # minsheng_append_only() (0003) raises "<table> is append-only"
    op.execute(
        "CREATE TRIGGER audit_scheme_written_once BEFORE UPDATE OR DELETE ON audit_scheme "
        "FOR EACH ROW EXECUTE FUNCTION minsheng_append_only()"
    )
    for name in AUDIT_TABLES:
        op.execute(
            f"CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name} "
            "FOR EACH STATEMENT EXECUTE FUNCTION minsheng_append_only()"
        )
    # 0007 never granted TRUNCATE; revoked all the same, so the guarantee does not rest on that omission
    op.execute(f"REVOKE TRUNCATE ON {', '.join(AUDIT_TABLES)} FROM {APP_ROLE}")
    op.execute(f"GRANT SELECT ON audit_scheme TO {APP_ROLE}")  # verification in a user's unit of work


def downgrade() -> None:
    raise RuntimeError("the audit log's keying is never undone by a migration")
