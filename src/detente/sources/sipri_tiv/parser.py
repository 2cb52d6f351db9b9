"""SIPRI TIV (trend-indicator values, millions) by supplier, recipient and year, 1950-2021.

``tiv`` (sipri-exports-processed.csv, one row per supplier x recipient x year with deliveries)
    ``supplier``, ``recipient`` (SIPRI names; non-state and unknown parties included, e.g.
    "Unknown supplier(s)", "United Nations**"), ``year``, ``tiv`` (millions), ``tiv_under_half`` (SIPRI
    wrote "0": deliveries worth between 0 and 0.5 million TIV), ``supplier_cown``/``recipient_cown``
    (COW numbers added by 360info; null for non-state parties), ``supplier_lon``/``_lat``,
    ``recipient_lon``/``_lat`` (centroids, for maps).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.rawtable import Col, Kind

FILE = "sipri-exports-processed.csv"


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the tidy TIV table."""
    frame = read_csv(files[FILE], "utf-8").typed(
        [
            Col("supplier"),
            Col("recipient"),
            Col("year", kind=Kind.INT),
            Col("value", "tiv", Kind.FLOAT),
            Col("supplier_cown", kind=Kind.INT),
            Col("recipient_cown", kind=Kind.INT),
            Col("supplier_lon", kind=Kind.FLOAT),
            Col("supplier_lat", kind=Kind.FLOAT),
            Col("recipient_lon", kind=Kind.FLOAT),
            Col("recipient_lat", kind=Kind.FLOAT),
        ]
    )
    return {"tiv": frame.with_columns((pl.col("tiv") == 0).alias("tiv_under_half"))}
