"""Panel builders: every state in the state system each year, and every pair of them.

Membership comes from isard's system spells (``cw_system`` for COW, ``gw_system`` for Gleditsch-Ward):
one row per spell with a start and an end date; a state with interruptions (Cuba, the Baltic states) has
several spells. The rules, the same as peacesciencer's:

* a state is in the system in a year when ``start year <= year <= end year`` for one of its spells;
* a dyad-year is an ordered pair (a, b), a != b, of states that are both in the system that year, except
  the pairs listed in peacesciencer's ``false_cow_dyads`` / ``false_gw_dyads``: pairs that share a calendar
  year without ever being members on the same day (one left in March, the other joined in June);
* a non-directed panel keeps only a < b; a directed one keeps both (a, b) and (b, a), so it has exactly
  twice the rows.

Dyad-years are built here from the spells, in memory (a self-join of state-years on the year), rather than
read from the stored 2.2-million-row ``cow_ddy`` table: the result is identical and ten times cheaper.

Years. The system data end in a given year (COW 2016, G-W 2020). ``years=None`` gives the data's own span.
``years=(start, end)`` keeps that window; if ``end`` lies after the data's last year, the spells that run to
the end of the data are extended to ``end`` (peacesciencer's ``mry=TRUE``, but pinned: the result never
depends on today's date). Pass ``extend=False`` to stop at the data's last year instead. Only
``years=(start, "last year")`` reads the clock, and only because you asked it to.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import polars as pl

from detente.panels.cache import read_table
from detente.panels.citations import DATASETS, source_citation
from detente.panels.panel import Panel, System
from detente.store.database import Store

__all__ = ["LAST_YEAR", "Years", "create_dyad_years", "create_state_years", "resolve_years"]

LAST_YEAR: Literal["last year"] = "last year"
"""Pass ``years=(start, LAST_YEAR)`` to end a panel in the calendar year before today (reads the clock)."""

Years = tuple[int, int] | tuple[int, Literal["last year"]]

_SYSTEM_TABLE = {"cow": "cw_system", "gw": "gw_system"}
_NAME = {"cow": "cw_name", "gw": "gw_name"}
_FALSE_DYADS = {"cow": "false_cow_dyads", "gw": "false_gw_dyads"}


def _check_system(system: str) -> System:
    if system not in _SYSTEM_TABLE:
        raise ValueError(f"system must be 'cow' (Correlates of War) or 'gw' (Gleditsch-Ward), not {system!r}")
    return "cow" if system == "cow" else "gw"


def resolve_years(years: Years | None, first: int, last: int) -> tuple[int, int]:
    """The (start, end) window a request means, given the data's own first and last years."""
    if years is None:
        return first, last
    start, end = years
    if end == LAST_YEAR:
        end = date.today().year - 1
    if not isinstance(end, int) or not isinstance(start, int) or start > end:
        raise ValueError(f"years must be (start, end) with start <= end, or (start, {LAST_YEAR!r}); got {years!r}")
    return start, end


def _spells(store: Store, system: System) -> pl.DataFrame:
    """System spells with integer start/end years, in the stored order."""
    spells = read_table(store, "isard", _SYSTEM_TABLE[system])
    return spells.with_columns(
        pl.col("start").dt.year().cast(pl.Int64).alias("_first"),
        pl.col("end").dt.year().cast(pl.Int64).alias("_last"),
    )


def _intervals(spells: pl.DataFrame, system: System, window: tuple[int, int], extend: bool) -> pl.DataFrame:
    """Disjoint year intervals of membership per state, clipped to ``window``, sorted by code and first year.

    A state's spells are first cut to whole years, then spells that touch or overlap in years (one ends in
    1940, the next begins in 1940 or 1941) are merged, so that each state-year appears exactly once.
    Columns: the code, the name (and G-W ``microstate``), ``_from``, ``_to``.
    """
    code = "ccode" if system == "cow" else "gwcode"
    data_last = int(spells["_last"].max())  # type: ignore[arg-type]
    last = pl.col("_last")
    if extend and window[1] > data_last:
        last = pl.when(last == data_last).then(pl.lit(window[1], pl.Int64)).otherwise(last)
    attributes = [_NAME[system], *(["microstate"] if system == "gw" else [])]
    clipped = (
        spells.with_columns(
            pl.max_horizontal(pl.col("_first"), pl.lit(window[0])).alias("_from"),
            pl.min_horizontal(last, pl.lit(window[1])).alias("_to"),
        )
        .filter(pl.col("_from") <= pl.col("_to"))
        .with_row_index("_order")
        .sort(code, "_from", "_order")
    )
    # A new interval starts where a spell begins after every earlier spell of the state has ended.
    ended = pl.col("_to").cum_max().shift(1).over(code)
    starts = (ended.is_null() | (pl.col("_from") > ended)).cast(pl.Int64)
    return (
        clipped.with_columns(starts.cum_sum().over(code).alias("_interval"))
        .group_by(code, "_interval", maintain_order=True)
        .agg(*(pl.col(a).first() for a in attributes), pl.col("_from").min(), pl.col("_to").max())
        .drop("_interval")
    )


