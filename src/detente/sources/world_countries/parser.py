"""mledoze "world-countries" 5.1.0: ISO codes, names, capitals, regions, centroids, land borders.

``countries`` (countries.csv, one row per country or territory; 250 rows)
    ``cca2`` (ISO 3166-1 alpha-2: ``"NA"`` is Namibia, never missing), ``ccn3`` (ISO numeric, text
    with leading zeros as published), ``cca3`` (ISO3), ``cioc``, ``name_common``, ``name_official``,
    ``independent``, ``status``, ``un_member``, ``capital``, ``region``, ``subregion``, ``latlng``,
    ``area``, ``borders`` (comma-separated cca3 list) and the remaining columns (translations ...) as
    text. Not a COW/G-W crosswalk.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.rawtable import Col, Kind

FILE = "countries.csv"


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the countries table."""
    frame = read_csv(files[FILE], "utf-8").typed(
        [
            Col("cca2"),
            Col("ccn3"),
            Col("cca3"),
            Col("cioc"),
            Col("name.common", "name_common"),
            Col("name.official", "name_official"),
            Col("independent", kind=Kind.BOOL),
            Col("unMember", "un_member", Kind.BOOL),
            Col("region"),
            Col("subregion"),
        ],
        rest=Kind.STR,
    )
    return {"countries": frame}
