"""What the feed stages hand to each other: the window, record drafts and
changes of the truth.

A `Draft` is a batch of records of one feed kind about registry persons,
before the envelope (ID number, name, …) and record ids are attached. A
`Change` is a batch of events of one kind that change a household's true
circumstances; `feeds_truth` accumulates them into the ground truth.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from minsheng.synth.feeds_roster import DayArray, Roster
from minsheng.synth.sampling import BoolArray, FloatArray, IntArray

Arrays = Mapping[str, npt.NDArray[Any]]  # named columns of equal length

# Household quantities an event may change, as deltas (`non_residential` is set, not added).
DELTAS = (
    "income_fen",  # true monthly income, fen
    "size",
    "vehicles",
    "vehicle_value",
    "properties",
    "housing_area",
    "non_residential",
    "financial",
    "business_capital",
    "rigid",  # rigid expenses, yuan / 12 months
)


@dataclass(frozen=True, slots=True)
class Window:
    """The months the feeds cover, [start, end): `end` is the same day of the month
    `months` later (a day the month lacks runs into the next month)."""

    start: np.datetime64  # day precision
    end: np.datetime64  # exclusive
    years: float  # length in years, scales annual hazards
    first_day: DayArray  # per person: the later of the start and the birth date
    last_day: DayArray  # per person: the day before the end, or the death date once known

    @staticmethod
    def of(start: dt.date, months: int, birth: DayArray) -> Window:
        s = np.datetime64(start, "D")
        end = (np.datetime64(start, "M") + months).astype("datetime64[D]") + (start.day - 1)
        first = np.maximum(birth, s)
        last = np.full(len(birth), end - 1, dtype="datetime64[D]")
        return Window(s, end, months / 12, first, last)

    def days(self, rng: np.random.Generator, lo: DayArray, hi: DayArray) -> DayArray:
        """A uniform day in [lo, hi] for each pair (hi ≥ lo assumed)."""
        span = (hi - lo).astype(np.int64) + 1
        offset = np.floor(rng.random(len(span)) * span).astype(np.int64)
        return lo + offset.astype("timedelta64[D]")

    def annual(self, rate: FloatArray | float, scale: float = 1.0) -> FloatArray:
        """Probability that an event with a yearly hazard `rate` happens inside the window."""
        result: FloatArray = 1.0 - np.exp(-np.asarray(rate, dtype=np.float64) * self.years * scale)
        return result


@dataclass(frozen=True, slots=True)
class Draft:
    """Records of one feed kind; `event` is the global event number (−1: routine)."""

    kind: str
    person: IntArray
    date: DayArray
    columns: Arrays
    event: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def events(self) -> IntArray:
        return self.event if len(self.event) == len(self.person) else np.full(len(self.person), -1, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Change:
    """Events of one kind: who, when, whether any department recorded it, and deltas."""

    event: str
    person: IntArray
    date: DayArray
    recorded: BoolArray
    deltas: Arrays
    number: IntArray  # global event numbers, shared with the drafts that record them

    def delta(self, name: str) -> npt.NDArray[Any]:
        return self.deltas.get(name, np.zeros(len(self.person)))


class Numbering:
    """Hands out global event numbers, in the order the stages ask."""

    def __init__(self) -> None:
        self.next = 0

    def take(self, n: int) -> IntArray:
        out = np.arange(self.next, self.next + n, dtype=np.int64)
        self.next += n
        return out


def money(x: npt.ArrayLike) -> FloatArray:
    """Yuan with two decimals."""
    result: FloatArray = np.round(np.asarray(x, dtype=np.float64), 2).astype(np.float64)
    return result


class Ledger:
    """Collects the events of all stages and keeps three invariants:

    - a person has at most one event in the window (`free`), so each event's
      effect is computed from the person's circumstances at the window start;
    - no record about a person is dated after the person's death (`window.last_day`);
    - routine records describe the state before any event: they are dated no
      later than the day before the person's (`person_until`) or the household's
      (`household_until`) first event.
    """

    def __init__(self, roster: Roster, window: Window, rng: np.random.Generator, scale: float) -> None:
        self.r = roster
        self.w = window
        self.rng = rng
        self.scale = scale
        self.free = np.ones(roster.persons, dtype=bool)
        self.person_until = window.last_day.copy()
        self.household_until = np.full(roster.households, window.end - 1, dtype="datetime64[D]")
        self.changes: list[Change] = []
        self.drafts: list[Draft] = []
        self._numbers = Numbering()

    def draw(self, pool: BoolArray, yearly: FloatArray | float) -> IntArray:
        """Persons of `pool` still free to whom an event with this yearly hazard happens."""
        p = np.where(pool & self.free, self.w.annual(yearly, self.scale), 0.0)
        return np.flatnonzero(self.rng.random(self.r.persons) < p)

    def draw_share(self, pool: BoolArray, share: float) -> IntArray:
        """Persons of `pool` still free, each with probability `share` (scaled like the hazards)."""
        p = np.where(pool & self.free, min(1.0, share * self.scale), 0.0)
        return np.flatnonzero(self.rng.random(self.r.persons) < p)

    def draw_households(self, pool: BoolArray, yearly: FloatArray | float) -> IntArray:
        """Households of `pool` to which an event with this yearly hazard happens; returns heads."""
        p = np.where(pool, self.w.annual(yearly, self.scale), 0.0)
        return self.r.head[np.flatnonzero(self.rng.random(self.r.households) < p)]

    def dates(self, person: IntArray) -> DayArray:
        return self.w.days(self.rng, self.w.first_day[person], self.w.last_day[person])

    def add(
        self,
        event: str,
        person: IntArray,
        date: DayArray,
        deltas: Arrays,
        recorded: BoolArray | None = None,
        *,
        household_event: bool = False,
    ) -> IntArray:
        """Register events; returns their global numbers for the drafts that record them."""
        number = self._numbers.take(len(person))
        seen = np.ones(len(person), dtype=bool) if recorded is None else recorded
        self.changes.append(Change(event, person, date, seen, deltas, number))
        day_before = date - np.timedelta64(1, "D")
        hh = self.r.hh[person]
        np.minimum.at(self.household_until, hh, day_before)
        if not household_event:
            self.free[person] = False
            np.minimum.at(self.person_until, person, day_before)
        return number

    def record(self, draft: Draft) -> None:
        self.drafts.append(draft)
