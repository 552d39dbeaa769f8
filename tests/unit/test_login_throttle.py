"""The throttle of failed logins (security.throttle) and the password rule (security.users):
pure, with a clock the test moves."""

from __future__ import annotations

import pytest

from minsheng.errors import MinshengError
from minsheng.security.throttle import LoginThrottle, LoginThrottled
from minsheng.security.users import check_password, generate_password


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail(throttle: LoginThrottle, user: str, address: str, times: int) -> None:
    for _ in range(times):
        throttle.admit(user, address)  # never `succeeded`: a failure


def test_a_user_name_is_refused_after_its_failures_until_the_window_passes() -> None:
    clock = Clock()
    throttle = LoginThrottle(per_user=3, per_address=100, window=60, clock=clock)
    fail(throttle, "wang", "10.0.0.1", 2)
    clock.now += 30
    fail(throttle, "wang", "10.0.0.2", 1)  # from another address: still the same user name
    with pytest.raises(LoginThrottled) as refused:
        throttle.admit("wang", "10.0.0.3")
    assert refused.value.retry_after == 30  # when the first failure leaves the window
    assert "30秒" in refused.value.zh and "30 seconds" in refused.value.en
    throttle.admit("li", "10.0.0.3")  # another user name is not held up
    clock.now += 31
    throttle.admit("wang", "10.0.0.3")  # one failure left the window: one more try


def test_an_address_is_refused_after_failures_across_user_names() -> None:
    throttle = LoginThrottle(per_user=3, per_address=5, window=60, clock=Clock())
    for name in ("a", "b", "c", "d", "e"):
        throttle.admit(name, "10.0.0.1")
    with pytest.raises(LoginThrottled):
        throttle.admit("wang", "10.0.0.1")
    throttle.admit("wang", "10.0.0.2")


def test_concurrent_attempts_count_before_they_fail() -> None:
    """Attempts let through but not yet settled already count: a burst of parallel guesses
    cannot all slip past the limit before the first of them fails."""
    throttle = LoginThrottle(per_user=2, per_address=100, window=60, clock=Clock())
    throttle.admit("wang", "10.0.0.1")
    throttle.admit("wang", "10.0.0.2")
    with pytest.raises(LoginThrottled):
        throttle.admit("wang", "10.0.0.3")


def test_a_success_clears_the_user_names_failures_but_not_the_addresss() -> None:
    throttle = LoginThrottle(per_user=2, per_address=3, window=60, clock=Clock())
    throttle.admit("wang", "10.0.0.1")  # a typo
    throttle.admit("wang", "10.0.0.1").succeeded()
    fail(throttle, "wang", "10.0.0.2", 1)  # the user's count starts afresh: one failure, not two
    throttle.admit("wang", "10.0.0.2").succeeded()
    fail(throttle, "mine", "10.0.0.1", 1)
    fail(throttle, "other", "10.0.0.1", 1)  # the address: the typo and these two
    with pytest.raises(LoginThrottled):
        throttle.admit("third", "10.0.0.1")


def test_stale_keys_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    import minsheng.security.throttle as module

    monkeypatch.setattr(module, "SWEEP_AT", 10)
    clock = Clock()
    throttle = LoginThrottle(per_user=3, per_address=3, window=60, clock=clock)
    for i in range(5):
        throttle.admit(f"user{i}", f"10.0.0.{i}")
    clock.now += 61
    for i in range(5, 11):
        throttle.admit(f"user{i}", f"10.0.0.{i}")
    assert len(throttle._tries) <= 12  # the first five pairs are gone


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (" " * 12, "at least 12 characters"),
        ("   short pw   ", "at least 12 characters"),  # blanks around it do not count
        ("a" * 12, "two kinds"),
        ("abcdefghijklmnop", "two kinds"),
        ("123456789012", "two kinds"),
        ("!!!!!!!!!!!!", "two kinds"),
    ],
)
def test_weak_passwords_are_refused_in_both_languages(password: str, message: str) -> None:
    with pytest.raises(MinshengError, match=message) as refused:
        check_password(password)
    assert "密码" in refused.value.zh


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "a long enough password", "Tr0ub4dorAnd3", "密码是十二个字符加上123"]
)
def test_reasonable_passwords_pass(password: str) -> None:
    check_password(password)


def test_generated_passwords_always_pass_the_rule() -> None:
    """The demo's passwords: 2000 draws of a plain token_urlsafe(12) would include dozens that
    are all letters (about 1 in 28)."""
    drawn = {generate_password() for _ in range(2000)}
    assert len(drawn) == 2000
    for password in drawn:
        check_password(password)
