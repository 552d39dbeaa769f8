"""One time zone for people: every stored time is UTC, every time shown is Beijing time
(北京时间, UTC+8, no daylight saving), labelled as such where it is shown."""

from __future__ import annotations

import datetime as dt

BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")


def beijing_time(at: dt.datetime | str | None, *, seconds: bool = True) -> str:
    """A stored time (UTC, with or without its zone; or ISO text) as Beijing time."""
    if at is None or at == "":
        return ""
    when = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return when.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
