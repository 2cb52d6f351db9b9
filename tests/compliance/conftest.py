"""Fixtures for the compliance tests: a store with a few states, and a helper that imports evidence files.

Scenario tests write their evidence as real CSV or JSON files and import them through the same importer the
CLI uses, so every record passes the row checks and the audited writes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from detente.compliance.importer import ImportReport, import_evidence
from detente.compliance.packs import get_pack
from detente.services.records import Records
from detente.store.database import Store

STATES = {
    "USA": "United States of America",
    "RUS": "Russia",
    "DEU": "Germany",
    "FRA": "France",
    "POL": "Poland",
    "SAU": "Saudi Arabia",
    "JPN": "Japan",
    "GBR": "United Kingdom",
}

Importer = Callable[..., ImportReport]


@pytest.fixture
def world(store: Store) -> Store:
    """A new store (per backend) holding the states the scenarios name."""
    records = Records(store)
    for iso3, name in STATES.items():
        records.create("state", {"name": name, "iso3": iso3}, actor="test")
    return store


def write_file(path: Path, rows: list[dict[str, Any]] | dict[str, list[dict[str, Any]]]) -> Path:
    """Write rows as CSV (a list, every key a column) or JSON (by the file's suffix)."""
    if path.suffix == ".json":
        path.write_text(json.dumps(rows), encoding="utf-8")
        return path
    assert isinstance(rows, list)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def put(world: Store, tmp_path: Path) -> Importer:
    """``put(treaty, type, rows, as_of=...)``: write a CSV of the rows and import it into ``world``."""
    counter = iter(range(1_000_000))

    def importer(treaty: str, evidence_type: str, rows: list[dict[str, Any]], as_of: date) -> ImportReport:
        path = write_file(tmp_path / f"{evidence_type}-{next(counter)}.csv", rows)
        return import_evidence(world, path, get_pack(treaty), evidence_type=evidence_type, as_of=as_of, actor="test")

    return importer
