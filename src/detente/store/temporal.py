"""The one "in force at T" / "as of T" predicate for SQL queries.

Every query that asks what held at a time goes through :func:`in_force`, so that year, month and day
precision, open ends and unknown starts mean the same thing everywhere. It is the SQL twin of
:meth:`detente.domain.dates.Interval.in_force` and a test holds the two equal.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, or_

from detente.domain.dates import Match, PartialDate

__all__ = ["in_force"]


def in_force(
    model: Any,
    when: PartialDate | date | str | int | BindParameter[date] | tuple[Any, Any],
    match: Match = "any",
) -> ColumnElement[bool]:
    """A WHERE clause: rows of ``model`` (a :class:`~detente.store.base.Temporal` table) in force at ``when``.

    ``when`` may be a day, a month or a year. With ``match="any"`` a row counts if it is in force on at least
    one day of that period; with ``match="all"`` it must hold on every day of it. ``when`` may also be a bound
    parameter (``bindparam("when", type_=Date)``): a day given when the statement runs, so that a statement
    built once serves every date, or a pair ``(first, last)`` of the period's first and last days (values or
    bound parameters): a period given when the statement runs.

    >>> from sqlalchemy import select
    >>> from detente.store.models import AgreementParty
    >>> query = select(AgreementParty).where(in_force(AgreementParty, "1990"))
    """
    first: date | BindParameter[date]
    last: date | BindParameter[date]
    if isinstance(when, BindParameter):
        first = last = when  # a day: its first and last day are the same
    elif isinstance(when, tuple):
        first, last = when
    else:
        period = PartialDate.of(when)
        first, last = period.first_day(), period.last_day()
    if match == "any":
        starts, ends = last, first
    else:
        starts, ends = first, last
    return and_(
        or_(model.valid_from.is_(None), model.valid_from <= starts),
        or_(model.valid_to.is_(None), model.valid_to >= ends),
    )
