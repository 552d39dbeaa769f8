"""Tables of who may do what and what they did: users, sessions and department tokens, the audit log."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Boolean, DateTime, Integer, String, Table, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.db.base import Base


class User(Base):
    """A person who uses minsheng: a role and a jurisdiction (a division code)."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(24))
    jurisdiction: Mapped[str] = mapped_column(String(12), index=True)
    password_hash: Mapped[str] = mapped_column(String(256))  # argon2id
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuditEntry(Base):
    """审计日志: one read, decision or export. Append-only (triggers), hash-chained (security.audit)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(128), index=True)
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest audit entry's id and hash: anchors the chain's end."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class AccessToken(Base):
    """A login session or a department's feed-delivery token. Only the SM3 hash of the
    token is stored: a stolen database yields no usable token."""

    __tablename__ = "access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # session / department
    username: Mapped[str | None] = mapped_column(String(64), index=True)  # a session's user
    department: Mapped[str | None] = mapped_column(String(32))  # a department token's feed source
    jurisdiction: Mapped[str] = mapped_column(String(12))
    issued_by: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


USERS = cast(Table, User.__table__)
AUDIT_LOG = cast(Table, AuditEntry.__table__)
AUDIT_HEAD = cast(Table, AuditHead.__table__)
ACCESS_TOKENS = cast(Table, AccessToken.__table__)
