"""Users, roles and jurisdictions (用户、角色与辖区).

A user has one role and one jurisdiction (a division code). What a role may do:

| role                  | sees                                   | may                                   |
|-----------------------|----------------------------------------|---------------------------------------|
| village_caseworker    | persons in its village                 | record findings                       |
| township_caseworker   | persons in its township                | record findings, propose decisions    |
| county_reviewer       | persons in its county                  | approve decisions                     |
| city_analyst          | aggregates in its city only            | —                                     |
| province_analyst      | aggregates in its province only        | —                                     |
| administrator         | everything in its jurisdiction          | manage users                          |

Passwords are hashed with argon2id; the clear password never reaches the store.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select, update

from minsheng.codes.divisions import canonical, divisions
from minsheng.errors import DivisionError, MinshengError, NotAuthenticated
from minsheng.registry.models import USERS

ROLES: dict[str, tuple[str, str]] = {
    "village_caseworker": ("村级经办人员", "village caseworker"),
    "township_caseworker": ("乡镇（街道）经办人员", "township caseworker"),
    "county_reviewer": ("区县审核人员", "county reviewer"),
    "city_analyst": ("市级分析人员", "city analyst"),
    "province_analyst": ("省级分析人员", "province analyst"),
    "administrator": ("系统管理员", "administrator"),
}
AGGREGATES_ONLY = frozenset({"city_analyst", "province_analyst"})
MIN_PASSWORD = 12
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class AuthError(NotAuthenticated):
    """Login refused; the message never says whether the user or the password was wrong."""


@dataclass(frozen=True)
class Principal:
    """Who is acting: the store filters every query by `jurisdiction` (a division-code prefix)."""

    username: str
    role: str
    jurisdiction: str

    @property
    def sees_persons(self) -> bool:
        return self.role not in AGGREGATES_ONLY

    def covers(self, division: str) -> bool:
        return division.startswith(self.jurisdiction)


def create_user(
    conn: Connection, username: str, display_name: str, role: str, jurisdiction: str, password: str
) -> Principal:
    if role not in ROLES:
        raise MinshengError(f"未知角色 {role}", f"unknown role {role}; use one of {', '.join(ROLES)}")
    try:
        code = canonical(jurisdiction)
        divisions().lookup_or_raise(code)
    except DivisionError as exc:
        raise MinshengError(f"辖区无效：{exc.zh}", f"invalid jurisdiction: {exc.en}") from None
    if len(password) < MIN_PASSWORD:
        raise MinshengError(f"密码至少{MIN_PASSWORD}个字符", f"the password needs at least {MIN_PASSWORD} characters")
    if conn.execute(select(USERS.c.username).where(USERS.c.username == username)).first():
        raise MinshengError(f"用户 {username} 已存在", f"user {username} already exists")
    conn.execute(
        USERS.insert().values(
            username=username,
            display_name=display_name,
            role=role,
            jurisdiction=code,
            password_hash=_hasher.hash(password),
            active=True,
        )
    )
    return Principal(username, role, code)


def authenticate(conn: Connection, username: str, password: str) -> Principal:
    row = conn.execute(select(USERS).where(USERS.c.username == username)).first()
    refused = AuthError("用户名或密码错误", "wrong user name or password")
    if row is None or not row.active:
        _hasher.hash(password)  # spend the same time as a real check: no user enumeration by timing
        raise refused
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise refused from None
    if _hasher.check_needs_rehash(row.password_hash):
        conn.execute(update(USERS).where(USERS.c.username == username).values(password_hash=_hasher.hash(password)))
    return Principal(row.username, row.role, row.jurisdiction)
