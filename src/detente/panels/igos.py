"""COW intergovernmental organisations (IGO v3, 1816-2014): shared memberships or memberships per state.

Dyad-years: ``dyadigos``, the number of IGOs in which both states are full members, from peacesciencer's
``cow_igo_ndy`` (non-directed: stored once per pair, lower code first). A directed panel's (b, a) gets the
same value as (a, b): the join looks the pair up in either orientation.

State-years: from ``cow_igo_sy``, the number of IGOs a state belongs to as a full member
(``sum_igo_full``), associate (``sum_igo_associate``), observer (``sum_igo_observer``), and of any kind
(``sum_igo_anytype``).

Missing stays missing, also inside 1816-2014: the IGO data leave some state-years uncoded and the panel
does not guess.
"""

from __future__ import annotations

import polars as pl

from detente.panels.cache import read_table
from detente.panels.citations import DATASETS, source_citation
from detente.panels.joins import KEY, attach, dyad_key
from detente.panels.panel import Panel
from detente.panels.sides import attach_per_state

__all__ = ["IGO_STATE_COLUMNS", "add_igos"]

IGO_STATE_COLUMNS = ["sum_igo_full", "sum_igo_associate", "sum_igo_observer", "sum_igo_anytype"]


def add_igos(panel: Panel) -> Panel:
    """Add ``dyadigos`` (dyad-years) or the four ``sum_igo_*`` counts (state-years) to a COW panel."""
    store = panel.require("add_igos", system="cow")
    cited = (DATASETS["igo"], source_citation(store, "peacesciencer"))
    if panel.unit == "state_year":
        table = read_table(store, "peacesciencer", "cow_igo_sy")
        return panel.with_frame(attach_per_state(panel, table, "ccode", IGO_STATE_COLUMNS, "add_igos"), *cited)
    dyads = read_table(store, "peacesciencer", "cow_igo_ndy")
    values = dyads.select(dyad_key("ccode1", "ccode2"), "dyadigos")
    low = pl.min_horizontal("ccode1", "ccode2").cast(pl.Int64)
    high = pl.max_horizontal("ccode1", "ccode2").cast(pl.Int64)
    either = (low * 10_000_000 + high * 10_000 + pl.col("year").cast(pl.Int64)).alias(KEY)
    return panel.with_frame(attach(panel.frame, either, values, "add_igos"), *cited)
