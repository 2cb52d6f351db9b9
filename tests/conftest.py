"""Shared fixtures: real databases for every test that needs one.

Every store test runs on SQLite (a file in a temporary directory) and, when ``DETENTE_TEST_POSTGRES_URL`` is
set, on PostgreSQL too. Each PostgreSQL store lives in a schema of its own (created for the test, dropped
after it), so tests never see each other's rows and never touch the rest of the server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from detente.store.database import Store
from detente.store.engine import normalise_url
from tests.store_templates import CROSSWALK, StoreTemplates

POSTGRES_URL = os.environ.get("DETENTE_TEST_POSTGRES_URL")
MIRROR = (Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets").resolve()
"""The real data mirror next to the checkout (CI clones the repo next to a shared/ folder)."""
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip PostgreSQL cases, saying why, when no test server is configured."""
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason="set DETENTE_TEST_POSTGRES_URL to run the PostgreSQL cases")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never read or write the developer's own cache, database or mirror settings."""
    saved = {name: os.environ.get(name) for name in ("DETENTE_CACHE_DIR", "DETENTE_DATABASE_URL", "DETENTE_MIRROR")}
    os.environ["DETENTE_CACHE_DIR"] = str(tmp_path_factory.mktemp("raw-cache"))
    os.environ.pop("DETENTE_DATABASE_URL", None)
    os.environ.pop("DETENTE_MIRROR", None)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextmanager
def _empty_database(backend: str, directory: Path) -> Iterator[str]:
    """A URL to an empty database: a new SQLite file, or a new schema on the PostgreSQL test server."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'detente.sqlite'}"
        return
    assert POSTGRES_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = normalise_url(make_url(POSTGRES_URL)).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


_templates: list[StoreTemplates] = []
"""The session's :class:`~tests.store_templates.StoreTemplates` (set up by :func:`store_templates`)."""


@pytest.fixture(scope="session", autouse=True)
def store_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreTemplates]:
    """The session's crosswalk templates: :func:`loaded_store` copies them instead of loading the crosswalk
    again (see :mod:`tests.store_templates`). Built on first use only; dropped when the session ends."""
    templates = StoreTemplates(tmp_path_factory.mktemp("store-templates"), MIRROR, POSTGRES_URL)
    _templates.append(templates)
    try:
        yield templates
    finally:
        _templates.remove(templates)
        templates.close()


@contextmanager
def loaded_database(backend: str, directory: Path, sources: Sequence[str]) -> Iterator[str]:
    """A URL to a new database of ``backend`` with ``sources`` loaded from the real data mirror, dropped
    afterwards.

    When ``sources`` start with the crosswalk (``LOAD_ORDER``) the database is a copy of the session's
    crosswalk template with the other sources loaded on top: the same rows as loading them all, with one load
    of the crosswalk per session and backend. Skips the test, saying why, when there is no mirror.
    """
    if not MIRROR.is_dir():
        pytest.skip(f"no dataset mirror at {MIRROR} (CI clones the repo next to a shared/ folder)")
    if tuple(sources[: len(CROSSWALK)]) == CROSSWALK:
        with _templates[-1].loaded(backend, directory, sources[len(CROSSWALK) :]) as url:
            yield url
        return
    from detente.sources.load import load_source  # the loader imports the ORM models: only tests that load

    with _empty_database(backend, directory) as url:
        store = Store.open(url, create=True)
        try:
            for name in sources:
                load_source(store, name, mirror=MIRROR)
        finally:
            store.close()
        yield url


@contextmanager
def loaded_store(backend: str, directory: Path, sources: Sequence[str]) -> Iterator[Store]:
    """A new store of ``backend`` with ``sources`` loaded (see :func:`loaded_database`), closed afterwards."""
    with loaded_database(backend, directory, sources) as url:
        store = Store.open(url)
        try:
            yield store
        finally:
            store.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend under test: ``sqlite`` or ``postgresql``."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of the current backend."""
    with _empty_database(backend, tmp_path) as url:
        yield url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A store at the current schema on the current backend, new for this test."""
    opened = Store.open(database_url, create=True)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module", params=BACKENDS)
def shared_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store shared by the tests of one module (they must only assert on what they wrote themselves)."""
    with _empty_database(str(request.param), tmp_path_factory.mktemp("shared")) as url:
        opened = Store.open(url, create=True)
        try:
            yield opened
        finally:
            opened.close()
