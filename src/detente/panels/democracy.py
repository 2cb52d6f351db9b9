"""Regime type on state-years or dyad-years: UDS (extended), Polity 2 and V-Dem polyarchy.

Source: isard's ``cw_democracy`` (COW codes) or ``gw_democracy`` (G-W codes), one row per state-year:

``euds``
    Xavier Marquez's extension of the Unified Democracy Scores (Pemstein, Meserve and Melton): a latent
    democracy score, mean 0 over all state-years, higher is more democratic.
``aeuds``
    the same score shifted so that 0 is the UDS cut-point between democracy and non-democracy.
``polity2``
    Polity's -10..10 score (a -9 here is a real score, not a missing-value code).
``v2x_polyarchy``
    V-Dem's electoral democracy index, 0..1.

A plain left join, per side on dyad-years: ``euds1``, ``aeuds1``, ``polity21``, ``v2x_polyarchy1``, then the
same with 2. Missing values stay missing (Polity does not code microstates, V-Dem starts late for some).
"""

from __future__ import annotations

from detente.panels.cache import read_table
from detente.panels.citations import DATASETS, source_citation
from detente.panels.panel import Panel
from detente.panels.sides import attach_per_state

__all__ = ["DEMOCRACY_COLUMNS", "add_democracy"]

DEMOCRACY_COLUMNS = ["euds", "aeuds", "polity2", "v2x_polyarchy"]


def add_democracy(panel: Panel) -> Panel:
    """Add ``euds``, ``aeuds``, ``polity2``, ``v2x_polyarchy`` (per side on dyad-years); COW or G-W panels."""
    store = panel.require("add_democracy")
    table = read_table(store, "isard", "cw_democracy" if panel.system == "cow" else "gw_democracy")
    frame = attach_per_state(panel, table, panel.code, DEMOCRACY_COLUMNS, "add_democracy")
    cited = (DATASETS["uds"], DATASETS["polity"], DATASETS["vdem"], source_citation(store, "isard"))
    return panel.with_frame(frame, *cited)
