"""UN peacekeeping on dyad-years and state-years: co-deployment, missions contributed to, personnel.

Sources (IPI Peacekeeping Database, from the UN's monthly "contributions by country and mission"):

* contributor x mission x month: the store's ``contributions`` (written by the IPI mappers from the IPI
  gender file, 2009-11 to 2014-02, and IPI's 2014-03 detail), with their ``missions``;
* contributor x month totals: ``ipi_peacekeeping.contributor_months`` (1990-11 to 2014-03), one row per
  month in which a state had uniformed personnel deployed; a month without a row is a month without any.

Columns. Dyad-years: ``pko_codeployed`` (1 when both states had personnel in the same UN peacekeeping
operation at some time in the year) and ``pko_shared_missions`` (the number of such operations).
State-years: ``pko_missions`` (operations the state had personnel in during the year) and
``pko_personnel`` (uniformed personnel deployed -- troops, police and military experts -- averaged over
the year's twelve month-ends).

Only peacekeeping operations count (UNIFIL, MONUSCO ...), as in the UN's own peacekeeping totals; pass
``political_missions=True`` to count the special political missions and support offices that report
uniformed personnel too (UNAMA, UNAMI, UNSOM ...). A contribution of 0 personnel is no contribution.

Coverage is by whole years: a year counts only when the source has all twelve month-ends, since a year
seen for three months could miss a deployment made in the other nine. Mission detail covers 2010-2013 (the
gender file starts in November 2009, the detail ends in March 2014); personnel totals cover 1991-2013.
Within them every state is covered (the UN lists every contributor every month): 0 where a state or pair
had none, missing outside.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import polars as pl

from detente.panels.cache import read_table
from detente.panels.citations import source_citation
from detente.panels.codebook import CodeBook, code_book
from detente.panels.pairs import PAIR_ORDER, STATE_ORDER, attach_symmetric, fill_covered, pair_counts
from detente.panels.panel import Panel
from detente.panels.sides import attach_per_state
from detente.panels.stored import read_source_rows
from detente.store.database import Store

if TYPE_CHECKING:
    from sqlalchemy import Select

__all__ = ["add_peacekeeping_codeployment", "contribution_years", "full_years"]

PEACEKEEPING = "un_pko"
"""The mission kind of UN peacekeeping operations (special political missions are ``un_spm``)."""


def full_years(months: pl.Series) -> tuple[int, int]:
    """The first and last year whose twelve months all appear in ``months`` (dates); (0, -1) if none."""
    counts = pl.DataFrame({"month": months}).select(
        pl.col("month").dt.year().alias("year"), pl.col("month").dt.month().alias("m")
    )
    full = counts.unique().group_by("year").len().filter(pl.col("len") == 12)["year"]
    return (int(full.min()), int(full.max())) if full.len() else (0, -1)  # type: ignore[arg-type]


def _contributions() -> tuple[Select[Any], Any]:
    from sqlalchemy import select

    from detente.panels.tables import contributions, missions

    contribution, mission = contributions.c, missions.c
    query = select(
        contribution.mission_id, contribution.state_id, contribution.valid_from, contribution.total, mission.kind
    )
    query = query.join_from(contributions, missions, mission.id == contribution.mission_id)
    return query, contribution.source_version_id


def contribution_years(store: Store, political_missions: bool) -> tuple[pl.DataFrame, tuple[int, int]]:
    """Contributions as ``mission``, ``state_id``, ``year`` (one row per month with personnel), and the
    whole years the mission detail covers."""
    schema = {"mission": pl.Int64, "state_id": pl.Int64, "month": pl.Date, "total": pl.Int64, "kind": pl.String}
    rows = pl.concat(
        read_source_rows(store, source, "contributions-v1", _contributions, schema)
        for source in ("ipi_peacekeeping_gender", "ipi_peacekeeping")
    )
    years = full_years(rows["month"])
    wanted = rows.filter(pl.col("total") > 0)
    if not political_missions:
        wanted = wanted.filter(pl.col("kind") == PEACEKEEPING)
    return wanted.select("mission", "state_id", pl.col("month").dt.year().cast(pl.Int64).alias("year")), years


def _personnel(store: Store, book: CodeBook, panel: Panel) -> pl.DataFrame:
    """Per (code, year): uniformed personnel averaged over twelve month-ends."""
    months = read_table(store, "ipi_peacekeeping", "contributor_months")
    months = months.with_columns(pl.col("date").dt.year().cast(pl.Int64).alias("year"))
    named, _ = book.names_to_states(months, column="contributor", year="year", out="state_id")
    coded = book.panel_code(named, state="state_id", year="year", system=panel.system, out="code")
    total = pl.sum_horizontal(
        pl.col("troops").fill_null(0), pl.col("police").fill_null(0), pl.col("experts").fill_null(0)
    )
    return coded.drop_nulls("code").group_by("code", "year").agg((total.sum() / 12.0).alias("pko_personnel"))


def _table(store: Store, book: CodeBook, panel: Panel, rows: pl.DataFrame) -> pl.DataFrame:
    """State-years: ``pko_missions`` and ``pko_personnel`` per (code, year); dyad-years: ``pko_shared_missions``
    and ``pko_codeployed`` per (code1, code2, year)."""
    rows = book.panel_code(rows, state="state_id", year="year", system=panel.system, out="code").drop_nulls("code")
    if panel.unit == "state_year":
        missions = rows.group_by("code", "year").agg(pl.col("mission").n_unique().cast(pl.Int64).alias("pko_missions"))
        return missions.join(_personnel(store, book, panel), on=["code", "year"], how="full", coalesce=True)
    pairs = pair_counts(rows, group="mission", code="code", out="pko_shared_missions")
    return pairs.with_columns(pl.lit(1, pl.Int64).alias("pko_codeployed"))


def add_peacekeeping_codeployment(panel: Panel, *, political_missions: bool = False) -> Panel:
    """Add ``pko_codeployed`` and ``pko_shared_missions`` (dyad-years) or ``pko_missions`` and
    ``pko_personnel`` (state-years): UN peacekeeping from the IPI Peacekeeping Database.

    The per-state or per-pair table is computed once per state of the store (audit head) and version of
    the IPI totals, then read from the columnar cache.
    """
    store = panel.require("add_peacekeeping_codeployment")
    book = code_book(store)
    rows, years = contribution_years(store, political_missions)
    cited = [source_citation(store, "ipi_peacekeeping"), source_citation(store, "ipi_peacekeeping_gender")]
    kinds = "all" if political_missions else PEACEKEEPING
    name = f"pko-{kinds}-{panel.unit}-{panel.system}-v1"
    if panel.unit == "state_year":
        months = ("ipi_peacekeeping", "contributor_months")
        build = partial(_table, store, book, panel, rows)
        table = book.cached(store, name, [months], build, domain_rows=True, order=STATE_ORDER)
        frame = attach_per_state(
            panel, table, "code", ["pko_missions", "pko_personnel"], "add_peacekeeping_codeployment"
        )
        frame = fill_covered(frame, ["pko_missions"], years)
        frame = fill_covered(frame, ["pko_personnel"], full_years(read_table(store, *months, columns=["date"])["date"]))
    else:
        build = partial(_table, store, book, panel, rows)
        pairs = book.cached(store, name, [], build, domain_rows=True, order=PAIR_ORDER)
        columns = ["pko_codeployed", "pko_shared_missions"]
        frame = fill_covered(attach_symmetric(panel, pairs, columns, "add_peacekeeping_codeployment"), columns, years)
    return panel.with_frame(frame, *cited, source_citation(store, "countrycode"))
