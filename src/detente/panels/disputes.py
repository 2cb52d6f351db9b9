"""COW Militarized Interstate Disputes (MID 5.0, 1816-2014) on dyad-years.

Source: peacesciencer's ``cow_mid_ddydisps``: directed dyad-years of MIDs, already reduced to one dispute
per dyad-year (peacesciencer keeps, among several disputes in a year, new ones over ongoing ones, then the
most severe). Columns, in order: ``dispnum``; ``cowmidongoing`` / ``cowmidonset`` (a dispute is ongoing /
begins in the year); per side ``sidea`` (on side A, the initiating side), ``fatality`` and ``fatalpre``
(fatality level and precise deaths), ``hiact`` (highest action), ``hostlev`` (hostility level 1-5),
``orig`` (an originator); then the dispute's ``fatality``, ``hostlev``, ``mindur`` / ``maxdur`` (days),
``recip`` (reciprocated) and ``stmon`` (start month).

Semantics: a left join on (ccode1, ccode2, year); only ``cowmidonset`` and ``cowmidongoing`` become 0 where
the dyad-year has no dispute, and only within 1816-2014; every other column stays missing there.

Unknown codes. MID writes -9 for "unknown" in the fatality columns. detente's store holds those as missing
(the loader cleans them), while the reference keeps the -9 and its sums and means include it. The default
``unknown="source"`` writes -9 back into those columns for every dispute row where the store has a
missing value (exact: MID 5.0 has no other missing values in them), which reproduces the reference.
``unknown="missing"`` keeps them missing -- the right choice for analysis (a mean fatality level over a -9
is meaningless); the column names are the same, so say which you used.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from detente.panels.cache import derived_table, read_table
from detente.panels.citations import DATASETS, source_citation
from detente.panels.joins import KEY, attach, dyad_key, in_years
from detente.panels.panel import Panel

__all__ = ["MID_COLUMNS", "MID_YEARS", "UNKNOWN_CODED", "add_cow_mids"]

MID_YEARS = (1816, 2014)
MID_COLUMNS = [
    "dispnum", "cowmidongoing", "cowmidonset", "sidea1", "sidea2", "fatality1", "fatality2",
    "fatalpre1", "fatalpre2", "hiact1", "hiact2", "hostlev1", "hostlev2", "orig1", "orig2",
    "fatality", "hostlev", "mindur", "maxdur", "recip", "stmon",
]  # fmt: skip
UNKNOWN_CODED = ["fatality1", "fatality2", "fatalpre1", "fatalpre2", "fatality"]
"""Columns where MID's -9 ("unknown") is stored as missing."""


def add_cow_mids(panel: Panel, *, unknown: Literal["source", "missing"] = "source") -> Panel:
    """Add the 21 MID columns to a COW dyad-year panel (see the module docstring for ``unknown``)."""
    store = panel.require("add_cow_mids", unit="dyad_year", system="cow")
    if unknown not in ("source", "missing"):
        raise ValueError(f"unknown must be 'source' (MID's -9 codes, as the reference) or 'missing', not {unknown!r}")
    source = ("peacesciencer", "cow_mid_ddydisps")

    def build() -> pl.DataFrame:
        mids = read_table(store, *source)
        if unknown == "source":
            mids = mids.with_columns(pl.col(c).fill_null(-9) for c in UNKNOWN_CODED)
        return mids.select(dyad_key("ccode1", "ccode2"), *MID_COLUMNS).sort(KEY)

    values = derived_table(store, f"mids-unknown-{unknown}-v1", [source], build)  # keyed and sorted once
    frame = attach(panel.frame, dyad_key("ccode1", "ccode2"), values, "add_cow_mids")
    covered = in_years(*MID_YEARS)
    frame = frame.with_columns(
        pl.when(covered).then(pl.col(c).fill_null(0)).otherwise(pl.col(c)) for c in ("cowmidongoing", "cowmidonset")
    )
    return panel.with_frame(frame, DATASETS["cow_mid"], source_citation(store, "peacesciencer"))
