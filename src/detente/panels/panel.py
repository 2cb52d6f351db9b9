"""The :class:`Panel`: a data frame that knows what one row is.

A peace-science panel is a frame whose rows are units of observation -- a state in a year (``state_year``)
or a pair of states in a year (``dyad_year``) -- in one state system (``cow`` codes or Gleditsch-Ward
``gw`` codes), and for dyads either directed (both (a, b) and (b, a)) or non-directed (only a < b).
Enrichers depend on all three: contiguity means nothing for a state-year; ATOP is keyed by COW codes; a
non-directed panel must combine both directions of a directed source. So a :class:`Panel` carries them,
every enricher checks them (:meth:`Panel.require`), and refuses with a message that says what to call
first. It also carries the citations of every source used so far and the store it reads from.

Panels are immutable: each ``add_*`` returns a new panel, leaving the old one as it was::

    panel = create_dyad_years(store, system="cow", years=(1816, 2010)).add_atop_alliance().add_nmc()
    panel.to_polars(); panel.write("dyads.parquet"); print(panel.cite())
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import polars as pl

from detente.panels.citations import Citation, merge
from detente.store.database import Store

__all__ = ["Panel", "PanelUnitError", "System", "Unit"]

Unit = Literal["state_year", "dyad_year"]
System = Literal["cow", "gw"]

_BUILDER = {"state_year": "create_state_years()", "dyad_year": "create_dyad_years()"}


class PanelUnitError(ValueError):
    """An enricher was called on a panel of the wrong unit or system; the message says what to call first."""


@dataclass(frozen=True)
class Panel:
    """A state-year or dyad-year frame with its unit, system, directedness, years and citations."""

    frame: pl.DataFrame
    unit: Unit
    system: System
    directed: bool
    years: tuple[int, int]
    citations: tuple[Citation, ...] = ()
    store: Store | None = field(default=None, repr=False, compare=False)

    # -- what a row is -------------------------------------------------------------------------------

    @property
    def code(self) -> str:
        """The state-code column stem: ``ccode`` (COW) or ``gwcode`` (Gleditsch-Ward)."""
        return "ccode" if self.system == "cow" else "gwcode"

    @property
    def keys(self) -> list[str]:
        """The columns that identify a row: ``[ccode, year]`` or ``[ccode1, ccode2, year]`` (``gwcode`` for G-W)."""
        if self.unit == "state_year":
            return [self.code, "year"]
        return [f"{self.code}1", f"{self.code}2", "year"]

    @property
    def height(self) -> int:
        """Number of rows."""
        return self.frame.height

    def require(self, enricher: str, *, unit: Unit | None = None, system: System | None = None) -> Store:
        """Check that ``enricher`` can run on this panel; return the store it reads from.

        Raises:
            PanelUnitError: wrong unit or system, or no store; the message says what to call first.
        """
        if unit is not None and self.unit != unit:
            raise PanelUnitError(
                f"{enricher}() works on {unit.replace('_', '-')} panels, and this panel is "
                f"{self.unit.replace('_', '-')}s: call {_BUILDER[unit]} first, then {enricher}()"
            )
        if system is not None and self.system != system:
            raise PanelUnitError(
                f"{enricher}() merges on {system.upper()} codes and this panel uses {self.system.upper()} codes: "
                f"call {_BUILDER[self.unit].rstrip('()')}(system={system!r}) first, then {enricher}()"
            )
        if self.store is None:
            raise PanelUnitError(f"{enricher}() reads the store, and this panel has none: pass store=...")
        return self.store

    def with_frame(self, frame: pl.DataFrame, *citations: Citation) -> Panel:
        """This panel with a new frame and more citations (what every enricher returns)."""
        return replace(self, frame=frame, citations=merge(self.citations, *citations))

    # -- output --------------------------------------------------------------------------------------

    def to_polars(self) -> pl.DataFrame:
        """The panel's rows as a Polars frame."""
        return self.frame

    def to_pandas(self) -> Any:
        """The panel's rows as a ``pandas.DataFrame`` (needs pandas and pyarrow: ``pip install pandas pyarrow``)."""
        import importlib.util

        if any(importlib.util.find_spec(name) is None for name in ("pandas", "pyarrow")):
            raise ImportError("Panel.to_pandas() needs pandas and pyarrow: pip install pandas pyarrow")
        return self.frame.to_pandas()

    def write(self, path: str | Path) -> Path:
        """Write the rows to ``path``; the suffix picks the format: .csv, .parquet or .dta (Stata)."""
        from detente.panels.output import write_panel

        return write_panel(self, Path(path))

    def cite(self) -> str:
        """Every citation, one per paragraph, as a researcher would paste them into a bibliography."""
        return "\n\n".join(c.text for c in self.citations)

    def describe(self) -> dict[str, Any]:
        """Unit, system, directedness, years, shape and citation keys, for logs and ``--json``."""
        return {
            "unit": self.unit,
            "system": self.system,
            "directed": self.directed,
            "years": list(self.years),
            "rows": self.frame.height,
            "columns": self.frame.width,
            "citations": [c.key for c in self.citations],
        }

    # -- enrichers, method style (each is the function of the same name in its module) ----------------

    def add_atop_alliance(self) -> Panel:
        """See :func:`detente.panels.alliances.add_atop_alliance`."""
        from detente.panels.alliances import add_atop_alliance

        return add_atop_alliance(self)

    def add_nmc(self) -> Panel:
        """See :func:`detente.panels.capabilities.add_nmc`."""
        from detente.panels.capabilities import add_nmc

        return add_nmc(self)

    def add_contiguity(self) -> Panel:
        """See :func:`detente.panels.contiguity.add_contiguity`."""
        from detente.panels.contiguity import add_contiguity

        return add_contiguity(self)

    def add_cow_mids(self, *, unknown: Literal["source", "missing"] = "source") -> Panel:
        """See :func:`detente.panels.disputes.add_cow_mids`."""
        from detente.panels.disputes import add_cow_mids

        return add_cow_mids(self, unknown=unknown)

    def add_capital_distance(self) -> Panel:
        """See :func:`detente.panels.distance.add_capital_distance`."""
        from detente.panels.distance import add_capital_distance

        return add_capital_distance(self)

    def add_democracy(self) -> Panel:
        """See :func:`detente.panels.democracy.add_democracy`."""
        from detente.panels.democracy import add_democracy

        return add_democracy(self)

    def add_igos(self) -> Panel:
        """See :func:`detente.panels.igos.add_igos`."""
        from detente.panels.igos import add_igos

        return add_igos(self)

    # -- beyond the reference ------------------------------------------------------------------------

    def add_arms_transfers(self, *, source: Literal["tiv", "register"] = "tiv") -> Panel:
        """See :func:`detente.panels.arms.add_arms_transfers`."""
        from detente.panels.arms import add_arms_transfers

        return add_arms_transfers(self, source=source)

    def add_defense_cooperation(self) -> Panel:
        """See :func:`detente.panels.cooperation.add_defense_cooperation`."""
        from detente.panels.cooperation import add_defense_cooperation

        return add_defense_cooperation(self)

    def add_joint_exercises(self) -> Panel:
        """See :func:`detente.panels.exercises.add_joint_exercises`."""
        from detente.panels.exercises import add_joint_exercises

        return add_joint_exercises(self)

    def add_peacekeeping_codeployment(self, *, political_missions: bool = False) -> Panel:
        """See :func:`detente.panels.peacekeeping.add_peacekeeping_codeployment`."""
        from detente.panels.peacekeeping import add_peacekeeping_codeployment

        return add_peacekeeping_codeployment(self, political_missions=political_missions)

    def add_un_voting_agreement(self) -> Panel:
        """See :func:`detente.panels.voting.add_un_voting_agreement`."""
        from detente.panels.voting import add_un_voting_agreement

        return add_un_voting_agreement(self)

    def add_ucdp_conflict(self) -> Panel:
        """See :func:`detente.panels.conflict.add_ucdp_conflict`."""
        from detente.panels.conflict import add_ucdp_conflict

        return add_ucdp_conflict(self)

    def add_milex(self) -> Panel:
        """See :func:`detente.panels.expenditure.add_milex`."""
        from detente.panels.expenditure import add_milex

        return add_milex(self)
