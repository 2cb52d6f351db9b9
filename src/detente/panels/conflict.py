"""UCDP/PRIO armed conflict (25.1, 1946-2024) on state-years and dyad-years: who fought, and on which side.

Source: ``ucdp.conflict_years``, the UCDP/PRIO Armed Conflict Dataset: one row per conflict and year with
at least 25 battle deaths, its ``intensity_level`` (1: 25-999 deaths in the year, 2: war, 1,000 or more)
and its parties: the states of side A (``gwno_a``: the primary party, a government; ``gwno_a_2nd``: states
that fought in support) and of side B (``gwno_b``: a government in an interstate conflict, empty when side B
is a rebel group; ``gwno_b_2nd``: states fighting in support of side B). Several states are listed in one
cell, comma-separated, by Gleditsch-Ward code; they are translated to the panel's codes in the year (UCDP
keeps 345 for Serbia after 2006, where Gleditsch-Ward has 340: a code outside its years goes to the one
state it has ever denoted).

State-years:

``ucdp_conflicts``
    conflicts in which the state was a primary party (its government on side A or B);
``ucdp_intensity``
    the highest intensity among them: 0 none, 1 minor, 2 war;
``ucdp_supported``
    conflicts in which it fought only as a secondary party, in support of one side (coalition
    operations: the states with troops in Afghanistan or Mali).

Dyad-years (symmetric):

``ucdp_opposed``
    conflicts in which the two states fought on opposite sides that year, primary or secondary (an
    interstate war between them, or one helping a government against rebels the other helped);
``ucdp_allied``
    conflicts in which they fought on the same side.

Coverage: 1946-2024, every state (UCDP records every armed conflict with a state party): 0 where a state
or pair took part in none, missing before 1946 and after 2024.
"""

from __future__ import annotations

from functools import partial

import polars as pl

from detente.panels.cache import read_table
from detente.panels.citations import source_citation
from detente.panels.codebook import CodeBook, code_book
from detente.panels.pairs import fill_covered, pair_counts
from detente.panels.panel import Panel
from detente.panels.unit_tables import attach_unit_table
from detente.store.database import Store

__all__ = ["UCDP_DYAD_COLUMNS", "UCDP_STATE_COLUMNS", "UCDP_YEARS", "add_ucdp_conflict", "conflict_parties"]

UCDP_YEARS = (1946, 2024)
UCDP_STATE_COLUMNS = ["ucdp_conflicts", "ucdp_intensity", "ucdp_supported"]
UCDP_DYAD_COLUMNS = ["ucdp_opposed", "ucdp_allied"]
_CELLS = {"gwno_a": ("A", True), "gwno_a_2nd": ("A", False), "gwno_b": ("B", True), "gwno_b_2nd": ("B", False)}


def conflict_parties(store: Store, panel: Panel, book: CodeBook | None = None) -> pl.DataFrame:
    """Every state party of every conflict-year: ``conflict``, ``year``, ``side`` (A/B), ``primary``,
    ``intensity`` and ``code`` (the panel's code; rows whose state has none that year are dropped).
    ``book`` defaults to the store's code book."""
    conflicts = read_table(store, "ucdp", "conflict_years")
    long = pl.concat(
        conflicts.select(
            pl.col("conflict_id").alias("conflict"),
            "year",
            pl.col("intensity_level").alias("intensity"),
            pl.lit(side).alias("side"),
            pl.lit(primary).alias("primary"),
            pl.col(cell).str.split(",").alias("gwno"),
        )
        for cell, (side, primary) in _CELLS.items()
    )
    long = (
        long.explode("gwno").with_columns(pl.col("gwno").str.strip_chars()).filter(pl.col("gwno").str.len_chars() > 0)
    )
    book = book or code_book(store)
    states = book.codes_to_states(long, column="gwno", code_system="gw", year="year", out="state_id", timeless=True)
    coded = book.panel_code(states, state="state_id", year="year", system=panel.system, out="code")
    return coded.drop_nulls("code").select("conflict", "year", "side", "primary", "intensity", "code")


def _opposed(parties: pl.DataFrame) -> pl.DataFrame:
    """Per unordered pair and year, the conflicts in which one was on side A and the other on side B."""
    side_a = parties.filter(pl.col("side") == "A").select("conflict", "year", pl.col("code").alias("a"))
    side_b = parties.filter(pl.col("side") == "B").select("conflict", "year", pl.col("code").alias("b"))
    pairs = side_a.join(side_b, on=["conflict", "year"]).filter(pl.col("a") != pl.col("b"))
    return pairs.group_by(
        pl.min_horizontal("a", "b").alias("code1"), pl.max_horizontal("a", "b").alias("code2"), "year"
    ).agg(pl.col("conflict").n_unique().cast(pl.Int64).alias("ucdp_opposed"))


def _table(store: Store, book: CodeBook, panel: Panel) -> pl.DataFrame:
    """State-years: the three columns per (code, year); dyad-years: the two per (code1, code2, year)."""
    parties = conflict_parties(store, panel, book)
    if panel.unit == "state_year":
        roles = parties.group_by("code", "year").agg(
            pl.col("conflict").filter(pl.col("primary")).n_unique().cast(pl.Int64).alias("ucdp_conflicts"),
            pl.col("intensity").filter(pl.col("primary")).max().cast(pl.Int64).alias("ucdp_intensity"),
        )
        primary = parties.filter(pl.col("primary")).select("code", "year", "conflict")
        supported = (
            parties.filter(~pl.col("primary"))
            .join(primary, on=["code", "year", "conflict"], how="anti")
            .group_by("code", "year")
            .agg(pl.col("conflict").n_unique().cast(pl.Int64).alias("ucdp_supported"))
        )
        return roles.join(supported, on=["code", "year"], how="full", coalesce=True)
    sides = parties.with_columns((pl.col("conflict") * 2 + (pl.col("side") == "B").cast(pl.Int64)).alias("_side"))
    allied = pair_counts(sides, group="_side", code="code", out="ucdp_allied")
    return _opposed(parties).join(allied, on=["code1", "code2", "year"], how="full", coalesce=True)


def add_ucdp_conflict(panel: Panel) -> Panel:
    """Add UCDP/PRIO armed conflict involvement: ``ucdp_conflicts``, ``ucdp_intensity``, ``ucdp_supported``
    (state-years) or ``ucdp_opposed``, ``ucdp_allied`` (dyad-years); see the module docstring."""
    store = panel.require("add_ucdp_conflict")
    book = code_book(store)
    inputs = [("ucdp", "conflict_years")]
    name = f"ucdp-{panel.unit}-{panel.system}-v1"
    columns = UCDP_STATE_COLUMNS if panel.unit == "state_year" else UCDP_DYAD_COLUMNS
    build = partial(_table, store, book, panel)
    frame = attach_unit_table(panel, store, book, name, build, columns, "add_ucdp_conflict", inputs=inputs)
    return panel.with_frame(fill_covered(frame, columns, UCDP_YEARS), source_citation(store, "ucdp"))
