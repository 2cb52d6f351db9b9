"""A :class:`Store` is the handle every service takes: one database, its engine and its session factory.

Opening a store connects to nothing it does not need. The SQLAlchemy engine (and its connection pool) is
made the first time a query needs it, the ORM session factory the first time a session does. On a SQLite
store the schema-version check of :meth:`Store.open` and the small catalog questions of
:mod:`detente.store.catalog` go through Python's own ``sqlite3`` module (:meth:`Store.read`): a panel command
whose tables all come from the columnar cache never imports SQLAlchemy at all.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.store.engine import default_database_url, make_engine, normalise_url, redact_url, sqlite_file
from detente.store.schema import current_revision, head_revision, upgrade

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import URL
    from sqlalchemy.orm import Session, sessionmaker

__all__ = ["SchemaOutOfDateError", "Store"]


class SchemaOutOfDateError(RuntimeError):
    """The database is empty or older than this version of detente; ``detente init`` fixes it."""


class Store:
    """One database: an engine (made on first use) plus sessions that do not expire objects on commit.

    Open one with :meth:`Store.open`. Two stores are equal only if they are the same object.
    """

    def __init__(self, url: str | URL) -> None:
        self._url = url
        self.sqlite_file: Path | None = sqlite_file(url)
        """The database file's absolute path for a SQLite store (resolved when the store is made, so a later
        change of the working directory changes nothing); ``None`` for any other database (or in memory)."""
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._reader: sqlite3.Connection | None = None

    @classmethod
    def open(cls, url: str | URL | None = None, *, create: bool = False) -> Store:
        """Connect to ``url`` (default: ``DETENTE_DATABASE_URL`` or the embedded SQLite file).

        With ``create=True`` the schema is created or upgraded first (what ``detente init`` does);
        otherwise a database that is not at the current schema raises :class:`SchemaOutOfDateError` (a
        SQLite file that does not exist is not created).
        """
        store = cls(url or default_database_url())
        if create:
            upgrade(store.engine)
            return store
        found = store._revision()
        if found != head_revision():
            store.close()
            raise SchemaOutOfDateError(
                f"the database at {store.url} is at schema {found or 'none'}, "
                f"detente needs {head_revision()}: run `detente init` to create or upgrade it"
            )
        return store

    def _revision(self) -> str | None:
        """The schema version the database is at (``None``: empty or, for SQLite, no such file)."""
        if self.sqlite_file is None:
            return current_revision(self.engine)
        if not self.sqlite_file.is_file():
            return None
        if not self.read("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"):
            return None
        found = [row[0] for row in self.read("SELECT version_num FROM alembic_version")]
        if len(found) > 1:
            raise RuntimeError(f"the database has several schema heads {found}; repair it with Alembic")
        return found[0] if found else None

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, made (once, even with several threads asking) on first use."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = make_engine(self._engine_url())
        return self._engine

    def _engine_url(self) -> str | URL:
        """The URL the engine connects to: a SQLite file by its absolute path, so that the engine reaches
        the same file as :meth:`read` whatever the working directory is when it connects."""
        if self.sqlite_file is None:
            return self._url
        return normalise_url(self._url).set(database=str(self.sqlite_file))

    @cached_property
    def identity(self) -> str:
        """What names this database in cache keys: ``sqlite:<absolute path>`` for a SQLite file (the same
        file reached through a relative URL from another directory is the same database), else the URL
        with the password hidden."""
        if self.sqlite_file is not None:
            return f"sqlite:{self.sqlite_file}"
        return redact_url(self._url)

    def read(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of one read-only SQL statement (``:name`` placeholders filled from ``params``).

        On a SQLite file this goes through ``sqlite3`` (no SQLAlchemy import, no engine), on one connection
        kept for the store's life: a new connection reads the whole schema (hundreds of dataset tables)
        before its first statement, which would cost more than the question. The connection never holds a
        transaction open (``sqlite3`` begins one only before a write), so every read sees the latest
        commit of any writer. Elsewhere this goes through the engine. Values come back as the driver gives
        them: on SQLite, dates and times as text.
        """
        if self.sqlite_file is None:
            from sqlalchemy import text

            with self.engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(sql), dict(params or {}))]
        with self._lock:
            if self._reader is None:
                self._reader = sqlite3.connect(self.sqlite_file, timeout=10.0, check_same_thread=False)
            return self._reader.execute(sql, dict(params or {})).fetchall()

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """The ORM session factory (sessions do not expire objects on commit), made on first use."""
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    @cached_property
    def url(self) -> str:
        """The database URL with any password hidden (worked out once: the API keys caches on it per request)."""
        return redact_url(self._url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        """Release every connection: the engine's pool (if a query ever needed the engine) and the
        ``sqlite3`` reader (if any). The store can still be used afterwards; it connects again."""
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
        if self._engine is not None:
            self._engine.dispose()
