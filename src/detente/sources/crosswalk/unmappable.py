"""The reviewed list of codes that denote no state on purpose, and where the reviewed lists live.

``aliases.yml`` (beside this module) holds three reviewed lists:

``aliases``
    names as sources write them -> crosswalk states (see :mod:`.names`);
``not_a_state``
    names that are not states (organisations, non-state actors, territories, regions, groups, unknowns),
    grouped by kind; ``not_a_state_reasons`` gives the reason for each kind, and every kind must have one;
``unmappable_codes``
    country codes (COW, G-W, ISO3 or ISO2) that sources use for something the crosswalk rightly has no
    state for -- Western Sahara's ISO3 ``ESH``, Hyderabad's G-W 751 -- each with ``system``, ``code``,
    optional ``years: [first, last]`` (null = open), the ``sources`` that use it and a ``reason``.

A mapper that meets a code or name in none of these lists (and not in the crosswalk) fails the load
with a :class:`~detente.sources.errors.SourceDataError` that names the file, row and column and says to
add it here (see :mod:`detente.sources.unknowns`); entries of the reviewed lists are loaded with a null
state and reported with their row counts, never dropped silently.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import polars as pl

from detente.sources.crosswalk.model import CODE_SYSTEMS, CrosswalkError, code_text
from detente.sources.crosswalk.names import ALIASES_FILE, alias_document

__all__ = ["aliases_path", "load_unmappable_codes", "not_a_state_reasons"]


def aliases_path() -> str:
    """The path of ``aliases.yml`` as installed (what an error tells the user to edit)."""
    return str(resources.files("detente.sources.crosswalk").joinpath(ALIASES_FILE))


def not_a_state_reasons() -> dict[str, str]:
    """Kind -> why names of that kind are not states; every kind under ``not_a_state`` must have one.

    Raises:
        CrosswalkError: a kind has no reason (the message names it and the fix).
    """
    doc = alias_document()
    reasons = {str(k): str(v).strip() for k, v in (doc.get("not_a_state_reasons") or {}).items() if v}
    missing = sorted(set(doc.get("not_a_state") or {}) - set(reasons))
    if missing:
        raise CrosswalkError(
            f"{ALIASES_FILE}: not_a_state kinds {missing} have no reason; add one under not_a_state_reasons"
        )
    return reasons


@cache
def _codes() -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for i, entry in enumerate(alias_document().get("unmappable_codes") or [], start=1):
        if not isinstance(entry, dict) or not {"system", "code", "reason"} <= set(entry):
            raise CrosswalkError(
                f"{ALIASES_FILE}: unmappable_codes entry {i} needs 'system', 'code' and 'reason' (got {entry!r})"
            )
        system = str(entry["system"])
        if system not in CODE_SYSTEMS:
            raise CrosswalkError(
                f"{ALIASES_FILE}: unmappable_codes entry {i}: system {system!r} is not one of {', '.join(CODE_SYSTEMS)}"
            )
        if not str(entry["reason"]).strip():
            raise CrosswalkError(f"{ALIASES_FILE}: unmappable_codes entry {i}: 'reason' must say why")
        years = entry.get("years") or [None, None]
        if not isinstance(years, list) or len(years) != 2:
            raise CrosswalkError(
                f"{ALIASES_FILE}: unmappable_codes entry {i}: 'years' must be [first, last] (null = open)"
            )
        rows.append(
            {
                "system": system,
                "code": code_text(system, entry["code"]),
                "first_year": years[0],
                "last_year": years[1],
                "reason": " ".join(str(entry["reason"]).split()),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "system": pl.String,
            "code": pl.String,
            "first_year": pl.Int64,
            "last_year": pl.Int64,
            "reason": pl.String,
        },
    )


def load_unmappable_codes() -> pl.DataFrame:
    """The reviewed ``unmappable_codes``: ``system``, ``code`` (text), ``first_year``, ``last_year``, ``reason``.

    Raises:
        CrosswalkError: an entry is malformed (the message names the entry and the fix).
    """
    return _codes()
