"""UCDP: armed conflicts, dyads, peace agreements and conflict termination.

Codes are Gleditsch-Ward numbers. Where a side has several states, ``gwno_a``/``gwno_b``/``gwno_loc`` are
comma-separated lists (text, e.g. "2, 200"); split them when mapping. Dates are ISO with ``*_prec``
precision codes.

``conflict_years`` (ucdp-prio-acd-251.csv, UCDP/PRIO Armed Conflict Dataset 25.1, conflict-year):
    ``conflict_id``, ``location``, ``side_a``/``side_b`` (+ ids, 2nd sides), ``incompatibility``,
    ``territory_name``, ``year``, ``intensity_level`` (1 = 25-999, 2 = 1000+ battle deaths),
    ``cumulative_intensity``, ``type_of_conflict`` (1 extrasystemic, 2 interstate, 3 intrastate,
    4 internationalized intrastate), ``start_date``, ``start_date2``, ``ep_end``, ``ep_end_date``,
    ``gwno_*``, ``region``, ``version``.
``dyad_years`` (ucdp-dyadic-251.csv, UCDP Dyadic 25.1): the same per ``dyad_id``.
``peace_agreements`` (ucdp-peace-agreements-221.xlsx, v22.1): ``paid``, ``pa_name``, ``pa_date``,
    ``year``, ``gwno``, ``conflict_id``, ``dyad_id``, ``pa_type`` (1 full, 2 partial, 3 peace
    process), provision dummies (``cease``, ``intarmy``, ``ddr``, ``withd``, ``mil_prov``, ``pko``,
    ``amn``, ``recon``, ``ref``, ``return`` ...). The source's headers "ref " and "return " carry a
    trailing space; they are read by their exact names and output without it.
``termination_conflicts`` / ``termination_dyads`` (ucdp-term-*-3-2021.xlsx, Conflict Termination
    3-2021): episodes with ``confterm``/``dyadterm``, ``ependdate`` ("." = no end -> null;
    ``cfiredate``/``peagdate`` stay text: some hold several dated entries),
    ``outcome`` (1-6), ``recur`` and the conflict/dyad attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.rawtable import NA_TOKENS, Col, Kind, RawTable
from detente.sources.workbook import read_sheet

_GW_LISTS = [Col(c) for c in ("gwno_a", "gwno_a_2nd", "gwno_b", "gwno_b_2nd", "gwno_loc")]
_MISSING = NA_TOKENS | {"."}


def _dates(*names: str) -> list[Col]:
    return [Col(n, kind=Kind.DATE, nulls=_MISSING) for n in names]


def _conflicts(table: RawTable, keys: list[Col], extra_dates: tuple[str, ...]) -> pl.DataFrame:
    present = [c for c in [*_GW_LISTS, Col("version")] if c.source in table.frame.columns]
    return table.typed(
        [
            *keys,
            Col("year", kind=Kind.INT),
            *present,
            Col("region"),
            *_dates("start_date", "start_date2", *extra_dates),
        ],
        rest=Kind.AUTO,
        rest_nulls=_MISSING,
    )


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the five UCDP files (see the module docstring)."""
    conflict_id = Col("conflict_id", kind=Kind.INT)
    conflict_years = _conflicts(read_csv(files["ucdp-prio-acd-251.csv"], "utf-8"), [conflict_id], ("ep_end_date",))
    dyad_years = _conflicts(
        read_csv(files["ucdp-dyadic-251.csv"], "utf-8"), [Col("dyad_id", kind=Kind.INT), conflict_id], ()
    )
    agreements = read_sheet(files["ucdp-peace-agreements-221.xlsx"], "Dataset").typed(
        [
            Col("paid", kind=Kind.INT),
            Col("pa_name"),
            Col("year", kind=Kind.INT),
            *_dates("pa_date"),
            Col("gwno"),
            Col("conflict_id"),
            Col("dyad_id"),
            Col("pa_type", kind=Kind.INT),
            Col("ref ", "ref", Kind.INT),
            Col("return ", "return", Kind.INT),
        ],
        rest=Kind.AUTO,
        rest_nulls=_MISSING,
    )
    term_conflicts = _conflicts(
        read_sheet(files["ucdp-term-acd-3-2021.xlsx"], "dataset"),
        [Col("conflictep_id", kind=Kind.INT), conflict_id],
        ("ependdate",),
    )
    term_dyads = _conflicts(
        read_sheet(files["ucdp-term-dyad-3-2021.xlsx"], "dataset"),
        [Col("dyadep_id", kind=Kind.INT), Col("dyad_id", kind=Kind.INT), conflict_id],
        ("ependdate",),
    )
    return {
        "conflict_years": conflict_years,
        "dyad_years": dyad_years,
        "peace_agreements": agreements,
        "termination_conflicts": term_conflicts,
        "termination_dyads": term_dyads,
    }
