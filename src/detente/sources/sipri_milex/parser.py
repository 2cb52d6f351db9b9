"""SIPRI Military Expenditure Database, "Current US$" sheet (millions of current US dollars).

``milex`` (sipri-milex-data.csv, reshaped from wide to long: one row per country x year with data)
    ``country`` (SIPRI's name, e.g. "USA", "Korea, South"; no codes), ``year``, ``milex_usd_m``
    (current US$ millions -- not thousands as in COW NMC).

A blank or a single space means "no data" and yields no row (never 0). The file is Latin-1.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.rawtable import Col, Kind

FILE = "sipri-milex-data.csv"


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the wide SIPRI milex sheet into the long ``milex`` table."""
    table = read_csv(files[FILE], "latin-1")
    years = [c for c in table.frame.columns if c != "Country"]
    wide = table.typed([Col("Country", "country"), *[Col(y, y, Kind.FLOAT) for y in years]])
    long = wide.unpivot(index="country", variable_name="year", value_name="milex_usd_m")
    return {
        "milex": long.drop_nulls("milex_usd_m").with_columns(pl.col("year").cast(pl.Int64)).sort(["country", "year"])
    }
