"""Users: argon2id passwords, roles, jurisdictions, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from minsheng.errors import MinshengError
from minsheng.security.tables import USERS
from minsheng.security.users import AuthError, authenticate, create_user

PASSWORD = "correct horse battery"


def test_a_user_logs_in_and_gets_role_and_jurisdiction(engine: Engine) -> None:
    with engine.begin() as conn:
        create_user(conn, "wang", "王敏", "township_caseworker", "110105001", PASSWORD)
    with engine.begin() as conn:
        who = authenticate(conn, "wang", PASSWORD)
        stored = conn.execute(select(USERS.c.password_hash)).scalar()
    assert (who.role, who.jurisdiction, who.sees_persons) == ("township_caseworker", "110105001", True)
    assert who.covers("110105001002") and not who.covers("110105002001")
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize("username, password", [("wang", "wrong password!"), ("nobody", PASSWORD)])
def test_a_wrong_password_or_user_gets_the_same_refusal(engine: Engine, username: str, password: str) -> None:
    with engine.begin() as conn:
        create_user(conn, "wang", "王敏", "county_reviewer", "110105", PASSWORD)
    with pytest.raises(AuthError) as info, engine.begin() as conn:
        authenticate(conn, username, password)
    assert info.value.en == "wrong user name or password"


def test_analysts_see_aggregates_only(engine: Engine) -> None:
    with engine.begin() as conn:
        who = create_user(conn, "li", "李", "city_analyst", "110100", PASSWORD)
    assert who.jurisdiction == "1101" and not who.sees_persons


@pytest.mark.parametrize(
    ("role", "jurisdiction", "password", "message"),
    [
        ("boss", "110105", PASSWORD, "unknown role"),
        ("county_reviewer", "999999", PASSWORD, "invalid jurisdiction"),
        ("county_reviewer", "110105", "short", "at least 12 characters"),
    ],
)
def test_bad_users_are_refused(engine: Engine, role: str, jurisdiction: str, password: str, message: str) -> None:
    with pytest.raises(MinshengError, match=message), engine.begin() as conn:
        create_user(conn, "x", "x", role, jurisdiction, password)
    with engine.connect() as conn:
        assert conn.execute(select(USERS)).first() is None


def test_a_username_is_taken_once(engine: Engine) -> None:
    with engine.begin() as conn:
        create_user(conn, "wang", "王敏", "county_reviewer", "110105", PASSWORD)
    with pytest.raises(MinshengError, match="already exists"), engine.begin() as conn:
        create_user(conn, "wang", "王敏", "county_reviewer", "110105", PASSWORD)
