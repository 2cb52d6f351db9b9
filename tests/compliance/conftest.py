"""Fixtures for the compliance tests: a store with a few states, and a helper that imports evidence files.

Scenario tests write their evidence as real CSV or JSON files and import them through the same importer the
CLI uses, so every record passes the row checks and the audited writes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from detente.compliance.importer import ImportReport, import_evidence
from detente.compliance.packs import get_pack
from detente.compliance.service import evaluate
from detente.services.records import Records
from detente.sources.load import LOAD_ORDER
from detente.store.database import Store
from tests.conftest import BACKENDS, loaded_store

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

MIRROR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets").resolve()
DATES = [date(2018, 3, 1), date(2021, 1, 1), date(2022, 7, 1), date(2023, 3, 1)]
"""The as-of dates the New START findings are stored at (:func:`new_start`)."""


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


@pytest.fixture(scope="module", params=BACKENDS)
def new_start(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store with the crosswalk and the real New START declarations, evaluated and stored at DATES.

    Shared by the tests of this module (loading the sources takes a while); each leaves the stored findings
    equal to a full evaluation, as it found them."""
    with loaded_store(str(request.param), tmp_path_factory.mktemp("refresh"), (*LOAD_ORDER, "new_start")) as store:
        first = evaluate(store, treaty="new-start", as_of=DATES, actor="test")
        assert first.stored is not None and first.stored.created == first.findings.height > 0
        yield store
