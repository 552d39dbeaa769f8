"""Logging in (登录): the one use case behind the API's `POST /api/session` and the login page.

An attempt is first put to the throttle (`security.throttle`): a refused one is audited and
answered at once, without checking the password (argon2 costs a tenth of a second of processor
time, which a guesser must not be able to spend at will). A checked one opens a session or is
audited as failed. The audit log names the user name tried (or "-") and the client's address,
never the password.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from minsheng.security import audit, sessions
from minsheng.security.throttle import LoginThrottle, LoginThrottled
from minsheng.security.users import AuthError, Principal, authenticate


@dataclass(frozen=True)
class Session:
    principal: Principal
    token: str
    expires: dt.datetime


def log_in(
    engine: Engine, throttle: LoginThrottle, username: str, password: str, *, address: str, minutes: int
) -> Session:
    """Check the password and open a session of `minutes`; `AuthError` for a wrong user name or
    password, `LoginThrottled` (nothing checked) after too many failures."""
    actor = username[:64] or "-"  # the web's forms take at most 64 characters: the audit keeps no more
    try:
        attempt = throttle.admit(username, address)
    except LoginThrottled as refused:
        audit.record_now(
            engine, actor, "login_throttled", "user", actor, {"address": address, "retry_after": refused.retry_after}
        )
        raise
    try:
        with engine.begin() as conn:
            principal = authenticate(conn, username, password)
            token, expires = sessions.open_session(conn, principal, minutes, address=address)
    except AuthError:
        # in a transaction of its own: the failed check's transaction has rolled back
        audit.record_now(engine, actor, "login_failed", "user", actor, {"address": address})
        raise
    attempt.succeeded()
    return Session(principal, token, expires)
