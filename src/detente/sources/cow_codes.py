"""COW country codes to crosswalk states, with the fallbacks that ATOP and DCAD need.

Both ATOP and DCAD name states by COW ccode, and both sometimes use a code in a year when COW does not list
that state as a member of the system: ATOP codes alliances from 1815 (COW starts in 1816), governments in
exile during the Second World War, and states that signed before their independence (the codebook's
``COWSYS = 0``); DCAD codes the Czech Republic (316) for agreements that Czechoslovakia signed in 1991-92.
:func:`map_cow` tries, in order:

1. ``year``: the code in the row's own year (the normal case);
2. ``later_year``: the code in a later year of the same record (e.g. the year a membership ended);
3. ``code``: the code alone, when it has only ever denoted one state;
4. ``gw``: a code the source documents as Gleditsch-Ward only (ATOP codes Annam, G-W 815, as 8152:
   its codebook explains, in the dyad-year section, that ATOPID 1320 binds France and Annam, a G-W
   state without a COW code);

and records which rule matched in a ``state_match`` column. Rows matched by rules 2-4 are reported
(they are mapped, but not by the code's own year). Rows no rule matches keep ``state_key`` null: the
mapper passes them to :func:`detente.sources.unknowns.check_codes`, which fails the load unless the code
is a reviewed unmappable entry of ``crosswalk/aliases.yml``. Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from detente.sources.crosswalk import Crosswalk

__all__ = ["map_cow", "unmatched_counts"]


def map_cow(
    crosswalk: Crosswalk,
    frame: pl.DataFrame,
    *,
    code_col: str,
    year_col: str,
    later_year_col: str | None = None,
    gw_only: Mapping[int, int] | None = None,
) -> pl.DataFrame:
    """``frame`` plus ``state_key`` and ``state_match`` (``year``, ``later_year``, ``code``, ``gw`` or null).

    See the module docstring for the order of the rules. ``gw_only`` maps a source's private code to
    the Gleditsch-Ward code it stands for.
    """
    work = crosswalk.map_codes(frame, system="cow", code_col=code_col, year_col=year_col, out="__by_year")
    if later_year_col is not None:
        work = crosswalk.map_codes(work, system="cow", code_col=code_col, year_col=later_year_col, out="__by_later")
    else:
        work = work.with_columns(pl.lit(None, dtype=pl.String).alias("__by_later"))
    work = crosswalk.map_codes(work, system="cow", code_col=code_col, out="__by_code")
    gw_pairs = dict(gw_only or {})
    work = work.with_columns(
        pl.col(code_col).replace_strict(gw_pairs, default=None, return_dtype=pl.Int64).alias("__gw_code")
    )
    work = crosswalk.map_codes(work, system="gw", code_col="__gw_code", year_col=year_col, out="__by_gw")
    rules = (("year", "__by_year"), ("later_year", "__by_later"), ("code", "__by_code"), ("gw", "__by_gw"))
    state = pl.coalesce([pl.col(column) for _, column in rules])
    match = pl.lit(None, dtype=pl.String)
    for name, column in reversed(rules):
        match = pl.when(pl.col(column).is_not_null()).then(pl.lit(name)).otherwise(match)
    return work.with_columns(state.alias("state_key"), match.alias("state_match")).drop(
        "__by_year", "__by_later", "__by_code", "__gw_code", "__by_gw"
    )


def unmatched_counts(frame: pl.DataFrame, code_col: str, year_col: str) -> tuple[dict[str, int], dict[str, int]]:
    """``(not mapped, mapped only by a fallback rule)``: ``"<code> in <year>"`` -> rows, from :func:`map_cow`."""

    def count(rows: pl.DataFrame) -> dict[str, int]:
        grouped = rows.group_by(code_col, year_col).len().sort(code_col, year_col)
        return {f"{code} in {year}": int(n) for code, year, n in grouped.iter_rows()}

    missing = count(frame.filter(pl.col("state_key").is_null()))
    fallback = frame.filter(pl.col("state_match").is_not_null() & (pl.col("state_match") != "year"))
    return missing, count(fallback)
