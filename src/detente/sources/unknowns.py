"""Unknown country codes and names stop a load; reviewed unmappable ones are loaded and reported.

Every connector maps the states it names through the country crosswalk. What the crosswalk cannot place
falls into one of two groups:

- **known unmappable**: a name listed under ``not_a_state`` or a code listed under ``unmappable_codes``
  in the reviewed ``crosswalk/aliases.yml``, each with a reason (NATO, "unknown recipient(s)", Western
  Sahara's ``ESH``). Such rows are loaded with a null state and reported with their row counts in the
  load report -- never dropped silently;
- **unknown**: anything else (a misspelt name, a new state, a code in a year no state bore it). The
  mapper raises a :class:`~detente.sources.errors.SourceDataError` naming the raw file, row and column of
  its first occurrence, and saying to add it to ``aliases.yml`` as an alias or as a known unmappable
  entry. The load's transaction rolls back, so the database is exactly as before.

Mappers call :func:`check_names` with what :meth:`Crosswalk.match_names` returned, and
:func:`check_codes` with a frame whose ``state_key`` column is null where a code found no state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from detente.sources.crosswalk.model import OPEN_END, System, code_text
from detente.sources.crosswalk.unmappable import aliases_path, load_unmappable_codes
from detente.sources.errors import SourceDataError
from detente.sources.locate import locate
from detente.sources.mapping import MapContext
from detente.sources.registry import get_source

__all__ = ["check_codes", "check_names", "unknown_error"]

_SYSTEM_NAMES = {"cow": "COW", "gw": "Gleditsch-Ward", "iso3": "ISO3", "iso2": "ISO2"}


def unknown_error(
    ctx: MapContext,
    *,
    source: str,
    table: str,
    value: object,
    label: str,
    count: int,
    columns: Sequence[str] | None,
    also: Mapping[str, object] | None = None,
    others: Sequence[str] = (),
) -> SourceDataError:
    """The error for an unknown ``value`` of ``source``'s ``table``, located in the raw files."""
    spec = get_source(source).spec
    place = locate(spec, ctx.raw_paths(source), value, columns=columns, also=also, table=table)
    context = "".join(f", {k} {v}" for k, v in (also or {}).items())
    more = f" Other unknown values: {', '.join(others[:10])}{' ...' if len(others) > 10 else ''}." if others else ""
    return SourceDataError(
        f"{source}/{place.file}",
        place.row,
        place.column,
        f"{label} {str(value)!r}{context} ({count} row{'s' if count != 1 else ''} of {source}.{table}) is neither in "
        f"the country crosswalk nor in the reviewed aliases or known unmappable entries.{more}",
        f"Check the value; if it is right, add it to {aliases_path()} as an alias or as a known unmappable "
        "entry (not_a_state for a name, unmappable_codes for a code, with a reason), then load again.",
    )


def check_names(
    ctx: MapContext,
    unknown: Mapping[str, int],
    *,
    source: str,
    table: str,
    columns: Sequence[str] | None,
    what: str,
) -> None:
    """Raise for the names in ``unknown`` (name -> rows: ``NameMatch.unmatched``), if any.

    ``columns`` are the raw header names the names come from (``None``: any column of the file).
    """
    if not unknown:
        return
    names = sorted(unknown)
    raise unknown_error(
        ctx,
        source=source,
        table=table,
        value=names[0],
        label=f"{what}: the name",
        count=unknown[names[0]],
        columns=columns,
        others=names[1:],
    )


def check_codes(
    ctx: MapContext,
    frame: pl.DataFrame,
    *,
    system: System,
    code_col: str,
    source: str,
    table: str,
    raw_column: str | Sequence[str] | None,
    what: str,
    year_col: str | None = None,
    raw_year_column: str | None = None,
    key_col: str = "state_key",
) -> pl.DataFrame:
    """Check the rows of ``frame`` whose code (``code_col``, not null) found no state (``key_col`` null).

    Codes listed in ``unmappable_codes`` (in the row's year, ``year_col``) are reported under ``what`` with
    their row counts; any other raises :func:`unknown_error` located by ``raw_column`` (and the year, in
    ``raw_year_column``). Returns the known-unmappable rows.
    """
    lost = frame.filter(pl.col(key_col).is_null() & pl.col(code_col).is_not_null())
    if lost.is_empty():
        return lost
    listed = load_unmappable_codes().filter(pl.col("system") == system)
    codes = lost.get_column(code_col).to_list()
    years = lost.get_column(year_col).to_list() if year_col else [None] * lost.height
    known: list[bool] = []
    for code, year in zip(codes, years, strict=True):
        text = code_text(system, code)
        spells = listed.filter(pl.col("code") == text)
        if year is not None:
            spells = spells.filter(
                (pl.col("first_year").fill_null(0) <= year) & (pl.col("last_year").fill_null(OPEN_END) >= year)
            )
        known.append(not spells.is_empty())
    flags = pl.Series("__known", known, dtype=pl.Boolean)
    lost = lost.with_columns(flags)
    reviewed = lost.filter(pl.col("__known")).drop("__known")
    if reviewed.height:
        counts = reviewed.group_by(pl.col(code_col).cast(pl.String)).len().iter_rows()
        ctx.report_unmatched(f"{what}: known unmappable codes (aliases.yml), kept with no state", dict(counts))
    unknown = lost.filter(~pl.col("__known"))
    if unknown.height:
        keys = [code_col] if year_col is None else [code_col, year_col]
        grouped = unknown.group_by(keys).len().sort(keys)
        first = grouped.row(0, named=True)
        labels = [" in ".join(str(v) for v in row[:-1]) for row in grouped.iter_rows()]
        also = {raw_year_column: first[year_col]} if raw_year_column and year_col else None
        columns = [raw_column] if isinstance(raw_column, str) else raw_column
        raise unknown_error(
            ctx,
            source=source,
            table=table,
            value=first[code_col],
            label=f"{what}: the {_SYSTEM_NAMES.get(system, system)} code",
            count=int(first["len"]),
            columns=columns,
            also=also,
            others=labels[1:],
        )
    return reviewed
