"""SIPRI trade registers (deal level) for the US, UK, France and Germany, and US TIV by recipient-year.

``deals`` (uk-, fr-, de-trade-register.csv; Latin-1; one row per deal)
    ``supplier``, ``recipient``, ``order_year``, ``number_ordered``, ``designation``, ``description``,
    ``number_delivered``, ``delivery_years`` (SIPRI's ";"-separated list, as text), ``status``,
    ``comments``, ``tiv_per_unit``, ``tiv_total_order``, ``tiv_delivered``, ``aid`` (the comments
    mention "aid": a military-aid delivery).
``us_deals`` (us-trade-register.csv; UTF-8 with BOM; older hand-cleaned layout)
    ``recipient`` (the layout puts each recipient on its own row above its deals; carried down),
    ``number_ordered``, ``designation``, ``description``, ``order_year``, ``delivery_years`` (text,
    e.g. "2011-2012"), ``number_delivered``, ``comments``, ``aid``, ``malformed``. Three rows of the
    file are shifted by a column (the "year" cell holds a description such as "helicopter"); they are
    kept with their text, flagged ``malformed`` and their numbers left null -- never silently dropped.
``us_tiv`` (us-arms-exports.csv, wide 1950-2020 reshaped long): ``recipient``, ``year``, ``tiv``;
    blank cells (no deliveries) give no row.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.rawtable import Col, Kind, RawTable

SUPPLIER_FILES = ("uk-trade-register.csv", "fr-trade-register.csv", "de-trade-register.csv")
_AID = r"(?i)\baid\b"


def _deals(path: Path) -> pl.DataFrame:
    return (
        read_csv(path, "latin-1")
        .typed(
            [
                Col("Supplier", "supplier"),
                Col("Recipient", "recipient"),
                Col("Year of order", "order_year", Kind.INT),
                Col("Number ordered", "number_ordered", Kind.INT),
                Col("Weapon designation", "designation"),
                Col("Weapon description", "description"),
                Col("Number delivered", "number_delivered", Kind.INT),
                Col("Year(s) of delivery", "delivery_years"),
                Col("status", "status"),
                Col("Comments", "comments"),
                Col("SIPRI TIV per unit", "tiv_per_unit", Kind.FLOAT),
                Col("SIPRI TIV for total order", "tiv_total_order", Kind.FLOAT),
                Col("SIPRI TIV of delivered weapons", "tiv_delivered", Kind.FLOAT),
            ]
        )
        .with_columns(pl.col("comments").str.contains(_AID).fill_null(False).alias("aid"))
    )


def _us_deals(table: RawTable) -> pl.DataFrame:
    raw = table.frame
    year = raw.get_column("year").str.strip_chars()
    malformed = year.is_not_null() & (year != "") & ~year.str.contains(r"^\d{4}$")
    shifted = ["ordered", "year", "delivered"]
    cleaned = RawTable(
        file=table.file,
        frame=raw.with_columns(pl.when(malformed).then(None).otherwise(pl.col(c)).alias(c) for c in shifted),
        lines=table.lines,
        header_line=table.header_line,
    )
    frame = cleaned.typed(
        [
            Col("country", "recipient"),
            Col("ordered", "number_ordered", Kind.INT),
            Col("weapon", "designation"),
            Col("weapon.des", "description"),
            Col("year", "order_year", Kind.INT),
            Col("years.delivered", "delivery_years"),
            Col("delivered", "number_delivered", Kind.INT),
            Col("comments"),
        ]
    ).with_columns(malformed.alias("malformed"), pl.Series("line", list(table.lines), dtype=pl.Int64))
    frame = frame.with_columns(
        pl.col("recipient").str.strip_chars().replace("", None).forward_fill(),
    )
    is_heading = pl.all_horizontal(
        pl.col(c).is_null() for c in ("number_ordered", "designation", "description", "order_year", "comments")
    )
    return (
        frame.filter(~is_heading)
        .with_columns(pl.col("comments").str.contains(_AID).fill_null(False).alias("aid"))
        .drop("line")
    )


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the four registers and the US TIV table."""
    deals = pl.concat([_deals(files[name]) for name in SUPPLIER_FILES])
    us_deals = _us_deals(read_csv(files["us-trade-register.csv"], "utf-8-sig"))
    tiv = read_csv(files["us-arms-exports.csv"], "utf-8")
    years = [c for c in tiv.frame.columns if c != "recipient"]
    wide = tiv.typed([Col("recipient"), *[Col(y, y, Kind.FLOAT) for y in years]])
    us_tiv = (
        wide.unpivot(index="recipient", variable_name="year", value_name="tiv")
        .drop_nulls("tiv")
        .with_columns(pl.col("year").cast(pl.Int64))
        .sort(["recipient", "year"])
    )
    return {"deals": deals, "us_deals": us_deals, "us_tiv": us_tiv}
