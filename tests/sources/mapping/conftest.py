"""Fixtures for the domain-mapper tests: a store per module and backend with the country crosswalk loaded.

Loading the crosswalk's three sources (countrycode, isard, peacesciencer) takes most of a minute, so it is
done once per test session and backend, into a *template* database (the session's
:class:`~tests.store_templates.StoreTemplates`, shared with every other test that loads the crosswalk); each
test module then gets its own copy of the template, so that what one module loads never leaks into another.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.store.database import Store
from tests.conftest import BACKENDS
from tests.store_templates import StoreTemplates


@pytest.fixture(scope="session")
def crosswalk_templates(store_templates: StoreTemplates, mirror: Path) -> StoreTemplates:
    """The session's crosswalk templates (asking for ``mirror`` skips the tests when there is no mirror)."""
    return store_templates


@pytest.fixture(scope="module", params=BACKENDS)
def crosswalk_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, crosswalk_templates: StoreTemplates
) -> Iterator[Store]:
    """A store (one per module and backend, a copy of the template) holding the crosswalk sources and states."""
    with crosswalk_templates.copy(str(request.param), tmp_path_factory.mktemp("mapping")) as url:
        opened = Store.open(url)
        try:
            yield opened
        finally:
            opened.close()
