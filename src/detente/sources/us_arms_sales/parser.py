"""US arms sales by recipient and year, 2000-2019: notifications, authorizations, deliveries (US$).

``sales`` (us-arms-sales.csv, wide with three columns per year, reshaped long: one row per recipient x
year) -- ``country``, ``year``, ``notifications_usd``, ``authorizations_usd``, ``deliveries_usd``.

The header repeats each year three times; as in the replication code (us-ally-elec.R) the first is
notifications, the second (R's ``<year>.1``) authorizations, the third (``<year>.2``) deliveries.
Values are dollar strings such as "$14,872,260 "; blank is no record (null), "$0" is zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.rawtable import Col, Kind, RawTable

FILE = "us-arms-sales.csv"
MEASURES = {"": "notifications_usd", ".1": "authorizations_usd", ".2": "deliveries_usd"}


def _dollars(table: RawTable, column: str, out: str) -> pl.Series:
    text = table.frame.get_column(column).str.replace_all(r"[$,\s]", "")
    return table.cast_series(text, Col(column, out, Kind.FLOAT)).alias(out)


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the wide sales sheet into the long ``sales`` table."""
    table = read_csv(files[FILE], "utf-8")
    table.require(["country"])
    years = sorted({c.split(".")[0] for c in table.frame.columns if c != "country"})
    frames = []
    for year in years:
        columns = {out: _dollars(table, f"{year}{suffix}", out) for suffix, out in MEASURES.items()}
        frames.append(
            pl.DataFrame([table.frame.get_column("country"), *columns.values()]).with_columns(
                pl.lit(int(year)).alias("year")
            )
        )
    sales = pl.concat(frames).select("country", "year", *MEASURES.values())
    return {"sales": sales.sort(["country", "year"])}
