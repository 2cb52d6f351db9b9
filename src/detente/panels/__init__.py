"""Peace-science panels built from the store: state-years and dyad-years, then enrichers.

The grammar is peacesciencer's, which peace scientists already know::

    from detente.panels import create_dyad_years
    panel = (
        create_dyad_years(store, system="cow", directed=False, years=(1816, 2010))
        .add_atop_alliance().add_nmc().add_contiguity().add_cow_mids()
        .add_capital_distance().add_democracy().add_igos()
    )
    panel.write("dyads.parquet")
    print(panel.cite())

Each enricher is also a function ``add_x(panel)`` in the module named after what it adds (alliances,
capabilities, contiguity, disputes, distance, democracy, igos). Panels are built from the store (SQLite or
PostgreSQL) through a columnar cache (:mod:`detente.panels.cache`), never from raw files.
"""

from detente.panels.alliances import add_atop_alliance
from detente.panels.capabilities import add_nmc
from detente.panels.citations import Citation
from detente.panels.contiguity import add_contiguity
from detente.panels.democracy import add_democracy
from detente.panels.disputes import add_cow_mids
from detente.panels.distance import add_capital_distance
from detente.panels.igos import add_igos
from detente.panels.panel import Panel, PanelUnitError, System, Unit
from detente.panels.systems import LAST_YEAR, create_dyad_years, create_state_years

__all__ = [
    "LAST_YEAR",
    "Citation",
    "Panel",
    "PanelUnitError",
    "System",
    "Unit",
    "add_atop_alliance",
    "add_capital_distance",
    "add_contiguity",
    "add_cow_mids",
    "add_democracy",
    "add_igos",
    "add_nmc",
    "create_dyad_years",
    "create_state_years",
]
