"""troopdata (Michael A. Flynn): US military personnel abroad, bases, construction spending, visits.

``deployments`` (troopdata-rebuild-country-year.csv, DMDC country-year 1950-2024)
    ``countryname``, ``year``, ``ccode`` (COW), ``iso3c`` (``"NA"`` is missing: ISO3 has no such
    code), ``region``, ``troops_ad`` (active duty) and by service (``army_ad``, ``navy_ad``,
    ``air_force_ad``, ``marine_corps_ad``, ``coast_guard_ad``, ``space_force_ad``), guard and reserve
    components, civilians (``*_civilian``).
``bases`` (basedata.csv, Latin-1): ``countryname``, ``ccode``, ``iso3c``, ``basename``, ``lat``,
    ``lon``, ``base``/``lilypad``/``fundedsite`` (0/1).
``construction`` (builddata.csv): ``countryname``, ``ccode``, ``iso3c``, ``year``, ``location``,
    ``lat``, ``lon``, ``spend_construction`` (US military construction abroad).
``visits`` (visits.xls): visits abroad 1992-2012 by US service secretaries, the Marine Corps
    commandant, PACOM and STRATCOM commanders -- ``title``, ``name``, ``start_day``/``_month``/``_year``
    and ``start_date``, ``end_*`` and ``end_date``, ``city_visited``, ``state_visited`` (ISO3).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.dates import date_from_parts
from detente.sources.rawtable import NA_TOKENS, Col, Kind
from detente.sources.workbook import read_sheet

_ISO3 = Col("iso3c", nulls=NA_TOKENS)


def _visits(path: Path) -> pl.DataFrame:
    table = read_sheet(path, "Sheet1")
    parts = [
        Col(f"{edge} {unit}", f"{edge.lower()}_{unit.lower()}", Kind.INT)
        for edge in ("Start", "End")
        for unit in ("Year", "Month", "Day")
    ]
    frame = table.typed(
        [Col("Title", "title"), Col("Name", "name"), *parts, Col("City Visited", "city_visited"),
         Col("State Visit", "state_visited")]
    )  # fmt: skip
    for edge in ("Start", "End"):
        low = edge.lower()
        frame = frame.with_columns(
            date_from_parts(
                table,
                frame,
                (f"{low}_year", f"{low}_month", f"{low}_day"),
                (f"{edge} Year", f"{edge} Month", f"{edge} Day"),
                f"{low}_date",
            )
        )
    return frame


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the troopdata files (see the module docstring)."""
    deployments = read_csv(files["troopdata-rebuild-country-year.csv"], "utf-8").typed(
        [Col("countryname"), Col("year", kind=Kind.INT), Col("ccode", kind=Kind.INT), _ISO3, Col("region")],
        rest=Kind.INT,
    )
    bases = read_csv(files["basedata.csv"], "latin-1").typed(
        [Col("countryname"), Col("ccode", kind=Kind.INT), _ISO3, Col("basename"),
         Col("lat", kind=Kind.FLOAT), Col("lon", kind=Kind.FLOAT)],
        rest=Kind.INT,
    )  # fmt: skip
    construction = read_csv(files["builddata.csv"], "utf-8").typed(
        [Col("countryname"), Col("ccode", kind=Kind.INT), _ISO3, Col("year", kind=Kind.INT), Col("location"),
         Col("lat", kind=Kind.FLOAT), Col("lon", kind=Kind.FLOAT), Col("spend_construction", kind=Kind.FLOAT)]
    )  # fmt: skip
    return {
        "deployments": deployments,
        "bases": bases,
        "construction": construction,
        "visits": _visits(files["visits.xls"]),
    }
