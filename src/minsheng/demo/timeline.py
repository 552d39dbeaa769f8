"""The demo's calendar (演示时间线): everything the demo shows happened before its date.

The demo date is the day the demo is built (today): the monitoring run is dated that day, the
department feeds cover the twelve months before it, and the registry's declarations (the
synthetic county's status quo) are from the day before the feeds start. The desk's history
(`demo.history`) then falls inside those twelve months.

>>> import datetime as dt
>>> t = DemoTimeline.ending(dt.date(2026, 12, 3))
>>> t.reference_date, t.feeds_start, t.demo_date
(datetime.date(2025, 12, 3), datetime.date(2025, 12, 4), datetime.date(2026, 12, 3))
>>> DemoTimeline.ending(dt.date(2026, 2, 28)).feeds_start
datetime.date(2025, 3, 1)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MONTHS = 12  # the monitoring window, and the feeds the demo synthesises for it
# Alerts first raised this many days before the demo date are still being worked on; older
# ones were handled in the months before (assumption: a month's monitoring run plus the
# 限时核查 deadlines of casework.check_days_*, at most a few weeks).
OPEN_DAYS = 45


@dataclass(frozen=True, slots=True)
class DemoTimeline:
    demo_date: dt.date  # the monitoring run and "today" of the desk
    feeds_start: dt.date  # first day of the department feeds
    months: int = MONTHS

    @classmethod
    def ending(cls, demo_date: dt.date, months: int = MONTHS) -> DemoTimeline:
        """The window of `months` months that ends on `demo_date`."""
        return cls(demo_date, add_months(demo_date, -months) + dt.timedelta(days=1), months)

    @property
    def reference_date(self) -> dt.date:
        """The registry's status quo: the day before the feeds start."""
        return self.feeds_start - dt.timedelta(days=1)

    @property
    def settled_before(self) -> dt.date:
        """Alerts first raised before this day were dealt with in the demo's history."""
        return self.demo_date - dt.timedelta(days=OPEN_DAYS)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` months later (earlier if negative), clamped to the month's end.

    >>> add_months(dt.date(2026, 3, 31), -1)
    datetime.date(2026, 2, 28)
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    next_month = dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    last = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month + 1, min(day.day, last))
