"""DCAD v1.0 (Defense Cooperation Agreement Dataset): bilateral defence cooperation agreements 1980-2010.

Table ``agreements`` (DCAD-v1.0-main.csv, one row per agreement):

``dca_id`` (``DCADv1.0-0001`` ...; not contiguous), ``ccode1``/``cow_name1`` and ``ccode2``/``cow_name2``
(COW number and letters of the two parties), ``sign_year``/``sign_month``/``sign_day`` and ``sign_date``,
``eif_year``/``eif_month``/``eif_day`` and ``eif_date`` (entry into force), ``type`` (general | sector),
``category1``..``category3`` (DCA, DIC = defence-industrial cooperation, TREX = training and exercises,
PROCUREMENT, COMMISSION, RESEARCH), ``span``, ``renew_type``, ``renew_years``, ``terminated``,
``duration_actual``, ``end_year_estimate``, ``asymmetry``, ``category_conf``, ``unts``, ``full_text``,
``source_type``, ``source``, ``factiva_conf``, ``factiva_sign``, ``factiva_eif``.

DCAD codes "no value" with negative numbers (-44 ... -99, defined in the codebook). They are never
numbers: in ``span``, ``renew_type``, ``renew_years``, ``terminated`` and ``factiva_sign`` a negative is
null, and the code itself is kept in ``<column>_code`` so that no distinction is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.dates import date_from_parts
from detente.sources.rawtable import Col, Kind

_SENTINEL_COLUMNS = {
    "span": "span",
    "renewType": "renew_type",
    "renewYears": "renew_years",
    "terminated": "terminated",
    "factivaSign": "factiva_sign",
}


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse DCAD-v1.0-main.csv into the ``agreements`` table."""
    table = read_csv(files["DCAD-v1.0-main.csv"], "utf-8")
    cols = [
        Col("DCAid", "dca_id"),
        Col("ccode1", kind=Kind.INT),
        Col("cowName1", "cow_name1"),
        Col("ccode2", kind=Kind.INT),
        Col("cowName2", "cow_name2"),
        Col("signYear", kind=Kind.INT),
        Col("signMonth", kind=Kind.INT),
        Col("signDay", kind=Kind.INT),
        Col("EIFYear", "eif_year", Kind.INT),
        Col("EIFMonth", "eif_month", Kind.INT),
        Col("EIFDay", "eif_day", Kind.INT),
        Col("type"),
        Col("category1"),
        Col("category2"),
        Col("category3"),
        *[Col(raw, out, Kind.INT, negative_null=True) for raw, out in _SENTINEL_COLUMNS.items()],
        Col("durationActual", kind=Kind.INT),
        Col("endYearEstimate", kind=Kind.INT),
        Col("asymmetry", kind=Kind.INT),
        Col("UNTS", "unts"),
    ]
    frame = table.typed(cols, rest=Kind.AUTO)
    codes = pl.DataFrame([table.cast(Col(raw, f"{out}_code", Kind.INT)) for raw, out in _SENTINEL_COLUMNS.items()])
    frame = frame.with_columns(codes.select(pl.when(pl.all() < 0).then(pl.all()).name.keep()).get_columns())
    frame = frame.with_columns(
        date_from_parts(
            table,
            frame,
            ("sign_year", "sign_month", "sign_day"),
            ("signYear", "signMonth", "signDay"),
            "sign_date",
        ),
        date_from_parts(
            table, frame, ("eif_year", "eif_month", "eif_day"), ("EIFYear", "EIFMonth", "EIFDay"), "eif_date"
        ),
    )
    return {"agreements": frame}
