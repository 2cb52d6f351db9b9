"""isard (Steven V. Miller's R data package): state-system membership and COW <-> G-W crosswalks.

Every ``<name>.rda`` file becomes the table ``<name>``, with R's whole-number doubles as integers.

``cw_system`` / ``gw_system``: membership spells -- ``ccode`` / ``gwcode``, abbreviation, name,
    ``start``, ``end`` (dates; G-W also ``microstate``). A state can have several spells (Cuba).
``cw_gw_panel`` / ``gw_cw_panel``: year-by-year crosswalks -- ``stateabb``, ``year``, ``gwcode``,
    ``ccode``, ``gw_name``, ``cw_name``; the basis of detente's year-valid COW <-> G-W crosswalk
    (Germany 255 vs 260, Serbia 345 vs 340, Yemen 679 vs 678/680 ...).
``cw_democracy`` / ``gw_democracy``: ``euds``, ``aeuds`` (Marquez UDS extension), ``polity2``
    (-10..10; -9 is a real score here, not a missing-value code), ``v2x_polyarchy`` by state-year.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.rdata import read_rda

TABLES = ("cw_system", "gw_system", "cw_gw_panel", "gw_cw_panel", "cw_democracy", "gw_democracy")


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Read each declared ``.rda`` into the table of the same name."""
    return {name: read_rda(files[f"{name}.rda"], name) for name in TABLES}
