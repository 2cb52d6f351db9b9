"""Partial dates (a year, a year and month, or a full date in three columns) as day intervals.

A date known to the month or the year is an interval of days: the first day it can mean is the start of
that month or year, the last day the end of it. :func:`first_day` and :func:`last_day` turn
year/month/day columns into those days, and :func:`precision` gives the precision (``day``, ``month`` or
``year``) the :class:`~detente.store.base.Temporal` columns need. ATOP, DCAD and other mappers use them.
"""

from __future__ import annotations

import polars as pl

__all__ = ["first_day", "last_day", "precision"]


def precision(year: str, month: str, day: str) -> pl.Expr:
    """``"day"``, ``"month"`` or ``"year"``: how much of a date the three part columns give (null: no year)."""
    return (
        pl.when(pl.col(year).is_null())
        .then(None)
        .when(pl.col(month).is_null())
        .then(pl.lit("year"))
        .when(pl.col(day).is_null())
        .then(pl.lit("month"))
        .otherwise(pl.lit("day"))
    )


def first_day(year: str, month: str, day: str) -> pl.Expr:
    """The first day a partial date can mean (1 January of a bare year, the 1st of a bare month)."""
    return pl.date(pl.col(year), pl.col(month).fill_null(1), pl.col(day).fill_null(1))


def last_day(year: str, month: str, day: str) -> pl.Expr:
    """The last day a partial date can mean (31 December of a bare year, the month's end for a bare month)."""
    return (
        pl.when(pl.col(month).is_null())
        .then(pl.date(pl.col(year), 12, 31))
        .when(pl.col(day).is_null())
        .then(pl.date(pl.col(year), pl.col(month), 1).dt.month_end())
        .otherwise(pl.date(pl.col(year), pl.col(month), pl.col(day)))
    )
