"""SIPRI Arms Transfers Database trade register (all suppliers; deliveries 1995-2024).

``transfers`` (trade_register_1995_2025.csv, one row per deal x delivery year)
    ``deal_id`` (SIPRI AT Database ID; 12,571 deals), ``supplier``, ``recipient`` (SIPRI's English
    names, e.g. "Turkiye", "UAE", "unknown supplier(s)", non-state actors marked with ``*``/``**``),
    ``designation``, ``description``, ``armament_category``, ``order_year``, ``order_year_estimated``,
    ``numbers_delivered``, ``numbers_delivered_estimated``, ``delivery_year``,
    ``delivery_year_estimated``, ``status`` (New | Second hand | Second hand but modernized),
    ``sipri_estimate`` (SIPRI's unit TIV for a new item), ``tiv_deal_unit`` (unit TIV in this deal;
    second-hand items are valued lower), ``tiv_delivered`` (TIV of this year's deliveries, millions),
    ``local_production``.

Layout quirks handled: 11 preamble lines of notes above the header, and every line ends with ";"
(stripped). SIPRI writes TIV "0" for values between 0 and 0.5 million; such a value is kept as 0 and
flagged in ``tiv_delivered_under_half``. TIVs measure the military resource transferred, not money.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.rawtable import Col, Kind

FILE = "trade_register_1995_2025.csv"
PREAMBLE_LINES = 11


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the SIPRI trade register export."""
    table = read_csv(files[FILE], "utf-8", skip_lines=PREAMBLE_LINES, line_suffix=";")
    frame = table.typed(
        [
            Col("SIPRI AT Database ID", "deal_id", Kind.INT),
            Col("Supplier", "supplier"),
            Col("Recipient", "recipient"),
            Col("Designation", "designation"),
            Col("Description", "description"),
            Col("Armament category", "armament_category"),
            Col("Order date", "order_year", Kind.INT),
            Col("Order date is estimate", "order_year_estimated", Kind.BOOL),
            Col("Numbers delivered", "numbers_delivered", Kind.INT),
            Col("Numbers delivered is estimate", "numbers_delivered_estimated", Kind.BOOL),
            Col("Delivery year", "delivery_year", Kind.INT),
            Col("Delivery year is estimate", "delivery_year_estimated", Kind.BOOL),
            Col("Status", "status"),
            Col("SIPRI estimate", "sipri_estimate", Kind.FLOAT),
            Col("TIV deal unit", "tiv_deal_unit", Kind.FLOAT),
            Col("TIV delivery values", "tiv_delivered", Kind.FLOAT),
            Col("Local production", "local_production", Kind.BOOL),
        ]
    )
    return {"transfers": frame.with_columns((pl.col("tiv_delivered") == 0).alias("tiv_delivered_under_half"))}
