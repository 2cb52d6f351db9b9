"""US foreign aid by country, transaction type and fiscal year (ForeignAssistance.gov summary).

``aid`` (us_foreign_aid_country.csv, one row per country x transaction type x fiscal year)
    ``country_code`` (ISO3, plus aggregates such as world regions), ``country_name``, ``region_id``,
    ``region_name``, ``income_group_acronym``, ``income_group_name``, ``transaction_type_id``,
    ``transaction_type_name`` (Obligations, Disbursements, ...), ``fiscal_year`` (text as published:
    "1976tq" is the 1976 transition quarter), ``year`` (its integer year), ``transition_quarter``,
    ``current_amount`` and ``constant_amount`` (US$; the constant base year is not stated).

Totals only: the file does not split economic from military assistance.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.rawtable import Col, Kind

FILE = "us_foreign_aid_country.csv"


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the country summary."""
    table = read_csv(files[FILE], "utf-8")
    frame = table.typed(
        [
            Col("Country Code", "country_code"),
            Col("Country Name", "country_name"),
            Col("Region ID", "region_id", Kind.INT),
            Col("Region Name", "region_name"),
            Col("Income Group Acronym", "income_group_acronym"),
            Col("Income Group Name", "income_group_name"),
            Col("Transaction Type ID", "transaction_type_id", Kind.INT),
            Col("Transaction Type Name", "transaction_type_name"),
            Col("Fiscal Year", "fiscal_year"),
            Col("current_amount", kind=Kind.FLOAT),
            Col("constant_amount", kind=Kind.FLOAT),
        ]
    )
    tq = frame.get_column("fiscal_year").str.to_lowercase().str.ends_with("tq")
    year = table.cast_series(
        frame.get_column("fiscal_year").str.replace(r"(?i)tq$", ""), Col("Fiscal Year", "year", Kind.INT)
    )
    return {"aid": frame.with_columns(year.alias("year"), tq.alias("transition_quarter"))}
