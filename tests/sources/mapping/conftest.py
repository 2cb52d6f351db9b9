"""Fixtures for the domain-mapper tests: a store per backend with the country crosswalk already loaded.

Loading the crosswalk's three sources (countrycode, isard, peacesciencer) takes most of a minute, so a test
module builds it once per backend with :func:`crosswalk_store` and then loads its own sources into it.
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
    """A store (one per module and backend) holding the crosswalk sources and the states they make."""
    with _empty_database(str(request.param), tmp_path_factory.mktemp("mapping")) as url:
        opened = Store.open(url, create=True)
        try:
            for name in LOAD_ORDER:
                load_source(opened, name, mirror=mirror)
            yield opened
        finally:
            opened.close()
