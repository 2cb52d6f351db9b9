"""IPI Peacekeeping Database, gender file: contributor x mission x month with women and men.

``contributor_mission_months`` (contributor_mission_month_gender_2009-11_2014-02.csv)
    ``date`` (month-end), ``contributor``, ``contributor_iso3``, ``mission``, then for each personnel
    type -- ``individual_police``, ``formed_police_units``, ``experts_on_mission``, ``troops``,
    ``total`` -- three counts: ``<type>_male``, ``<type>_female``, ``<type>_total``.

The file's first column is an R row index (header ``""``) and is dropped. IPI's pipeline wrote some zero
contributions as NA; they are read as null ("not reported"), not as 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.rawtable import Col, Kind, snake_case

FILE = "contributor_mission_month_gender_2009-11_2014-02.csv"
_TYPES = ("Individual Police", "Formed Police Units", "Experts on Mission", "Troops", "Total")


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the gender file into ``contributor_mission_months``."""
    table = read_csv(files[FILE], "utf-8")
    counts = [
        Col(f"{kind} {sex}", snake_case(f"{kind} {sex}"), Kind.INT)
        for kind in _TYPES
        for sex in ("Male", "Female", "Total")
    ]
    frame = table.typed(
        [
            Col("Date", "date", Kind.DATE),
            Col("Contributor", "contributor"),
            Col("Contributor ISO-3", "contributor_iso3"),
            Col("Mission", "mission"),
            *counts,
        ]
    )
    return {"contributor_mission_months": frame}
