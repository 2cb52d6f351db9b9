"""Fixtures for the domain-mapper tests: a store with the country crosswalk loaded once per module.

Loading the crosswalk's three sources (countrycode, isard, peacesciencer) takes the better part of a
minute, so :func:`crosswalk_store` does it once per test module and backend; a module then loads its
own source(s) on top and asserts only on what they wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.sources.load import LOAD_ORDER, load_source
from detente.store.database import Store
from tests.conftest import BACKENDS, _empty_database


@pytest.fixture(scope="module", params=BACKENDS)
def crosswalk_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, mirror: Path
) -> Iterator[Store]:
    """A new store (SQLite or PostgreSQL) holding the crosswalk's sources and the states they make."""
    with _empty_database(str(request.param), tmp_path_factory.mktemp("mapping")) as url:
        store = Store.open(url, create=True)
        try:
            for name in LOAD_ORDER:
                load_source(store, name, mirror=mirror)
            yield store
        finally:
            store.close()
