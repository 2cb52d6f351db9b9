"""Defence cooperation agreements (DCAD v1.0, 1980-2010) in force, on dyad-years and state-years.

Source: the store's agreements of kind ``dca`` and their two parties, as the DCAD mapper wrote them
(:mod:`detente.sources.dcad.domain`): each bilateral agreement is in force from its entry into force (or
its signature, where DCAD gives no entry-into-force date) to DCAD's estimated end year; an agreement still
in force when DCAD's coverage ends (2010) has an open end.

Semantics: an agreement is in force in every calendar year its interval touches. Dyad-years: ``dca_any``
(1 when at least one DCA between the two states is in force that year) and ``dca_count`` (how many);
state-years: ``dca_count``, the number of DCAs in force to which the state is a party. Parties are states
of the store, so a party is found under whatever code its state has in each year (a DCA signed by West
Germany in 1985 and still in force in 1995 counts for COW 255, united Germany).

Coverage: 1980-2010, for every state (DCAD codes all bilateral DCAs signed in those years): 0 there where
none is in force, missing outside. One caution the numbers cannot show: DCAD records agreements *signed*
from 1980, so an older agreement still in force in the early 1980s is not counted -- counts in the first
years are lower bounds.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import polars as pl

from detente.panels.citations import source_citation
from detente.panels.codebook import CodeBook, code_book
from detente.panels.pairs import fill_covered, pair_counts
from detente.panels.panel import Panel
from detente.panels.stored import read_source_rows
from detente.panels.unit_tables import attach_unit_table
from detente.store.database import Store

if TYPE_CHECKING:
    from sqlalchemy import Select

__all__ = ["DCA_YEARS", "add_defense_cooperation", "dca_memberships"]

DCA_YEARS = (1980, 2010)


def _dca_parties() -> tuple[Select[Any], Any]:
    from sqlalchemy import select

    from detente.panels.tables import agreement_parties, agreements

    agreement, party = agreements.c, agreement_parties.c
    query = select(agreement.id, party.state_id, agreement.valid_from, agreement.valid_to).join_from(
        agreements, agreement_parties, party.agreement_id == agreement.id
    )
    return query.where(agreement.kind == "dca", party.state_id.is_not(None)), agreement.source_version_id


def dca_memberships(store: Store) -> pl.DataFrame:
    """One row per DCA, party state and year in force within DCAD's years: ``agreement``, ``state_id``, ``year``."""
    schema = {"agreement": pl.Int64, "state_id": pl.Int64, "valid_from": pl.Date, "valid_to": pl.Date}
    rows = read_source_rows(store, "dcad", "dca-parties-v1", _dca_parties, schema)
    first, last = DCA_YEARS
    return (
        rows.with_columns(
            pl.max_horizontal(pl.col("valid_from").dt.year().cast(pl.Int64), pl.lit(first)).alias("_from"),
            pl.min_horizontal(pl.col("valid_to").dt.year().cast(pl.Int64).fill_null(last), pl.lit(last)).alias("_to"),
        )
        .filter(pl.col("_from") <= pl.col("_to"))
        .select("agreement", "state_id", pl.int_ranges("_from", pl.col("_to") + 1).alias("year"))
        .explode("year")
    )


def _table(store: Store, book: CodeBook, panel: Panel) -> pl.DataFrame:
    """State-years: ``code``, ``year``, ``dca_count``; dyad-years: ``code1``, ``code2``, ``year``, ``dca_count``,
    ``dca_any``."""
    members = book.panel_code(dca_memberships(store), state="state_id", year="year", system=panel.system, out="code")
    if panel.unit == "state_year":
        return (
            members.drop_nulls("code")
            .group_by("code", "year")
            .agg(pl.col("agreement").n_unique().cast(pl.Int64).alias("dca_count"))
        )
    pairs = pair_counts(members, group="agreement", code="code", out="dca_count")
    return pairs.with_columns(pl.lit(1, pl.Int64).alias("dca_any"))


def add_defense_cooperation(panel: Panel) -> Panel:
    """Add ``dca_any`` and ``dca_count`` (dyad-years) or ``dca_count`` (state-years): DCAD agreements in force.

    The counts are computed once per state of the store (audit head) and then read from the columnar cache.
    """
    store = panel.require("add_defense_cooperation")
    book = code_book(store)
    name = f"dca-{panel.unit}-{panel.system}-v1"
    columns = ["dca_count"] if panel.unit == "state_year" else ["dca_any", "dca_count"]
    build = partial(_table, store, book, panel)
    frame = attach_unit_table(panel, store, book, name, build, columns, "add_defense_cooperation", domain_rows=True)
    return panel.with_frame(fill_covered(frame, columns, DCA_YEARS), source_citation(store, "dcad"))
