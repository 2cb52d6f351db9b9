"""Fixtures for the view-model tests of the web pages 6-11: one real store per backend and people to act as.

The store holds the country crosswalk, the MME/JME exercises (real engagements), the New START declarations
and IPI peacekeeping (real missions and contributions, with the gender tables that complete its history),
loaded from the mirror once per backend. Tests share it, so each writes its own records (tagged with a fresh
word) and asserts only on those, or on real data that no test changes.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from detente.domain.markings import Role
from detente.services import accounts
from detente.store.database import Store
from detente.web.viewmodels.common import Context
from tests.conftest import BACKENDS, loaded_store

MIRROR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets").resolve()
SOURCES = (
    "countrycode",
    "isard",
    "peacesciencer",
    "exercises",
    "new_start",
    "ipi_peacekeeping",
    "ipi_peacekeeping_gender",  # with ipi_peacekeeping, the contribution history force generation asks from
    "geo_pko",  # the deployment sites of a mission (about 11 s to load)
)
PASSWORD = "a long enough password"


@pytest.fixture(scope="session", params=BACKENDS)
def web_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store per backend with real states, exercises, New START declarations and IPI peacekeeping (the
    crosswalk copied from the session's template, see :func:`tests.conftest.loaded_store`)."""
    with loaded_store(str(request.param), tmp_path_factory.mktemp("web-views"), SOURCES) as store:
        yield store


_serial = itertools.count()
MakeContext = Callable[..., Context]


@pytest.fixture(scope="session")
def person(web_store: Store) -> MakeContext:
    """``person(role, nationality, clearance)``: a new signed-in user's view of the store."""

    def make(role: Role = Role.EDITOR, nationality: str | None = "FRA", clearance: str = "SECRET") -> Context:
        name = f"{role.value}-{nationality or 'none'}-{next(_serial)}-{uuid.uuid4().hex[:6]}"
        accounts.create_user(
            web_store,
            actor="test",
            username=name,
            password=PASSWORD,
            role=role,
            nationality=nationality,
            clearance=clearance,
        )
        issued = accounts.login(web_store, name, PASSWORD, client="tests")
        return Context(web_store, accounts.authenticate(web_store, issued.secret))

    return make


def fresh_tag() -> str:
    """A word no other record contains, to find this test's records."""
    return "zq" + uuid.uuid4().hex[:10]
