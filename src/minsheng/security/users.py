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

Passwords are hashed with argon2id; the clear password never reaches the store. A password
has at least 12 characters besides leading and trailing blanks, of at least two kinds
(letters, digits, others): "12 spaces" or "aaaaaaaaaaaa" is refused, a passphrase such as
"correct horse battery staple" is not.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select, update

from minsheng.codes.divisions import canonical, divisions
from minsheng.errors import DivisionError, MinshengError, NotAuthenticated
from minsheng.security.tables import USERS

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
    check_password(password)
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


def check_password(password: str) -> None:
    """Refuse a password that is easy to guess: too short once the blanks around it are
    dropped, or all of one kind of character."""
    core = password.strip()
    if len(core) < MIN_PASSWORD:
        raise MinshengError(
            f"密码至少{MIN_PASSWORD}个字符（不计首尾空白）",
            f"the password needs at least {MIN_PASSWORD} characters (not counting blanks around it)",
        )
    kinds = (
        any(c.isalpha() for c in core),
        any(c.isdigit() for c in core),
        any(not c.isalnum() for c in core),  # punctuation, symbols and blanks inside a passphrase
    )
    if sum(kinds) < 2:
        raise MinshengError(
            "密码须包含字母、数字、其他符号中的至少两类",
            "the password needs at least two kinds of character: letters, digits, others",
        )


def generate_password() -> str:
    """A random password that `check_password` accepts (for the demo's users): 96 bits from
    the operating system's CSPRNG, drawn again in the rare case it is all letters."""
    while True:
        candidate = secrets.token_urlsafe(12)
        try:
            check_password(candidate)
        except MinshengError:
            continue
        return candidate


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
