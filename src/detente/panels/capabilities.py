"""COW National Material Capabilities (NMC 7.0, 1816-2022) on state-years or dyad-years.

Columns, in the reference's order: ``milex`` (military expenditure, thousands of current US$), ``milper``
(military personnel, thousands), ``irst`` (iron and steel production, thousands of tons), ``pec`` (primary
energy consumption, thousands of coal-ton equivalents), ``tpop`` and ``upop`` (total and urban population,
thousands), ``cinc`` (the composite index: the state's average share of the system total of the six).

A plain left join on (ccode, year) -- per side on dyad-years, suffixes 1 and 2. No filling: NMC leaves some
values unknown (early military expenditure, for instance), and so does the panel. (peacesciencer's own
version table still says NMC 6; the data it ships, and detente stores, are 7.0.)
"""

from __future__ import annotations

from detente.panels.cache import read_table
from detente.panels.citations import DATASETS, source_citation
from detente.panels.panel import Panel
from detente.panels.sides import attach_per_state

__all__ = ["NMC_COLUMNS", "add_nmc"]

NMC_COLUMNS = ["milex", "milper", "irst", "pec", "tpop", "upop", "cinc"]


def add_nmc(panel: Panel) -> Panel:
    """Add the seven NMC columns (per side on dyad-years) to a COW panel."""
    store = panel.require("add_nmc", system="cow")
    nmc = read_table(store, "peacesciencer", "cow_nmc")
    frame = attach_per_state(panel, nmc, "ccode", NMC_COLUMNS, "add_nmc")
    return panel.with_frame(frame, DATASETS["nmc"], source_citation(store, "peacesciencer"))
