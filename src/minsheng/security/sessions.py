"""Sessions and department tokens (会话与部门令牌): both expire, both can be revoked.

A user logs in and gets a session token; a department (medical insurance, human
resources …) gets a long-lived token that may only deliver its own feeds within
one jurisdiction. The store keeps only the SM3 hash of a token, so a copy of the
database holds nothing that opens a door. Times are naive UTC, as in the audit log.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from minsheng.codes.divisions import canonical, divisions
from minsheng.contract.columns import FEED_SOURCES
from minsheng.errors import DivisionError, Forbidden, InvalidInput, NotAuthenticated
from minsheng.security import audit
from minsheng.security.tables import ACCESS_TOKENS, USERS
from minsheng.security.users import Principal

TOKEN_BYTES = 32  # 256 bits from the operating system's CSPRNG
DEPARTMENTS = tuple(FEED_SOURCES.labels)  # the contract's feed `source` values


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _hash(token: str) -> str:
    return audit.sm3(token.encode("ascii", "replace"))


@dataclass(frozen=True)
class Department:
    """Who delivers a feed: its `source` name and the area it delivers for."""

    department: str
    jurisdiction: str


def open_session(
    conn: Connection, principal: Principal, minutes: int, *, now: dt.datetime | None = None, address: str | None = None
) -> tuple[str, dt.datetime]:
    """A new session for a user who proved who they are; audited, with the client's address
    when they logged in over the web."""
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = now + dt.timedelta(minutes=minutes)
    conn.execute(
        ACCESS_TOKENS.insert().values(
            token_hash=_hash(token),
            kind="session",
            username=principal.username,
            jurisdiction=principal.jurisdiction,
            issued_by=principal.username,
            issued_at=now,
            expires_at=expires,
            revoked=False,
        )
    )
    detail = {"address": address} if address else None
    audit.record(conn, principal.username, "login", "user", principal.username, detail)
    return token, expires


def principal_for(conn: Connection, token: str, *, now: dt.datetime | None = None) -> Principal:
    """The user behind a live session token; an expired, revoked or unknown token, or a
    deactivated user, is refused alike."""
    now = now or utcnow()
    row = conn.execute(
        select(USERS.c.username, USERS.c.role, USERS.c.jurisdiction, USERS.c.active)
        .join(ACCESS_TOKENS, ACCESS_TOKENS.c.username == USERS.c.username)
        .where(
            ACCESS_TOKENS.c.token_hash == _hash(token),
            ACCESS_TOKENS.c.kind == "session",
            ACCESS_TOKENS.c.revoked.is_(False),
            ACCESS_TOKENS.c.expires_at > now,
        )
    ).first()
    if row is None or not row.active:
        raise NotAuthenticated("登录已失效，请重新登录", "your session has expired or is invalid: log in again")
    return Principal(row.username, row.role, row.jurisdiction)


def close_session(conn: Connection, token: str) -> None:
    conn.execute(update(ACCESS_TOKENS).where(ACCESS_TOKENS.c.token_hash == _hash(token)).values(revoked=True))


def issue_department_token(
    conn: Connection,
    issuer: Principal,
    department: str,
    jurisdiction: str,
    days: int,
    *,
    now: dt.datetime | None = None,
) -> tuple[str, dt.datetime]:
    """A feed-delivery token for one department and one area, issued by an administrator
    of that area (audited)."""
    if issuer.role != "administrator":
        raise Forbidden("只有系统管理员可以签发部门令牌", "only an administrator may issue department tokens")
    if department not in DEPARTMENTS:
        raise InvalidInput("department", f"未知部门 {department}", f"unknown department {department}")
    try:
        code = canonical(jurisdiction)
        divisions().lookup_or_raise(code)
    except DivisionError as exc:
        raise InvalidInput("jurisdiction", exc.zh, exc.en) from None
    if not issuer.covers(code):
        raise Forbidden("不能为辖区外签发令牌", "you may not issue a token outside your jurisdiction")
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = now + dt.timedelta(days=days)
    conn.execute(
        ACCESS_TOKENS.insert().values(
            token_hash=_hash(token),
            kind="department",
            department=department,
            jurisdiction=code,
            issued_by=issuer.username,
            issued_at=now,
            expires_at=expires,
            revoked=False,
        )
    )
    audit.record(conn, issuer.username, "issue_department_token", "department", department, {"jurisdiction": code})
    return token, expires


def department_for(conn: Connection, token: str, *, now: dt.datetime | None = None) -> Department:
    now = now or utcnow()
    row = conn.execute(
        select(ACCESS_TOKENS.c.department, ACCESS_TOKENS.c.jurisdiction).where(
            ACCESS_TOKENS.c.token_hash == _hash(token),
            ACCESS_TOKENS.c.kind == "department",
            ACCESS_TOKENS.c.revoked.is_(False),
            ACCESS_TOKENS.c.expires_at > now,
        )
    ).first()
    if row is None:
        raise NotAuthenticated("部门令牌无效或已过期", "the department token is invalid or has expired")
    return Department(row.department, row.jurisdiction)
