"""Per-state variables on either unit: one copy for a state-year, one per side for a dyad-year.

Many variables describe a single state in a year (capabilities, regime type). On a state-year panel they
join on (code, year) and keep their names; on a dyad-year panel they join twice, once for each side, and
every column gets the side's number appended: ``cinc`` -> ``cinc1``, ``cinc2``; ``polity2`` -> ``polity21``,
``polity22`` (the reference's names, however odd). Nothing is filled: a missing value stays missing.
"""

from __future__ import annotations

import polars as pl

from detente.panels.joins import attach, state_key
from detente.panels.panel import Panel

__all__ = ["attach_per_state"]


def attach_per_state(panel: Panel, table: pl.DataFrame, code: str, columns: list[str], what: str) -> pl.DataFrame:
    """``panel``'s frame with ``columns`` of ``table`` (keyed by ``code`` and ``year``) joined per side."""
    values = table.select(state_key(code), *columns)
    if panel.unit == "state_year":
        return attach(panel.frame, state_key(panel.code), values, what)
    frame = panel.frame
    for side in (1, 2):
        renamed = values.rename({c: f"{c}{side}" for c in columns})
        frame = attach(frame, state_key(f"{panel.code}{side}"), renamed, what)
    return frame
