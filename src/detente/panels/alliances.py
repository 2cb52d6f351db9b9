"""ATOP alliances on dyad-years: ``atop_alliance`` and the five obligation types.

Source: peacesciencer's ``atop_alliance`` (ATOP 5.1 directed dyad-years, 1815-2018): one row per directed
dyad-year with an alliance in force, with 0/1 flags ``atop_defense``, ``atop_offense``, ``atop_neutral``,
``atop_nonagg``, ``atop_consul``. A row exists only when the dyad shares an alliance, so
``atop_alliance`` = 1 exactly when the dyad-year is in the table (a few alliances oblige none of the five).

Semantics (the reference's):

* directed panel: a plain left join on (ccode1, ccode2, year);
* non-directed panel: ATOP's directions can differ (an asymmetric pact: one side promises defence, the
  other only consultation), so each flag is the maximum over (a, b) and (b, a);
* a dyad-year absent from ATOP gets 0 -- but only within ATOP's years 1815-2018. Outside them it stays
  missing: ATOP says nothing about 2019, so neither does the panel.
"""

from __future__ import annotations

import polars as pl

from detente.panels.cache import derived_table, read_table
from detente.panels.citations import DATASETS, source_citation
from detente.panels.joins import KEY, attach, dyad_key, in_years
from detente.panels.pairs import unordered_key
from detente.panels.panel import Panel

__all__ = ["ATOP_YEARS", "add_atop_alliance"]

ATOP_YEARS = (1815, 2018)
FLAGS = ("atop_defense", "atop_offense", "atop_neutral", "atop_nonagg", "atop_consul")
COLUMNS = ("atop_alliance", *FLAGS)


def _both_directions(keyed: pl.DataFrame) -> pl.DataFrame:
    """One row per unordered pair-year (``_key``, lower code first, as a non-directed panel has it), each
    flag the maximum over the pair's two directed rows (``_forward``: the row's first code is the lower).

    A pair-year has at most two rows, (a, b) and (b, a); sorted by the unordered key they sit side by side,
    so each row is combined with the next one when that one has the same key, and only the first row of
    each key is kept. (A group-by does the same at twice the cost; combining here, on the source's 0.3
    million rows, spares a second join against the panel's million.)
    """
    ordered = keyed.sort(KEY)
    same_key = (ordered[KEY] == ordered[KEY].shift(-1)).fill_null(False)
    same_way = ordered["_forward"] == ordered["_forward"].shift(-1)
    thrice = ordered[KEY] == ordered[KEY].shift(2)
    if (same_key & same_way).any() or thrice.any():  # a directed dyad-year twice: refuse, as a join would
        raise ValueError("add_atop_alliance: the source has more than one row for some directed dyad-year")
    pair_follows = pl.col(KEY) == pl.col(KEY).shift(-1)
    first = (pl.col(KEY) != pl.col(KEY).shift(1)).fill_null(True)
    combined = (
        pl.when(pair_follows).then(pl.max_horizontal(pl.col(c), pl.col(c).shift(-1))).otherwise(pl.col(c)).alias(c)
        for c in COLUMNS
    )
    return ordered.with_columns(combined).filter(first).drop("_forward")


def add_atop_alliance(panel: Panel) -> Panel:
    """Add ``atop_alliance`` and the five ATOP obligation flags to a COW dyad-year panel."""
    store = panel.require("add_atop_alliance", unit="dyad_year", system="cow")

    def build() -> pl.DataFrame:
        atop = read_table(store, "peacesciencer", "atop_alliance").select(
            "ccode1", "ccode2", "year", pl.lit(1, pl.Int64).alias("atop_alliance"), *FLAGS
        )
        if panel.directed:
            return atop.select(dyad_key("ccode1", "ccode2"), *COLUMNS).sort(KEY)
        forward = (pl.col("ccode1") < pl.col("ccode2")).alias("_forward")
        return _both_directions(atop.select(unordered_key("ccode1", "ccode2"), forward, *COLUMNS))

    # Keyed and (for a non-directed panel) combined once per version of ATOP, then read sorted from the cache.
    name = f"atop-{'directed' if panel.directed else 'pairs'}-v1"
    values = derived_table(store, name, [("peacesciencer", "atop_alliance")], build)
    frame = attach(panel.frame, dyad_key("ccode1", "ccode2"), values, "add_atop_alliance")
    covered = in_years(*ATOP_YEARS)
    frame = frame.with_columns(pl.when(covered).then(pl.col(c).fill_null(0)).otherwise(pl.col(c)) for c in COLUMNS)
    return panel.with_frame(frame, DATASETS["atop"], source_citation(store, "peacesciencer"))
