"""Loaded-data stores for the tests, built from a *template* so the crosswalk is loaded once per session.

Almost every store of real data starts with the country crosswalk (``LOAD_ORDER``: countrycode, isard and
peacesciencer), and loading those three takes most of a minute per backend. :class:`StoreTemplates` loads
them once per session and backend into a template database; each store that asks for them gets a copy of
the template and then loads its other sources on top, in the order it names them. The result holds the same
rows as loading every source into an empty database (the template is such a load, stopped after the
crosswalk), and each store stays its own database, so what one writes never reaches another.

- SQLite: the template is a file; a store is a new file filled through ``sqlite3``'s backup API.
- PostgreSQL: the template is a database of its own; a store is a new database made from it with
  ``CREATE DATABASE ... TEMPLATE`` (a copy done by the server, with no rows passing through Python). All
  of them are dropped when the session ends.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from detente.store.database import Store
from detente.store.engine import normalise_url

CROSSWALK = ("countrycode", "isard", "peacesciencer")
"""The sources of the template: ``detente.sources.load.LOAD_ORDER``, named here so that importing this module
(tests/conftest.py does, for every test) imports neither the loader nor the ORM models; checked against
``LOAD_ORDER`` when a template is built."""


def _load(store: Store, names: Sequence[str], mirror: Path) -> None:
    from detente.sources.load import LOAD_ORDER, load_source  # imports the ORM models: only when loading

    assert CROSSWALK == LOAD_ORDER, f"tests/store_templates.py: CROSSWALK {CROSSWALK} is not LOAD_ORDER {LOAD_ORDER}"

    for name in names:
        load_source(store, name, mirror=mirror)


class StoreTemplates:
    """Crosswalk templates (one per backend, built on first use) and the stores copied from them."""

    def __init__(self, root: Path, mirror: Path, postgres_url: str | None) -> None:
        self.root, self.mirror, self.postgres_url = root, mirror, postgres_url
        self.built: dict[str, str] = {}
        """The template of each backend built so far: a SQLite path or a PostgreSQL database name."""
        self.databases: list[str] = []
        """PostgreSQL databases made this session (templates and copies) and not dropped yet."""
        self._admin: Engine | None = None

    @property
    def admin(self) -> Engine:
        """An autocommit connection to the PostgreSQL test server, for creating and dropping databases."""
        if self._admin is None:
            assert self.postgres_url is not None
            self._admin = create_engine(normalise_url(self.postgres_url), isolation_level="AUTOCOMMIT")
        return self._admin

    def postgres_url_of(self, database: str) -> str:
        """The URL of ``database`` on the PostgreSQL test server."""
        assert self.postgres_url is not None
        url = normalise_url(make_url(self.postgres_url)).set(database=database)
        return url.render_as_string(hide_password=False)

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
        """The crosswalk template of ``backend`` (a SQLite path or a PostgreSQL database name), built once."""
        if backend not in self.built:
            if backend == "sqlite":
                name = str(self.root / "crosswalk-template.sqlite")
                url = f"sqlite:///{name}"
            else:
                name = f"detente_tpl_{uuid.uuid4().hex[:12]}"
                self._create_database(name)
                url = self.postgres_url_of(name)
            store = Store.open(url, create=True)
            try:
                _load(store, CROSSWALK, self.mirror)
            finally:
                store.close()  # no connection may stay open on a PostgreSQL template while it is copied
            self.built[backend] = name
        return self.built[backend]

    @contextmanager
    def copy(self, backend: str, directory: Path) -> Iterator[str]:
        """A URL to a new database holding a copy of the crosswalk template; dropped afterwards."""
        template = self.template(backend)
        if backend == "sqlite":
            target = directory / "detente.sqlite"
            with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(target)) as copy:
                source.backup(copy)
            yield f"sqlite:///{target}"
            return
        name = f"detente_copy_{uuid.uuid4().hex[:12]}"
        self._create_database(name, template)
        try:
            yield self.postgres_url_of(name)
        finally:
            self._drop_database(name)

    @contextmanager
    def loaded(self, backend: str, directory: Path, sources: Sequence[str]) -> Iterator[str]:
        """A URL to a new database with the crosswalk and then ``sources`` loaded; dropped afterwards."""
        with self.copy(backend, directory) as url:
            store = Store.open(url)
            try:
                _load(store, sources, self.mirror)
            finally:
                store.close()
            yield url

    def close(self) -> None:
        """Drop every PostgreSQL database still left (the templates among them)."""
        if self._admin is not None:
            for name in list(self.databases):
                self._drop_database(name)
            self._admin.dispose()
