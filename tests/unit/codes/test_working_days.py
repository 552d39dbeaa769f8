"""Working days with the State Council's holidays and 调休, and the documented fallback for
years the calendar package does not know."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.codes.working_days import add_working_days, is_known, is_working_day, known_years, working_days_between

D = dt.date


def test_holidays_and_adjusted_working_days_of_2026() -> None:
    assert not is_working_day(D(2026, 10, 1)) and not is_working_day(D(2026, 2, 17))  # 国庆, 春节
    assert is_working_day(D(2026, 2, 14)) and is_working_day(D(2026, 10, 10))  # Saturdays made working days
    # 国庆 1–7 October 2026: one working day after 30 September is 8 October, not 1 October
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    # from Friday 13 February: Saturday 14th works (调休), then 春节 15–23 February
    assert add_working_days(D(2026, 2, 13), 3) == D(2026, 2, 25)
    # an ordinary week: Friday + 3 working days is the Wednesday after
    assert add_working_days(D(2026, 6, 5), 3) == D(2026, 6, 10)
    assert add_working_days(D(2026, 6, 5), 0) == D(2026, 6, 5)
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert working_days_between(D(2026, 10, 8), D(2026, 9, 30)) == -1
    with pytest.raises(ValueError):
        add_working_days(D(2026, 6, 5), -1)


def test_beyond_the_known_years_weekdays_less_fixed_holidays() -> None:
    first, last = known_years()
    assert first <= 2026 <= last and is_known(D(2026, 12, 31))
    later = last + 1
    assert not is_known(D(later, 1, 4))
    # the fallback: 1 January, 1–2 May and 1–3 October are holidays, other weekdays work
    assert not is_working_day(D(later, 1, 1)) and not is_working_day(D(later, 10, 3))
    monday = next(D(later, 3, d) for d in range(1, 8) if D(later, 3, d).weekday() == 0)
    assert is_working_day(monday) and not is_working_day(monday - dt.timedelta(days=1))
    # a deadline crossing the year's end is still given (never refused)
    assert add_working_days(D(last, 12, 31), 1) > D(last, 12, 31)
