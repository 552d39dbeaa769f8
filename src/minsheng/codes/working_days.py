"""Working days (工作日) of the national calendar, with the adjusted working days (调休).

A time limit in working days (限时核查: a work order is due N working days after it is
opened) skips weekends and statutory holidays and counts the weekend days the State
Council's yearly notice turns into working days (调休上班). Those days come from the
maintained `chinese-calendar` package, which carries each year's 国务院办公厅关于…部分
节假日安排的通知 once it is published (every November for the next year).

Beyond the years the package knows (it says which: `known_years()`), nothing is refused —
a work order opened on 28 December must still get a deadline — and the count falls back
to Monday to Friday less the statutory holidays that have fixed solar dates under
《全国年节及纪念日放假办法》 (2024 revision, in force 2025-01-01, Art. 2): 元旦 1 January,
劳动节 1–2 May, 国庆节 1–3 October. The lunar holidays (春节, 清明, 端午, 中秋) and the
调休 of such a year are not known then, so a fallback deadline may come out a few days
early around them; `is_known` tells a page to say so. Installing a newer `chinese-calendar`
makes later deadlines exact; stored deadlines are not recomputed.

    >>> add_working_days(dt.date(2026, 9, 30), 1)   # 国庆 1–7 October 2026, work on 10 October
    datetime.date(2026, 10, 8)
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import chinese_calendar

# 《全国年节及纪念日放假办法》 Art. 2 (2024 revision): the statutory holidays with fixed solar dates
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


@cache
def known_years() -> tuple[int, int]:
    """The first and last year whose holidays and 调休 the installed package carries."""
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return min(years), max(years)


def is_known(day: dt.date) -> bool:
    """Whether `day` falls in a year the calendar package knows (else: the documented fallback)."""
    first, last = known_years()
    return first <= day.year <= last


@cache
def is_working_day(day: dt.date) -> bool:
    if is_known(day):
        return bool(chinese_calendar.is_workday(day))
    # fallback (module docstring): Monday to Friday, less the fixed-date statutory holidays
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


@cache
def add_working_days(start: dt.date, days: int) -> dt.date:
    """The day `days` working days after `start` (`start` itself never counts: a limit of 3
    working days from a Friday ends on the Wednesday after). `days` ≥ 0; 0 gives `start`."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    while days:
        day += dt.timedelta(days=1)
        days -= is_working_day(day)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(is_working_day(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))
