"""Our World in Data: nuclear weapons stockpiles, tests, proliferation status, BWC/CWC status.

All tables are country-year with ``country_name`` (OWID's English names; no codes) and ``year``:

``nuclear_stockpiles``: ``nuclear_weapons_stockpile`` (FAS estimates), 1945-2023.
``nuclear_tests``: ``nuclear_weapons_tests`` (Arms Control Association), 1945-2019.
``nuclear_proliferation``: ``nuclear_weapons_status`` (0 not considering, 1 considering, 2 pursuing,
    3 possessing) and its dummies ``nuclear_weapons_consideration``/``_pursuit``/``_possession``
    (Bleek 2017 + NTI 2022), 1938-2022.
``nuclear_inventories``: 2022-2023 inventories by status (deployed strategic / non-strategic, reserve,
    retired, total).
``bio_chem_weapons``: 2022 status of biological and chemical weapons programmes and conventions
    (text status plus ``*_num`` codes).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.rawtable import Col, Kind

FILES = {
    "nuclear_stockpiles": "nuclear/nuclear_weapons_stockpiles.csv",
    "nuclear_tests": "nuclear/nuclear_weapons_tests_states.csv",
    "nuclear_proliferation": "nuclear/nuclear_weapons_proliferation_owid.csv",
    "nuclear_inventories": "nuclear/nuclear_weapons_inventories.csv",
    "bio_chem_weapons": "bio_chem/biological_chemical_weapons_proliferation_owid.csv",
}


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse each OWID country-year file (see the module docstring)."""
    key = [Col("country_name"), Col("year", kind=Kind.INT)]
    return {name: read_csv(files[path], "utf-8").typed(key, rest=Kind.AUTO) for name, path in FILES.items()}
