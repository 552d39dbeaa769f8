"""row-level security policies that the planner can estimate (PostgreSQL; nothing on SQLite):
every jurisdiction policy compares with `starts_with(column, minsheng_scope())` instead of
`column LIKE minsheng_scope() || '%'`

Why: under row-level security PostgreSQL consults a column's statistics only for operators
whose function is LEAKPROOF (else a crafted operator could leak rows through the estimate).
`textlike` (LIKE) is not leakproof, `starts_with` is (a built-in, pg_proc.proleakproof). With
LIKE the planner guessed 0.5 % of the households for every prefix test — ~1 row for the policy
and the query's own jurisdiction filter together — and drove the list pages' joins from all
households with nested loops (EXPLAIN ANALYZE: 38,168 index probes for 10,000 alerts). With
`starts_with` it sees the histogram and plans the 10,000 rows it will meet.

The rows each policy lets through are the same: the scope is a division code (digits, or
unset: NULL, which matches nothing either way), so LIKE's wildcards never mattered; and
`starts_with` takes the prefix literally, which is the policy's meaning. The scope stays a
per-row `minsheng_scope()` call, not `(SELECT minsheng_scope())`: a sub-select is a parameter
the planner cannot see at planning time, and its guess then is as blind as LIKE's (measured:
a 9 s plan for the alert queue).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 15:00:00
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ROLE = "minsheng_app"  # the row-secured role of migration 0007


def _household(table: str, test: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM households h WHERE h.household_id = {table}.household_id"
        f" AND {test.format(col='h.residence_division')})"
    )


def policies(prefix: str) -> dict[str, str]:
    """Each secured table's condition, with `prefix` the test "{col} starts with the scope"."""
    scope_in = prefix.format(col="{col}", scope="minsheng_scope()")
    out = {
        "households": scope_in.format(col="residence_division"),
        "division_counts": scope_in.format(col="residence_division"),
        "work_order_events": (
            "EXISTS (SELECT 1 FROM work_orders w JOIN households h ON h.household_id = w.household_id"
            " WHERE w.id = work_order_events.work_order_id AND " + scope_in.format(col="h.residence_division") + ")"
        ),
        # an unlinked record belongs to the county it names, seen from the county and below (0010)
        "feed_records": (
            _household("feed_records", scope_in)
            + " OR (feed_records.household_id IS NULL AND ("
            + scope_in.format(col="feed_records.county")
            + " OR "
            + prefix.format(col="minsheng_scope()", scope="feed_records.county")
            + "))"
        ),
        # a worker in a township reads the register of its county (0007)
        "relatives": (
            "("
            + scope_in.format(col="relatives.county")
            + " OR "
            + prefix.format(col="minsheng_scope()", scope="relatives.county")
            + ")"
        ),
    }
    for table in (
        "persons",
        "enrolments",
        "alerts",
        "work_orders",
        "link_candidates",
        "verification_authorisations",
        "verification_reports",
    ):
        out[table] = _household(table, scope_in)
    return out


STARTS_WITH = "starts_with({col}, {scope})"  # leakproof: the planner may use the statistics
LIKE = "{col} LIKE {scope} || '%'"  # migrations 0007-0010
READ_ONLY = ("division_counts",)  # its policy has no WITH CHECK: the role only reads it (0008)


def _replace(prefix: str) -> None:
    for table, condition in policies(prefix).items():
        check = "" if table in READ_ONLY else f" WITH CHECK ({condition})"
        op.execute(f"DROP POLICY IF EXISTS jurisdiction ON {table}")
        op.execute(f"CREATE POLICY jurisdiction ON {table} TO {ROLE} USING ({condition}){check}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _replace(STARTS_WITH)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _replace(LIKE)
