"""Checking parsed tables against what ``source.yml`` declares.

After a parser has turned raw files into tables, every declared expectation is checked: the table
exists, has exactly the declared number of rows, has the required columns, and its year column spans
exactly the declared range. All failures are collected (as Pandera does) and reported together, each
naming the file the table came from, the column, and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from detente.sources.errors import SourceDataError
from detente.sources.spec import SourceSpec, TableExpectation

_FIX = (
    "The file differs from the declared version (re-download it and check its sha256), or the "
    "parser changed; if the publisher's data really changed, declare a new version in source.yml."
)


def problems(spec: SourceSpec, tables: Mapping[str, pl.DataFrame]) -> list[SourceDataError]:
    """Every way ``tables`` differs from the expectations in ``spec`` (empty when all hold)."""
    found: list[SourceDataError] = []
    origin = {f.table: f.path for f in spec.files if f.table}
    for expected in spec.expectations():
        where = f"{spec.name}/{origin.get(expected.table, 'source.yml')}"
        found.extend(_check_table(where, expected, tables.get(expected.table)))
    return found


def validate(spec: SourceSpec, tables: Mapping[str, pl.DataFrame]) -> None:
    """Raise the first :func:`problems` entry (its message counts the others)."""
    found = problems(spec, tables)
    if not found:
        return
    first = found[0]
    if len(found) > 1:
        others = "; ".join(str(e) for e in found[1:4])
        more = f" (and {len(found) - 1} more: {others}{' ...' if len(found) > 4 else ''})"
        raise SourceDataError(first.file, first.row, first.column, first.problem + more, first.fix)
    raise first


def _check_table(where: str, expected: TableExpectation, table: pl.DataFrame | None) -> list[SourceDataError]:
    if table is None:
        return [SourceDataError(where, None, None, f"the parser produced no table {expected.table!r}.", _FIX)]
    found: list[SourceDataError] = []
    for column in expected.columns:
        if column not in table.columns:
            found.append(SourceDataError(where, None, column, f"table {expected.table!r} lacks required column.", _FIX))
    if expected.rows is not None and table.height != expected.rows:
        found.append(
            SourceDataError(
                where,
                None,
                None,
                f"table {expected.table!r} has {table.height} rows; source.yml expects {expected.rows}.",
                _FIX,
            )
        )
    if expected.year_column is not None and expected.years is not None:
        found.extend(_check_years(where, expected, table))
    return found


def _check_years(where: str, expected: TableExpectation, table: pl.DataFrame) -> list[SourceDataError]:
    column = expected.year_column
    if column is None or expected.years is None:
        return []
    if column not in table.columns:
        return [SourceDataError(where, None, column, f"table {expected.table!r} lacks its year column.", _FIX)]
    values = table.get_column(column)
    if values.dtype == pl.Date or values.dtype == pl.Datetime:
        values = values.dt.year()
    values = values.drop_nulls()
    if values.len() == 0:
        return [SourceDataError(where, None, column, "has no years at all.", _FIX)]
    low, high = int(values.min()), int(values.max())  # type: ignore[arg-type]
    if (low, high) != tuple(expected.years):
        return [
            SourceDataError(
                where,
                None,
                column,
                f"years span {low}-{high}; source.yml expects {expected.years[0]}-{expected.years[1]}.",
                _FIX,
            )
        ]
    return []
