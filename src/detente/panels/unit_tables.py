"""Group counts kept as one cached table per panel unit, and attached the way that unit needs.

Several enrichers (defence cooperation agreements, joint exercises, armed conflicts) count the same kind of
thing for either unit: per state and year on a state-year panel, per unordered pair and year on a dyad-year
panel. Their steps after the counting are identical: keep the counted table in the columnar cache
(:meth:`~detente.panels.codebook.CodeBook.cached`), sorted like the panel's own key so that the join merges
instead of sorting, then attach it per side (:func:`~detente.panels.sides.attach_per_state`) or
symmetrically (:func:`~detente.panels.pairs.attach_symmetric`). :func:`attach_unit_table` is those steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from detente.panels.codebook import CodeBook
from detente.panels.pairs import PAIR_ORDER, STATE_ORDER, attach_symmetric
from detente.panels.panel import Panel
from detente.panels.sides import attach_per_state
from detente.store.database import Store

__all__ = ["attach_unit_table"]


def attach_unit_table(
    panel: Panel,
    store: Store,
    book: CodeBook,
    name: str,
    build: Callable[[], pl.DataFrame],
    columns: Sequence[str],
    what: str,
    *,
    inputs: Sequence[tuple[str, str]] = (),
    domain_rows: bool = False,
) -> pl.DataFrame:
    """``panel``'s frame with ``columns`` of the table ``build`` counts for the panel's unit.

    ``build`` returns rows keyed by ``code, year`` on a state-year panel and by ``code1, code2, year`` (each
    unordered pair once) on a dyad-year panel; the result is cached under ``name`` as
    :meth:`~detente.panels.codebook.CodeBook.cached` explains (``inputs``, ``domain_rows``). ``what``
    names the enricher in the errors the joins raise. Filling the years a source covers is left to the
    caller, since each source covers its own years.
    """
    state_year = panel.unit == "state_year"
    order = STATE_ORDER if state_year else PAIR_ORDER
    table = book.cached(store, name, inputs, build, domain_rows=domain_rows, order=order)
    if state_year:
        return attach_per_state(panel, table, "code", list(columns), what)
    return attach_symmetric(panel, table, columns, what)
