"""Fixtures for the domain-mapper tests: a store per module and backend with the country crosswalk loaded.

Loading the crosswalk's three sources (countrycode, isard, peacesciencer) takes most of a minute, so it is
done once per test session and backend, into a *template* database; each test module then gets its own
copy of the template, so that what one module loads never leaks into another:

- SQLite: the template file (WAL checkpointed into it) is copied to the module's temporary directory;
- PostgreSQL: the template is a database of its own, and each module's store is a new database created
  from it with ``CREATE DATABASE ... TEMPLATE`` (a file-level copy on the server); all of them are
  dropped afterwards.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from detente.sources.load import LOAD_ORDER, load_source
from detente.store.database import Store
from detente.store.engine import normalise_url
from tests.conftest import BACKENDS, POSTGRES_URL


class CrosswalkTemplates:
    """Template databases holding the crosswalk sources, built on first use, one per backend."""

    def __init__(self, root: Path, mirror: Path) -> None:
        self.root, self.mirror = root, mirror
        self.built: dict[str, str] = {}
        self.databases: list[str] = []
        self._admin: Engine | None = None

    @property
    def admin(self) -> Engine:
        """An autocommit connection to the PostgreSQL test server, for creating and dropping databases."""
        if self._admin is None:
            assert POSTGRES_URL is not None
            self._admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
        return self._admin

    def _postgres_url(self, database: str) -> str:
        assert POSTGRES_URL is not None
        return normalise_url(make_url(POSTGRES_URL)).set(database=database).render_as_string(hide_password=False)

    def _create_database(self, name: str, template: str | None = None) -> None:
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.databases.append(name)

    def _drop_database(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.databases.remove(name)

    def template(self, backend: str) -> str:
        """The template of ``backend`` (a SQLite path or a PostgreSQL database name), built once."""
        if backend not in self.built:
            if backend == "sqlite":
                path = self.root / "crosswalk-template.sqlite"
                url = f"sqlite:///{path}"
                name = str(path)
            else:
                name = f"detente_cw_{uuid.uuid4().hex[:12]}"
                self._create_database(name)
                url = self._postgres_url(name)
            store = Store.open(url, create=True)
            try:
                for source in LOAD_ORDER:
                    load_source(store, source, mirror=self.mirror)
            finally:
                store.close()
            if backend == "sqlite":
                with sqlite3.connect(name) as connection:  # fold the WAL into the file that gets copied
                    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                connection.close()
            self.built[backend] = name
        return self.built[backend]

    @contextmanager
    def copy(self, backend: str, directory: Path) -> Iterator[str]:
        """A URL to a new database holding a copy of the template; the copy is removed afterwards."""
        template = self.template(backend)
        if backend == "sqlite":
            target = directory / "detente.sqlite"
            shutil.copyfile(template, target)
            yield f"sqlite:///{target}"
            return
        name = f"detente_cwcopy_{uuid.uuid4().hex[:12]}"
        self._create_database(name, template)
        try:
            yield self._postgres_url(name)
        finally:
            self._drop_database(name)

    def close(self) -> None:
        if self._admin is not None:
            for name in list(self.databases):
                self._drop_database(name)
            self._admin.dispose()


@pytest.fixture(scope="session")
def crosswalk_templates(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Iterator[CrosswalkTemplates]:
    """The session's crosswalk templates (see the module docstring)."""
    templates = CrosswalkTemplates(tmp_path_factory.mktemp("crosswalk-template"), mirror)
    try:
        yield templates
    finally:
        templates.close()


@pytest.fixture(scope="module", params=BACKENDS)
def crosswalk_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, crosswalk_templates: CrosswalkTemplates
) -> Iterator[Store]:
    """A store (one per module and backend, a copy of the template) holding the crosswalk sources and states."""
    with crosswalk_templates.copy(str(request.param), tmp_path_factory.mktemp("mapping")) as url:
        opened = Store.open(url)
        try:
            yield opened
        finally:
            opened.close()
