"""SIPRI arms transfers on dyad-years and state-years: trend-indicator values (TIV) delivered.

SIPRI's TIV measures the military resource a delivery of major conventional arms transfers, in millions
of TIV (not money: a used frigate is valued below a new one whatever its price). Two sources, chosen with
``source``:

``"tiv"`` (default)
    SIPRI's supplier x recipient x year table (``sipri_tiv``, data generated July 2022): deliveries
    1950-2021.
``"register"``
    the SIPRI trade register (``sipri_register``, March 2025 release) as the store's ``arms_transfers``,
    summed over deals: deliveries 1995-2024. A later release, so its TIVs for a year can differ a little
    from the table's.

Columns. Dyad-years: ``tiv12`` (TIV delivered from the row's first state to its second that year), ``tiv21``
(from the second to the first), and ``arms12`` / ``arms21``: 1 when SIPRI records any delivery that way,
even one SIPRI rounds to a TIV of 0 (worth under 0.5 million), so "no transfer" and "a small transfer"
stay apart. State-years: ``tiv_exports`` and ``tiv_imports``, everything the state delivered or received,
whoever was on the other side (organisations, rebel groups, "unknown recipient(s)" included, as SIPRI's
own totals include them).

Coverage. SIPRI records every state's deliveries in its years, so within them a pair or state without
one gets 0; before and after them the value is missing.

Names. SIPRI names states ("Soviet Union", "Viet Nam", "Turkiye"); they are matched to states by the
store's crosswalk in the delivery year (see :mod:`detente.panels.codebook`). The COW numbers the TIV
table carries are not used: 360info left Serbia without one and gave rebel groups their country's code
("Houthi rebels (Yemen)*" as 679), which would count arms delivered to rebels as arms delivered to
their government. Organisations, rebel groups and unknown parties reach no dyad.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from detente.panels.cache import read_table
from detente.panels.citations import source_citation
from detente.panels.codebook import CodeBook, code_book
from detente.panels.pairs import DIRECTED_ORDER, STATE_ORDER, attach_directed, fill_covered
from detente.panels.panel import Panel
from detente.panels.sides import attach_per_state
from detente.panels.stored import read_source_rows
from detente.store.database import Store

if TYPE_CHECKING:
    from sqlalchemy import Select

__all__ = ["ARMS_STATE_COLUMNS", "ARMS_YEARS", "add_arms_transfers"]

ArmsSource = Literal["tiv", "register"]
ARMS_YEARS: dict[str, tuple[int, int]] = {"tiv": (1950, 2021), "register": (1995, 2024)}
"""Delivery years each source covers."""
ARMS_STATE_COLUMNS = ["tiv_exports", "tiv_imports"]
_SOURCE = {"tiv": "sipri_tiv", "register": "sipri_register"}


def deliveries(store: Store, book: CodeBook, source: ArmsSource) -> pl.DataFrame:
    """Every recorded delivery: ``supplier_id``, ``recipient_id`` (``states.id`` or null), ``year``, ``tiv``."""
    if source == "tiv":
        table = read_table(store, "sipri_tiv", "tiv").select("supplier", "recipient", "year", "tiv")
        table, _ = book.names_to_states(table, column="supplier", year="year", out="supplier_id")
        table, _ = book.names_to_states(table, column="recipient", year="year", out="recipient_id")
        return table.select("supplier_id", "recipient_id", "year", "tiv")
    schema = {"supplier_id": pl.Int64, "recipient_id": pl.Int64, "year": pl.Int64, "tiv": pl.Float64}
    return read_source_rows(store, "sipri_register", "transfers-v1", _register_transfers, schema)


def _register_transfers() -> tuple[Select[Any], Any]:
    from sqlalchemy import select

    from detente.panels.tables import arms_transfers

    transfers = arms_transfers.c
    query = select(
        transfers.supplier_state_id, transfers.recipient_state_id, transfers.delivery_year, transfers.tiv_delivered
    )
    return query, transfers.source_version_id


def _totals(book: CodeBook, rows: pl.DataFrame, side: str, out: str, panel: Panel) -> pl.DataFrame:
    coded = book.panel_code(rows, state=side, year="year", system=panel.system, out="code")
    return coded.drop_nulls("code").group_by("code", "year").agg(pl.col("tiv").sum().alias(out))


def _state_table(store: Store, book: CodeBook, source: ArmsSource, panel: Panel) -> pl.DataFrame:
    """Per (code, year): ``tiv_exports`` and ``tiv_imports``."""
    rows = deliveries(store, book, source)
    exports = _totals(book, rows, "supplier_id", "tiv_exports", panel)
    imports = _totals(book, rows, "recipient_id", "tiv_imports", panel)
    return exports.join(imports, on=["code", "year"], how="full", coalesce=True)


def _dyad_table(store: Store, book: CodeBook, source: ArmsSource, panel: Panel) -> pl.DataFrame:
    """Per (source, target, year) of panel codes: ``tiv`` delivered and ``arms`` (1)."""
    rows = deliveries(store, book, source)
    coded = book.panel_code(rows, state="supplier_id", year="year", system=panel.system, out="source")
    coded = book.panel_code(coded, state="recipient_id", year="year", system=panel.system, out="target")
    return (
        coded.drop_nulls(["source", "target"])
        .group_by("source", "target", "year")
        .agg(pl.col("tiv").sum(), pl.lit(1, pl.Int64).alias("arms"))
    )


def add_arms_transfers(panel: Panel, *, source: ArmsSource = "tiv") -> Panel:
    """Add SIPRI TIV delivered (``tiv12``, ``tiv21``, ``arms12``, ``arms21``; state-years ``tiv_exports``,
    ``tiv_imports``) to a COW or G-W panel; ``source`` is ``"tiv"`` (1950-2021) or ``"register"`` (1995-2024).

    The per-state or per-pair table is computed once per version of its inputs (the SIPRI table or the
    register's transfers, and the crosswalk) and then read from the columnar cache
    (:meth:`detente.panels.codebook.CodeBook.cached`).
    """
    store = panel.require("add_arms_transfers")
    if source not in ARMS_YEARS:
        raise ValueError(f"source must be 'tiv' (SIPRI TIV table) or 'register' (SIPRI trade register), not {source!r}")
    book = code_book(store)
    years = ARMS_YEARS[source]
    inputs = [("sipri_tiv", "tiv")] if source == "tiv" else []
    name = f"arms-{source}-{panel.unit}-{panel.system}-v1"
    register = source == "register"
    if panel.unit == "state_year":
        build = partial(_state_table, store, book, source, panel)
        table = book.cached(store, name, inputs, build, domain_rows=register, order=STATE_ORDER)
        frame = attach_per_state(panel, table, "code", ARMS_STATE_COLUMNS, "add_arms_transfers")
        frame = fill_covered(frame, ARMS_STATE_COLUMNS, years)
    else:
        build = partial(_dyad_table, store, book, source, panel)
        dyads = book.cached(store, name, inputs, build, domain_rows=register, order=DIRECTED_ORDER)
        frame, added = attach_directed(panel, dyads, ["tiv", "arms"], "add_arms_transfers")
        frame = fill_covered(frame, added, years)
    cited = (source_citation(store, _SOURCE[source]), source_citation(store, "countrycode"))
    return panel.with_frame(frame, *cited)
