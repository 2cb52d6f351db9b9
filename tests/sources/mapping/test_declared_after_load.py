"""Every source's declared row counts, year ranges and columns hold in the database after a full load.

The parsers check ``source.yml`` before anything is stored; this checks the stored tables afterwards, the
way ``detente sources check`` does, for all 23 sources loaded from the mirror into one store (a copy of
the session's crosswalk store, on each backend).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.services import audit_trail
from detente.sources import list_sources
from detente.sources.load import LoadReport, load_source, ordered_source_names
from detente.sources.stored import check_source
from detente.store.database import Store

NAMES = [s.name for s in list_sources()]


@pytest.fixture(scope="module")
def everything(crosswalk_store: Store, mirror: Path) -> tuple[Store, list[LoadReport]]:
    return crosswalk_store, [load_source(crosswalk_store, name, mirror=mirror) for name in ordered_source_names()]


def test_every_source_loads(everything: tuple[Store, list[LoadReport]]) -> None:
    store, reports = everything
    assert sorted(r.source for r in reports) == sorted(NAMES) and len(NAMES) == 23
    assert all(r.status in ("loaded", "unchanged") for r in reports)
    assert all(not r.waiting for r in reports if r.source == reports[-1].source)  # every mapper could run
    assert audit_trail.verify(store).ok


@pytest.mark.parametrize("name", NAMES)
def test_stored_tables_meet_the_declared_expectations(everything: tuple[Store, list[LoadReport]], name: str) -> None:
    store, _ = everything
    result = check_source(store.engine, name)
    assert result.ok, result.problems
    assert result.checked_tables > 0
