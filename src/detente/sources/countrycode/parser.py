"""countrycode (R package, v1.8.0 dictionaries): country-code crosswalks, flat and by year.

Tables (column names are the package's, snake_cased: ``country.name.en`` -> ``country_name_en``):

``panel`` (countrycode_codelist_panel.csv, one row per country-year, 1776-2024)
    ``country_name_en``, ``year`` and every code valid in that year: ``cowc``/``cown`` (COW letters /
    number), ``gwc``/``gwn`` (Gleditsch-Ward), ``iso3c``, ``iso2c``, ``iso3n``, ``p4n``, ``vdem``, ``un``,
    ``wb``, ``imf`` ... and the regular expressions (``country_name_en_regex``) that match names.
    This is the table a year-valid crosswalk is built from: historical codes differ by year.
``codelist`` (countrycode_codelist_without_cldr.csv, one row per country, current codes)
    the same code columns plus official names (``cow_name``, ``iso_name_en``, ``un_name_en`` ...).
``cow_dictionary`` (countrycode_dictionary_data_cow.csv): ``country``, ``cowc``, ``cown``, ``cow_name``,
    ``year`` -- the COW state list by year used by the package.

Text codes keep ``"NA"``: it is Namibia's ISO2 code (``iso2c``), not a missing value; blanks are missing.
Numeric codes are integers (the panel writes them as ``516.0``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.rawtable import Col, Kind

_TEXT_CODES = [
    Col("iso2c"),
    Col("iso3c"),
    Col("cowc"),
    Col("gwc"),
]


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the three countrycode CSVs (see the module docstring)."""
    panel = read_csv(files["countrycode_codelist_panel.csv"], "utf-8").typed(
        [
            Col("country.name.en"),
            Col("year", kind=Kind.INT),
            *_TEXT_CODES,
            Col("cown", kind=Kind.INT),
            Col("gwn", kind=Kind.INT),
            Col("iso3n", kind=Kind.INT),
        ],
        rest=Kind.AUTO,
    )
    codelist = read_csv(files["countrycode_codelist_without_cldr.csv"], "utf-8").typed(
        [
            Col("country.name.en"),
            *_TEXT_CODES,
            Col("cown", kind=Kind.INT),
            Col("gwn", kind=Kind.INT),
            Col("iso3n", kind=Kind.INT),
        ],
        rest=Kind.AUTO,
    )
    cow = read_csv(files["countrycode_dictionary_data_cow.csv"], "utf-8").typed(
        [
            Col("country"),
            Col("cowc"),
            Col("cown", kind=Kind.INT),
            Col("cow.name"),
            Col("year", kind=Kind.INT),
        ]
    )
    return {"panel": panel, "codelist": codelist, "cow_dictionary": cow}
