"""Logging in (security.login) on SQLite and PostgreSQL: failed logins are throttled per user
name and per address, a refused attempt is answered without checking the password, and every
failure and refusal is in the audit log (the user name tried and the address; never the
password). The demo's random passwords pass the password rule."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

import minsheng.security.users as users
from minsheng.demo.desk import seed_desk
from minsheng.security.login import log_in
from minsheng.security.tables import AUDIT_LOG
from minsheng.security.throttle import LoginThrottle, LoginThrottled
from minsheng.security.users import AuthError, authenticate, check_password, create_user

PASSWORD = "correct horse battery staple"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class CountingHasher:
    """The real argon2 hasher, counting its calls: a refused attempt must make none."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls: list[str] = []

    def hash(self, password: str) -> str:
        self.calls.append("hash")
        return str(self.real.hash(password))

    def verify(self, stored: str, password: str) -> bool:
        self.calls.append("verify")
        return bool(self.real.verify(stored, password))

    def check_needs_rehash(self, stored: str) -> bool:
        return bool(self.real.check_needs_rehash(stored))


@pytest.fixture
def hasher(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    with engine.begin() as conn:
        create_user(conn, "wang", "王敏", "county_reviewer", "110105", PASSWORD)
    counting = CountingHasher(users._hasher)
    monkeypatch.setattr(users, "_hasher", counting)
    return counting


def audited(engine: Engine) -> list[tuple[str, str, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(select(AUDIT_LOG.c.actor, AUDIT_LOG.c.action, AUDIT_LOG.c.detail).order_by(AUDIT_LOG.c.id))
        return [(actor, action, json.loads(detail)) for actor, action, detail in rows]


def test_a_user_name_is_throttled_without_a_password_check_and_every_failure_is_audited(
    engine: Engine, hasher: CountingHasher
) -> None:
    clock = Clock()
    throttle = LoginThrottle(per_user=3, per_address=100, window=900, clock=clock)
    for i in range(3):
        with pytest.raises(AuthError):
            log_in(engine, throttle, "wang", f"guess number {i}", address=f"10.0.0.{i}", minutes=30)
    hasher.calls.clear()
    with pytest.raises(LoginThrottled) as refused:  # even the right password, from a new address
        log_in(engine, throttle, "wang", PASSWORD, address="10.0.0.9", minutes=30)
    assert hasher.calls == []  # no argon2 for a refused attempt
    assert refused.value.retry_after == 900 and refused.value.zh and refused.value.en
    clock.now = 901
    session = log_in(engine, throttle, "wang", PASSWORD, address="10.0.0.9", minutes=30)
    assert session.principal.username == "wang" and session.expires > dt.datetime(2020, 1, 1)
    entries = audited(engine)
    assert [(a, act, d.get("address")) for a, act, d in entries] == [
        ("wang", "login_failed", "10.0.0.0"),
        ("wang", "login_failed", "10.0.0.1"),
        ("wang", "login_failed", "10.0.0.2"),
        ("wang", "login_throttled", "10.0.0.9"),
        ("wang", "login", "10.0.0.9"),
    ]
    assert entries[3][2]["retry_after"] == 900
    logged = json.dumps(entries, ensure_ascii=False)
    assert "guess number" not in logged and PASSWORD not in logged  # never a password


def test_an_address_trying_many_user_names_is_throttled(engine: Engine, hasher: CountingHasher) -> None:
    throttle = LoginThrottle(per_user=5, per_address=3, window=900, clock=Clock())
    for name in ("admin", "root", ""):
        with pytest.raises(AuthError):
            log_in(engine, throttle, name, PASSWORD, address="192.0.2.7", minutes=30)
    with pytest.raises(LoginThrottled):
        log_in(engine, throttle, "wang", PASSWORD, address="192.0.2.7", minutes=30)
    log_in(engine, throttle, "wang", PASSWORD, address="192.0.2.8", minutes=30)  # another address may
    actors = [(actor, action) for actor, action, _ in audited(engine)]
    assert actors == [
        ("admin", "login_failed"),
        ("root", "login_failed"),
        ("-", "login_failed"),  # an empty user name is audited as "-"
        ("wang", "login_throttled"),
        ("wang", "login"),
    ]


def test_the_demo_users_get_passwords_the_rule_accepts(engine: Engine, tmp_path: Path) -> None:
    made, _orders = seed_desk(engine, "110105", tmp_path, today=dt.date(2026, 6, 30))
    assert {u.username for u in made} >= {"reviewer", "admin"}
    with engine.connect() as conn:
        for user in made:
            check_password(user.password)
            assert authenticate(conn, user.username, user.password).role == user.role
