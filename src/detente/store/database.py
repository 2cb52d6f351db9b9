"""A :class:`Store` bundles an engine and its session factory: the handle every service takes.

The session factory is made on first use: opening a store imports SQLAlchemy Core only, so a command
that reads with Core queries (panels, exports of stored tables) never pays for importing the ORM.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from detente.store.engine import make_engine, redact_url
from detente.store.schema import current_revision, head_revision, upgrade

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

__all__ = ["SchemaOutOfDateError", "Store"]


class SchemaOutOfDateError(RuntimeError):
    """The database is empty or older than this version of detente; ``detente init`` fixes it."""


@dataclass(frozen=True)
class Store:
    """One database: an engine plus sessions that do not expire objects on commit."""

    engine: Engine

    @classmethod
    def open(cls, url: str | URL | None = None, *, create: bool = False) -> Store:
        """Connect to ``url`` (default: ``DETENTE_DATABASE_URL`` or the embedded SQLite file).

        With ``create=True`` the schema is created or upgraded first (what ``detente init`` does);
        otherwise a database that is not at the current schema raises :class:`SchemaOutOfDateError`.
        """
        engine = make_engine(url)
        if create:
            upgrade(engine)
        else:
            found = current_revision(engine)
            if found != head_revision():
                engine.dispose()
                raise SchemaOutOfDateError(
                    f"the database at {redact_url(engine.url)} is at schema {found or 'none'}, "
                    f"detente needs {head_revision()}: run `detente init` to create or upgrade it"
                )
        return cls(engine)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """The ORM session factory (sessions do not expire objects on commit), made on first use."""
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """The database URL with any password hidden."""
        return redact_url(self.engine.url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
