"""Throttling of failed logins (登录失败限制), per user name and per client address.

A user name that failed `per_user` times within `window` seconds, or an address that failed
`per_address` times, is refused until the oldest of those failures is older than the window:
a guesser gets a handful of tries per window, and a refused try costs no password check at all,
so guessing cannot starve everyone else's requests of processor time. A user name's count is
cleared by a successful login; an address's is not (else a guesser with one account of their
own could reset it). The address limit is higher than the user's: an office's computers often
share one address.

Every attempt counts from the moment it is let through, and is taken back only when it
succeeds: a burst of concurrent guesses cannot slip past the limit before the first of them
has failed. The counts live in the server process's memory (several web workers each count
for themselves; a restart forgets them).

    >>> t = LoginThrottle(per_user=2, per_address=10, window=60, clock=lambda: 0.0)
    >>> first = t.admit("wang", "10.0.0.1")  # both fail: nobody calls `succeeded`
    >>> second = t.admit("wang", "10.0.0.1")
    >>> t.admit("wang", "10.0.0.2")
    Traceback (most recent call last):
    minsheng.security.throttle.LoginThrottled: 登录失败次数过多，请60秒后再试 / too many failed logins: try again in 60 seconds
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from minsheng.errors import AccessError

SWEEP_AT = 10_000  # keys held before the stale ones are swept away: a bound on memory under attack


class LoginThrottled(AccessError):
    """Too many failed logins for this user name or address (HTTP 429); `retry_after` in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"登录失败次数过多，请{retry_after}秒后再试",
            f"too many failed logins: try again in {retry_after} seconds",
        )
        self.retry_after = retry_after


class Attempt:
    """One login attempt let through; it stays counted as a failure unless it `succeeded()`."""

    def __init__(self, throttle: LoginThrottle, keys: tuple[str, str], at: float) -> None:
        self._throttle = throttle
        self._keys = keys
        self._at = at

    def succeeded(self) -> None:
        self._throttle._forgive(self._keys, self._at)


class LoginThrottle:
    def __init__(
        self, *, per_user: int, per_address: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = {"user": max(per_user, 1), "address": max(per_address, 1)}
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._tries: dict[str, deque[float]] = {}

    def admit(self, username: str, address: str) -> Attempt:
        """Let an attempt through, counted, or refuse it with `LoginThrottled`."""
        keys = (f"user:{username}", f"address:{address}")
        with self._lock:
            now = self._clock()
            waits = [self._wait(key, limit, now) for key, limit in zip(keys, self.limits.values(), strict=True)]
            if max(waits) > 0:
                raise LoginThrottled(max(1, math.ceil(max(waits))))
            for key in keys:
                self._tries.setdefault(key, deque()).append(now)
            if len(self._tries) > SWEEP_AT:
                self._sweep(now)
        return Attempt(self, keys, now)

    def _wait(self, key: str, limit: int, now: float) -> float:
        """Seconds until `key` may try again (0: now); drops its tries older than the window."""
        tries = self._tries.get(key)
        if tries is None:
            return 0.0
        while tries and tries[0] <= now - self.window:
            tries.popleft()
        if not tries:
            del self._tries[key]
            return 0.0
        return tries[-limit] + self.window - now if len(tries) >= limit else 0.0

    def _forgive(self, keys: tuple[str, str], at: float) -> None:
        user, address = keys
        with self._lock:
            self._tries.pop(user, None)  # the right password: the user's earlier failures no longer count
            tries = self._tries.get(address)
            if tries is not None and at in tries:
                tries.remove(at)  # only this attempt: the address keeps its failures
                if not tries:
                    del self._tries[address]

    def _sweep(self, now: float) -> None:
        for key in [k for k, tries in self._tries.items() if not tries or tries[-1] <= now - self.window]:
            del self._tries[key]
