"""Fixtures for the domain-mapper tests: a store per module and backend with the crosswalk already built.

Loading the crosswalk's three sources (countrycode, isard, peacesciencer) takes the better part of a
minute, so each test module loads them once per backend (``crosswalk_store``) and its own sources on top.
Tests in a module share the store: they only assert on what their module's sources wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.sources.load import LOAD_ORDER, LoadReport, load_source
from detente.store.database import Store
from tests.conftest import BACKENDS, _empty_database


@pytest.fixture(scope="module", params=BACKENDS)
def crosswalk_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, mirror: Path, cache_dir: Path
) -> Iterator[tuple[Store, dict[str, LoadReport]]]:
    """A new store of the current backend with countrycode, isard and peacesciencer loaded, and their reports.

    ``cache_dir`` keeps the raw-file cache private to the test session.
    """
    with _empty_database(str(request.param), tmp_path_factory.mktemp("mapping")) as url:
        store = Store.open(url, create=True)
        try:
            reports = {name: load_source(store, name, mirror=mirror) for name in LOAD_ORDER}
            yield store, reports
        finally:
            store.close()