def _explode_years(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per year of each ``_from``..``_to`` interval, in the frame's order, as column ``year``."""
    return (
        frame.with_columns(pl.int_ranges(pl.col("_from"), pl.col("_to") + 1, dtype=pl.Int64).alias("year"))
        .drop("_from", "_to")
        .explode("year")
    )


def _data_span(spells: pl.DataFrame) -> tuple[int, int]:
    return int(spells["_first"].min()), int(spells["_last"].max())  # type: ignore[arg-type]


def create_state_years(
    store: Store, system: System = "cow", years: Years | None = None, *, extend: bool = True
) -> Panel:
    """Every state in the ``system`` in every year of ``years`` (see the module docstring).

    Columns: ``ccode, cw_name, year`` (COW) or ``gwcode, gw_name, microstate, year`` (G-W), sorted by code
    and year -- exactly peacesciencer's ``create_stateyears(system, mry=FALSE)`` for ``years=None``.
    """
    system = _check_system(system)
    spells = _spells(store, system)
    window = resolve_years(years, *_data_span(spells))
    code = "ccode" if system == "cow" else "gwcode"
    frame = _explode_years(_intervals(spells, system, window, extend))
    frame = frame.select(code, *(c for c in frame.columns if c not in {code, "year"}), "year")
    citations = (DATASETS[f"{system}_states"], source_citation(store, "isard"))
    return Panel(frame, "state_year", system, False, window, citations, store)


def create_dyad_years(
    store: Store,
    system: System = "cow",
    directed: bool = True,
    years: Years | None = None,
    *,
    extend: bool = True,
) -> Panel:
    """Every pair of states in the ``system`` in every year of ``years`` (see the module docstring).

    Columns: ``ccode1, ccode2, year`` (COW) or ``gwcode1, gwcode2, year, microstate1, microstate2`` (G-W),
    sorted by the codes and year. ``directed=False`` keeps ``ccode1 < ccode2`` only.
    """
    system = _check_system(system)
    code = "ccode" if system == "cow" else "gwcode"
    spells = _spells(store, system)
    window = resolve_years(years, *_data_span(spells))
    extra = ["microstate"] if system == "gw" else []
    states = _intervals(spells, system, window, extend).select(code, *extra, "_from", "_to")
    first = states.rename({c: f"{c}1" for c in states.columns})
    second = states.rename({c: f"{c}2" for c in states.columns})
    keep = pl.col(f"{code}1") != pl.col(f"{code}2") if directed else pl.col(f"{code}1") < pl.col(f"{code}2")
    # Pairs of membership intervals (a few tens of thousands), each cut to the years both states share;
    # sorted here, they explode into dyad-years already in (code1, code2, year) order, with no big sort.
    overlaps = (
        first.join(second, how="cross")
        .filter(keep)
        .with_columns(
            pl.max_horizontal("_from1", "_from2").alias("_from"), pl.min_horizontal("_to1", "_to2").alias("_to")
        )
        .filter(pl.col("_from") <= pl.col("_to"))
        .sort(f"{code}1", f"{code}2", "_from")
    )
    pairs = _explode_years(
        overlaps.select(f"{code}1", f"{code}2", "_from", "_to", *(f"{c}{i}" for c in extra for i in (1, 2)))
    )
    false = read_table(store, "peacesciencer", _FALSE_DYADS[system])
    key = pl.col(f"{code}1") * 10_000_000 + pl.col(f"{code}2") * 10_000 + pl.col("year")
    false_keys = false.select(key.cast(pl.Int64).alias("k"))["k"].implode()
    pairs = pairs.filter(~key.is_in(false_keys))
    frame = pairs.select(f"{code}1", f"{code}2", "year", *(f"{c}{i}" for i in (1, 2) for c in extra))
    citations = (
        DATASETS[f"{system}_states"],
        source_citation(store, "isard"),
        source_citation(store, "peacesciencer"),
    )
    return Panel(frame, "dyad_year", system, directed, window, citations, store)
