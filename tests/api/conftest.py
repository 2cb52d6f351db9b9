"""Fixtures for the API tests: one store per backend with real data, a client, and people to act as.

The store holds the country crosswalk (countrycode, isard, peacesciencer), the MME/JME exercises (real
engagements and their participants) and ATOP (real alliances with parties), loaded from the mirror once per
backend for the whole package. Tests share it, so each writes its own records (tagged with a fresh word) and
users (fresh names) and asserts only on those.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from detente.api.app import create_app
from detente.domain.markings import Role
from detente.services import accounts
from detente.services.access import Principal
from detente.store.database import Store
from detente.store.models import State
from tests.conftest import BACKENDS, loaded_store

SOURCES = ("countrycode", "isard", "peacesciencer", "exercises", "atop")
PASSWORD = "a long enough password"


@pytest.fixture(scope="session", params=BACKENDS)
def real_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store per backend holding real states, exercises (engagements) and ATOP alliances."""
    with loaded_store(str(request.param), tmp_path_factory.mktemp("api"), SOURCES) as store:
        yield store


@pytest.fixture(scope="session")
def app(real_store: Store) -> FastAPI:
    return create_app(real_store)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@dataclass(frozen=True)
class Person:
    """A user of the test: their principal (for service calls) and bearer headers (for API calls)."""

    principal: Principal
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def id(self) -> int:
        return self.principal.user_id


_serial = itertools.count()

MakePerson = Callable[..., Person]


def new_person(
    store: Store,
    role: Role = Role.EDITOR,
    nationality: str | None = "FRA",
    clearance: str = "SECRET",
    affiliations: tuple[str, ...] = (),
) -> Person:
    """A new user of ``store`` (a fresh name), signed in."""
    name = f"{role.value}-{nationality or 'none'}-{next(_serial)}-{uuid.uuid4().hex[:6]}"
    accounts.create_user(
        store,
        actor="test",
        username=name,
        password=PASSWORD,
        role=role,
        nationality=nationality,
        clearance=clearance,
        affiliations=affiliations,
    )
    issued = accounts.login(store, name, PASSWORD, client="tests")
    return Person(accounts.authenticate(store, issued.secret), issued.secret)


@pytest.fixture(scope="session")
def make_person(real_store: Store) -> MakePerson:
    """``make_person(role, nationality, clearance, affiliations)``: a new user, signed in."""

    def make(
        role: Role = Role.EDITOR,
        nationality: str | None = "FRA",
        clearance: str = "SECRET",
        affiliations: tuple[str, ...] = (),
    ) -> Person:
        return new_person(real_store, role, nationality, clearance, affiliations)

    return make


@pytest.fixture(scope="session")
def state_ids(real_store: Store) -> dict[str, int]:
    """detente ids of real states by ISO3."""
    with real_store.engine.connect() as connection:
        rows = connection.execute(select(State.iso3, State.id).where(State.iso3.is_not(None)))
        return {str(iso3): int(state_id) for iso3, state_id in rows}


def fresh_tag() -> str:
    """A word no other record contains, to find this test's records."""
    return "zq" + uuid.uuid4().hex[:10]
