"""Fixtures for the analysis tests: the panel tests' real store (one per backend) with ATOP loaded too.

The store is built once per backend for the whole session (the panel fixtures load countrycode, isard,
peacesciencer and the sources beyond it); the analyses only read from it, except the force-generation and
REST API tests, which write records (pledges, engagements, findings, users) of their own and assert only on
what they wrote.
"""

from __future__ import annotations

import pytest

from detente.sources.load import load_source
from detente.store.database import Store
from tests.panels.conftest import MIRROR, beyond_store, panel_store  # noqa: F401 (fixtures used by name)


@pytest.fixture(scope="session")
def analysis_store(beyond_store: Store) -> Store:  # noqa: F811 (the fixture imported above)
    """The panel store with ATOP's alliances, members and obligations, and the New START data exchanges
    (declarations, for the dossiers' compliance status), loaded as well."""
    for name in ("atop", "new_start"):
        load_source(beyond_store, name, mirror=MIRROR)
    return beyond_store
