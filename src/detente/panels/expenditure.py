"""SIPRI military expenditure (1949-2018) on state-years and dyad-years.

Source: ``sipri_milex.milex``, SIPRI's Military Expenditure Database (2019 edition) in current US$
millions, one row per country and year that SIPRI gives a figure for; SIPRI's blank cells ("no data")
have no row.

Column: ``sipri_milex`` on state-years; ``sipri_milex1`` and ``sipri_milex2`` (one per side) on
dyad-years. (Not ``milex``: that is NMC's, added by :func:`detente.panels.capabilities.add_nmc` in
*thousands* of current US$ and from other sources; the two can sit side by side in one panel.)

Nothing is filled: a state-year SIPRI gives no figure for is missing, inside 1949-2018 as outside it
(SIPRI's series start at different years, and it leaves out years it cannot estimate). Countries are
SIPRI names ("USSR", "Korea, South", "Congo, Dem. Rep.") matched by the store's crosswalk in the year.
"""

from __future__ import annotations

import polars as pl

from detente.panels.cache import read_table
from detente.panels.citations import source_citation
from detente.panels.codebook import CodeBook, code_book
from detente.panels.pairs import STATE_ORDER
from detente.panels.panel import Panel
from detente.panels.sides import attach_per_state
from detente.store.database import Store

__all__ = ["MILEX_YEARS", "add_milex"]

MILEX_YEARS = (1949, 2018)


def _table(store: Store, book: CodeBook, panel: Panel) -> pl.DataFrame:
    """``code``, ``year``, ``sipri_milex``: SIPRI's figures under the panel's codes."""
    milex = read_table(store, "sipri_milex", "milex").drop_nulls("milex_usd_m")
    named, _ = book.names_to_states(milex, column="country", year="year", out="state_id")
    coded = book.panel_code(named, state="state_id", year="year", system=panel.system, out="code").drop_nulls("code")
    # Two SIPRI names can denote one state in a year only at a merger (none in the 2019 edition): refuse
    # to guess, the join in add_milex raises rather than pick one.
    return coded.select("code", "year", pl.col("milex_usd_m").alias("sipri_milex"))


def add_milex(panel: Panel) -> Panel:
    """Add SIPRI military expenditure, current US$ millions: ``sipri_milex`` (per side on dyad-years)."""
    store = panel.require("add_milex")
    book = code_book(store)
    inputs = [("sipri_milex", "milex")]
    name = f"milex-{panel.system}-v1"
    table = book.cached(store, name, inputs, lambda: _table(store, book, panel), order=STATE_ORDER)
    frame = attach_per_state(panel, table, "code", ["sipri_milex"], "add_milex")
    return panel.with_frame(frame, source_citation(store, "sipri_milex"), source_citation(store, "countrycode"))
