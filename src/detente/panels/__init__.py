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
capabilities, contiguity, disputes, distance, democracy, igos). Beyond the reference, with honest
coverage (missing outside a source's years, 0 only where the source covers a state and says nothing
happened): ``add_arms_transfers`` (arms), ``add_defense_cooperation`` (cooperation),
``add_joint_exercises`` (exercises), ``add_peacekeeping_codeployment`` (peacekeeping),
``add_un_voting_agreement`` (voting), ``add_ucdp_conflict`` (conflict), ``add_milex`` (expenditure).
Panels are built from the store (SQLite or PostgreSQL) through a columnar cache
(:mod:`detente.panels.cache`), never from raw files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detente.lazy_exports import lazy_exports

_EXPORTS = {
    "add_atop_alliance": "detente.panels.alliances",
    "add_arms_transfers": "detente.panels.arms",
    "add_nmc": "detente.panels.capabilities",
    "Citation": "detente.panels.citations",
    "add_ucdp_conflict": "detente.panels.conflict",
    "add_contiguity": "detente.panels.contiguity",
    "add_defense_cooperation": "detente.panels.cooperation",
    "add_democracy": "detente.panels.democracy",
    "add_cow_mids": "detente.panels.disputes",
    "add_capital_distance": "detente.panels.distance",
    "add_joint_exercises": "detente.panels.exercises",
    "add_milex": "detente.panels.expenditure",
    "add_igos": "detente.panels.igos",
    "Panel": "detente.panels.panel",
    "PanelUnitError": "detente.panels.panel",
    "System": "detente.panels.panel",
    "Unit": "detente.panels.panel",
    "add_peacekeeping_codeployment": "detente.panels.peacekeeping",
    "LAST_YEAR": "detente.panels.systems",
    "create_dyad_years": "detente.panels.systems",
    "create_state_years": "detente.panels.systems",
    "add_un_voting_agreement": "detente.panels.voting",
}
"""Public names and their modules, imported on first use (PEP 562): ``detente panel`` imports only the
enrichers it is asked to run (the UN-voting one alone brings numpy)."""

__all__ = [
    "LAST_YEAR",
    "Citation",
    "Panel",
    "PanelUnitError",
    "System",
    "Unit",
    "add_arms_transfers",
    "add_atop_alliance",
    "add_capital_distance",
    "add_contiguity",
    "add_cow_mids",
    "add_defense_cooperation",
    "add_democracy",
    "add_igos",
    "add_joint_exercises",
    "add_milex",
    "add_nmc",
    "add_peacekeeping_codeployment",
    "add_ucdp_conflict",
    "add_un_voting_agreement",
    "create_dyad_years",
    "create_state_years",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:
    from detente.panels.alliances import add_atop_alliance
    from detente.panels.arms import add_arms_transfers
    from detente.panels.capabilities import add_nmc
    from detente.panels.citations import Citation
    from detente.panels.conflict import add_ucdp_conflict
    from detente.panels.contiguity import add_contiguity
    from detente.panels.cooperation import add_defense_cooperation
    from detente.panels.democracy import add_democracy
    from detente.panels.disputes import add_cow_mids
    from detente.panels.distance import add_capital_distance
    from detente.panels.exercises import add_joint_exercises
    from detente.panels.expenditure import add_milex
    from detente.panels.igos import add_igos
    from detente.panels.panel import Panel, PanelUnitError, System, Unit
    from detente.panels.peacekeeping import add_peacekeeping_codeployment
    from detente.panels.systems import LAST_YEAR, create_dyad_years, create_state_years
    from detente.panels.voting import add_un_voting_agreement
