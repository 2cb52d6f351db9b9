"""Building calendar dates from separate year / month / day columns, refusing impossible ones.

Many datasets store a date as three integer columns (ATOP ``begyr``/``begmo``/``begday``, DCAD
``signYear``/``signMonth``/``signDay``, MME ``s.year``/``s.month``/``s.day``). :func:`date_from_parts`
returns the date where all three parts are known and a null where a part is unknown (the parts are kept
as columns, so precision is never lost). A month 13 or a 31 April is not unknown but wrong: it raises
:class:`~detente.sources.errors.SourceDataError` naming the line and column.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from detente.sources.rawtable import RawTable

_FIX = "Correct the date in the file or obtain an intact copy of the published file."


def date_from_parts(
    table: RawTable,
    frame: pl.DataFrame,
    parts: tuple[str, str, str],
    sources: tuple[str, str, str],
    name: str,
) -> pl.Series:
    """A ``pl.Date`` series ``name`` from the integer columns ``parts`` (year, month, day) of ``frame``.

    Args:
        table: the raw table ``frame`` was typed from (row-aligned), for error locations.
        frame: the typed table.
        parts: output names of the year, month and day columns in ``frame``.
        sources: the raw header names of the same columns, for error messages.
        name: the output column name.

    Raises:
        SourceDataError: a row has all three parts but they do not form a calendar date.
    """
    years = frame.get_column(parts[0]).to_list()
    months = frame.get_column(parts[1]).to_list()
    days = frame.get_column(parts[2]).to_list()
    out: list[dt.date | None] = []
    for index, (year, month, day) in enumerate(zip(years, months, days, strict=True)):
        if year is None or month is None or day is None:
            out.append(None)
            continue
        if not 1 <= month <= 12:
            raise table.fail(index, sources[1], f"month {month} is impossible (year {year}).", _FIX)
        try:
            out.append(dt.date(year, month, day))
        except ValueError:
            raise table.fail(index, sources[2], f"day {day} is impossible in {year}-{month:02d}.", _FIX) from None
    return pl.Series(name, out, dtype=pl.Date)
