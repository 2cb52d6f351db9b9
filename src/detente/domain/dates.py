"""Dates with a precision, and intervals built from them.

Defence relations are rarely known to the day. An alliance "entered into force in 1949", a posting
"began in March 2019", an exercise "ran from 4 to 18 June 2008". detente keeps each bound of an interval
as a :class:`PartialDate` (a year, a month or a day) and turns it into a plain inclusive day range
for querying:

* the *start* of an interval is the first day the bound could mean (``1949`` -> 1949-01-01);
* the *end* of an interval is the last day the bound could mean (``1995-06`` -> 1995-06-30).

A missing start means "since before anything we know"; a missing end means "still in force" (open).
Both normalised days and the original precisions are stored, so that a query is a simple comparison
of dates in SQL and the user still sees "1949", not "1949-01-01".

"As of T" questions use :meth:`Interval.in_force` with the same rules everywhere; the SQL twin of that
helper lives in :mod:`detente.store.temporal`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

__all__ = ["DateRangeError", "Interval", "Match", "PartialDate", "Precision"]


class Precision(StrEnum):
    """How precisely a date is known."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"


Match = Literal["any", "all"]
"""How an interval must meet a period: overlap it anywhere (``any``) or cover all of it (``all``)."""

_PARTIAL = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?$")


class DateRangeError(ValueError):
    """A date or interval that cannot exist (month 13, end before start, ...)."""


@dataclass(frozen=True, slots=True, order=True)
class PartialDate:
    """A calendar date known to a year, a month or a day.

    >>> PartialDate.parse("1949").first_day(), PartialDate.parse("1949").last_day()
    (datetime.date(1949, 1, 1), datetime.date(1949, 12, 31))
    >>> PartialDate.parse("2024-02").last_day()
    datetime.date(2024, 2, 29)
    """

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise DateRangeError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise DateRangeError(f"month {self.month} is not between 1 and 12")
        if not 1 <= self.year <= 9999:
            raise DateRangeError(f"year {self.year} is out of range")
        if self.day is not None and self.month is not None:
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise DateRangeError(f"{self.year:04d}-{self.month:02d} has no day {self.day}")

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; raise :class:`DateRangeError` otherwise."""
        found = _PARTIAL.match(text.strip())
        if found is None:
            raise DateRangeError(f"{text!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
        month, day = found["m"], found["d"]
        return cls(int(found["y"]), int(month) if month else None, int(day) if day else None)

    @classmethod
    def of(cls, value: PartialDate | date | str | int) -> PartialDate:
        """Accept a partial date, a day, a ``YYYY[-MM[-DD]]`` string or a bare year."""
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, date):
            return cls(value.year, value.month, value.day)
        if isinstance(value, int):
            return cls(value)
        return cls.parse(value)

    @classmethod
    def from_day(cls, day: date, precision: Precision) -> PartialDate:
        """Rebuild the partial date that a stored day and precision stand for."""
        if precision is Precision.YEAR:
            return cls(day.year)
        if precision is Precision.MONTH:
            return cls(day.year, day.month)
        return cls(day.year, day.month, day.day)

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        return Precision.MONTH if self.month is not None else Precision.YEAR

    def first_day(self) -> date:
        """The earliest day this partial date can mean."""
        return date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> date:
        """The latest day this partial date can mean."""
        month = self.month or 12
        return date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True, slots=True)
class Interval:
    """An inclusive day range with the precision each bound was known to.

    ``valid_from`` is ``None`` when the start is unknown (treated as "always was"); ``valid_to`` is
    ``None`` when the interval is still open.
    """

    valid_from: date | None
    valid_to: date | None
    from_precision: Precision = Precision.DAY
    to_precision: Precision = Precision.DAY

    def __post_init__(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise DateRangeError(f"interval ends ({self.valid_to}) before it starts ({self.valid_from})")

    @classmethod
    def between(
        cls,
        start: PartialDate | date | str | int | None,
        end: PartialDate | date | str | int | None = None,
    ) -> Interval:
        """Build an interval from two partial bounds; ``Interval.between("1949", None)`` is open-ended."""
        first = PartialDate.of(start) if start is not None else None
        last = PartialDate.of(end) if end is not None else None
        return cls(
            valid_from=first.first_day() if first else None,
            valid_to=last.last_day() if last else None,
            from_precision=first.precision if first else Precision.DAY,
            to_precision=last.precision if last else Precision.DAY,
        )

    @property
    def start(self) -> PartialDate | None:
        """The start bound as the user gave it."""
        return PartialDate.from_day(self.valid_from, self.from_precision) if self.valid_from else None

    @property
    def end(self) -> PartialDate | None:
        """The end bound as the user gave it (``None`` while open)."""
        return PartialDate.from_day(self.valid_to, self.to_precision) if self.valid_to else None

    def in_force(self, when: PartialDate | date | str | int, match: Match = "any") -> bool:
        """Is the interval in force at ``when``?

        ``when`` may itself be a year or a month: with ``match="any"`` (the default) the interval counts
        if it is in force on at least one day of that period, as peace scientists count alliance-years;
        with ``match="all"`` it must be in force on every day of the period.
        """
        period = PartialDate.of(when)
        first, last = period.first_day(), period.last_day()
        if match == "any":
            return (self.valid_from is None or self.valid_from <= last) and (
                self.valid_to is None or self.valid_to >= first
            )
        return (self.valid_from is None or self.valid_from <= first) and (
            self.valid_to is None or self.valid_to >= last
        )
