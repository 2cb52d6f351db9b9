"""COW direct contiguity (v3.2) on dyad-years: ``conttype``.

Types: 0 not contiguous, 1 land border (or separated by a river), 2-5 separated by at most 12, 24, 150 or
400 miles of water. Source: peacesciencer's ``cow_contdir``, one row per directed dyad and spell, with the
first and last month (``stdate``, ``enddate``: first days of months) of each spell of a given type. A
dyad's type can change within a year (a border moves, a state gains a colony).

Semantics (the reference's): a spell covers every month from its first to its last; per dyad-year the
type is the one in force in the *first* month of that year that any spell covers -- so a type that begins
in June yields to the type in force in January. Dyad-years with no spell get 0 within the data's years
1816-2016 and stay missing after 2016.
"""

from __future__ import annotations

import polars as pl

from detente.panels.cache import derived_table, read_table
from detente.panels.citations import DATASETS, source_citation
from detente.panels.joins import KEY, attach, dyad_key, in_years
from detente.panels.panel import Panel

__all__ = ["CONTIGUITY_YEARS", "add_contiguity", "contiguity_years"]

CONTIGUITY_YEARS = (1816, 2016)


def contiguity_years(spells: pl.DataFrame) -> pl.DataFrame:
    """Directed dyad-years with the contiguity type in force in the first covered month of each year."""
    expanded = (
        spells.with_row_index("_spell")
        .with_columns(
            pl.int_ranges(pl.col("stdate").dt.year(), pl.col("enddate").dt.year() + 1, dtype=pl.Int64).alias("year")
        )
        .explode("year")
        .with_columns(
            # the spell's first month within this year: its start month in its first year, else January
            pl.when(pl.col("year") == pl.col("stdate").dt.year())
            .then(pl.col("stdate").dt.month())
            .otherwise(pl.lit(1))
            .cast(pl.Int64)
            .alias("_month")
        )
    )
    return (
        expanded.sort("ccode1", "ccode2", "year", "_month", "_spell")
        .unique(subset=["ccode1", "ccode2", "year"], keep="first", maintain_order=True)
        .select("ccode1", "ccode2", "year", "conttype")
    )


def add_contiguity(panel: Panel) -> Panel:
    """Add ``conttype`` (0 none, 1 land, 2-5 water within 12/24/150/400 miles) to a COW dyad-year panel."""
    store = panel.require("add_contiguity", unit="dyad_year", system="cow")
    source = ("peacesciencer", "cow_contdir")

    def build() -> pl.DataFrame:
        years = contiguity_years(read_table(store, *source))
        return years.select(dyad_key("ccode1", "ccode2"), "conttype").sort(KEY)

    values = derived_table(store, "contiguity-years-v1", [source], build)  # spells to years once per version
    frame = attach(panel.frame, dyad_key("ccode1", "ccode2"), values, "add_contiguity")
    frame = frame.with_columns(
        pl.when(in_years(*CONTIGUITY_YEARS)).then(pl.col("conttype").fill_null(0)).otherwise(pl.col("conttype"))
    )
    return panel.with_frame(frame, DATASETS["contiguity"], source_citation(store, "peacesciencer"))
