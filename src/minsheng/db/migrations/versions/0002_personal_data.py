"""persons: ID and phone numbers encrypted at rest, found by blind index, shown masked

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Existing clear values are encrypted with the configured key (handed to the
migration by `registry.store.upgrade`) and then the clear columns are dropped.
"""

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _mask_id(v: str) -> str | None:
    return v[:6] + "*" * 8 + v[14:] if len(v) == 18 else None


def _mask_phone(v: str) -> str | None:
    return v[:3] + "****" + v[-4:] if len(v) >= 7 else None


def upgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_number_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("id_number_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("id_number_masked", sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column("phone_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("phone_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("phone_masked", sa.String(length=16), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT person_id, id_number, phone FROM persons WHERE id_number IS NOT NULL OR phone IS NOT NULL")
    ).all()
    if rows:
        cipher = context.config.attributes.get("cipher")
        if cipher is None:
            raise RuntimeError("persons hold clear ID or phone numbers: run the upgrade with the data key configured")
        update = sa.text(
            "UPDATE persons SET id_number_enc = :ie, id_number_hash = :ih, id_number_masked = :im, "
            "phone_enc = :pe, phone_hash = :ph, phone_masked = :pm WHERE person_id = :pid"
        )
        conn.execute(
            update,
            [
                {
                    "pid": pid,
                    "ie": cipher.encrypt(idn) if idn else None,
                    "ih": cipher.blind_index(idn) if idn else None,
                    "im": _mask_id(idn) if idn else None,
                    "pe": cipher.encrypt(phone) if phone else None,
                    "ph": cipher.blind_index(phone) if phone else None,
                    "pm": _mask_phone(phone) if phone else None,
                }
                for pid, idn, phone in rows
            ],
        )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_constraint("uq_persons_id_number", type_="unique")
        batch_op.drop_column("id_number")
        batch_op.drop_column("phone")
        batch_op.create_unique_constraint("uq_persons_id_number_hash", ["id_number_hash"])
        batch_op.create_index("ix_persons_phone_hash", ["phone_hash"], unique=False)


def downgrade() -> None:
    raise RuntimeError("decrypting personal data back into clear columns is not supported")
