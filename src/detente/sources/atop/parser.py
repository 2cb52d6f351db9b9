"""ATOP 5.1 (Alliance Treaty Obligations and Provisions): alliances, phases, members, state-years.

Tables (every ATOP code column is kept under its codebook name, lower-case, typed as an integer):

``alliances`` (atop5_1a.csv, one row per alliance)
    ``atop_id``; ``begin_year``/``begin_month``/``begin_day`` and ``begin_date``; ``end_year``/
    ``end_month``/``end_day`` and ``end_date``, null when the alliance was still in force at the end
    of coverage (31 Dec 2018), which ``ongoing`` then flags (ATOP codes this as ``endyr = 0``);
    obligations ``defense``, ``offense``, ``neutral``, ``nonagg``, ``consul`` (1 = the obligation exists)
    and the other provision codes (``conditio``, ``milaid``, ``organ1`` ...), members ``mem1`` ...
``phases`` (atop5_1aph.csv): the same per ``atop_id_phase``.
``members`` (atop5_1m.csv, member x phase): ``member`` (COW ccode), ``entry_*``/``entry_date``,
    ``exit_*``/``exit_date`` (null with ``ongoing`` true when ATOP codes ``yrexit = 0``), the member's
    own obligations and their conditions.
``state_years`` (atop5_1sy.csv): ``state`` (COW ccode), ``year``, ``atopally`` ... ``atopid1`` ...
``institutions`` (atopinst5_1.csv): Leeds & Anac (2005) ``milinst`` and ``formal`` per phase.

Dates are built only when year, month and day are all known; a missing day leaves the date null while
the parts stay available. ATOP's blank cells are missing values.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.dates import date_from_parts
from detente.sources.rawtable import Col, Kind, RawTable

END_OF_COVERAGE = "2018-12-31"
"""ATOP 5.1 codes alliances and memberships still in force on this date with end year 0."""


def _dated(
    table: RawTable,
    ids: list[Col],
    start: tuple[str, str, str],
    end: tuple[str, str, str],
    names: tuple[str, str],
) -> pl.DataFrame:
    """Type ``table``: ``ids`` first, then start/end date parts renamed to ``<names>_year`` etc., the
    remaining columns as integers; add the two dates and the ``ongoing`` flag (end year 0)."""
    suffixes = ("year", "month", "day")
    parts = [
        Col(raw, f"{prefix}_{suffix}", Kind.INT)
        for prefix, raws in zip(names, (start, end), strict=True)
        for raw, suffix in zip(raws, suffixes, strict=True)
    ]
    frame = table.typed([*ids, *parts], rest=Kind.AUTO)
    end_names = [f"{names[1]}_{s}" for s in suffixes]
    ongoing = pl.col(end_names[0]) == 0
    frame = frame.with_columns(
        ongoing.alias("ongoing"),
        *[pl.when(ongoing).then(None).otherwise(pl.col(n)).alias(n) for n in end_names],
    )
    for prefix, raws in zip(names, (start, end), strict=True):
        cols = (f"{prefix}_year", f"{prefix}_month", f"{prefix}_day")
        frame = frame.with_columns(date_from_parts(table, frame, cols, raws, f"{prefix}_date"))
    return frame


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the five ATOP 5.1 CSV files (see the module docstring for the tables)."""
    atop_id = Col("atopid", "atop_id", Kind.INT)
    begin_end = (("begyr", "begmo", "begday"), ("endyr", "endmo", "endday"))
    alliances = _dated(read_csv(files["atop5_1a.csv"], "utf-8"), [atop_id], *begin_end, ("begin", "end"))
    phases = _dated(
        read_csv(files["atop5_1aph.csv"], "utf-8"),
        [atop_id, Col("atopidphase", "atop_id_phase")],
        *begin_end,
        ("begin", "end"),
    )
    members = _dated(
        read_csv(files["atop5_1m.csv"], "utf-8"),
        [atop_id, Col("member", kind=Kind.INT)],
        ("yrent", "moent", "dayent"),
        ("yrexit", "moexit", "dayexit"),
        ("entry", "exit"),
    )
    state_years = read_csv(files["atop5_1sy.csv"], "utf-8").typed(
        [Col("state", kind=Kind.INT), Col("year", kind=Kind.INT)], rest=Kind.AUTO
    )
    institutions = read_csv(files["atopinst5_1.csv"], "utf-8").typed(
        [atop_id, Col("atopidphase", "atop_id_phase"), Col("milinst", kind=Kind.INT)],
        rest=Kind.AUTO,
    )
    return {
        "alliances": alliances,
        "phases": phases,
        "members": members,
        "state_years": state_years,
        "institutions": institutions,
    }
