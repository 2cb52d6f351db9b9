"""What every command shares: the ``--database`` and ``--json`` options, opening the store, printing JSON."""

from __future__ import annotations

import json
import sqlite3
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from detente.store.database import SchemaOutOfDateError, Store
from detente.store.engine import default_database_url, redact_url

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["DatabaseOption", "JsonOption", "LazyConsole", "errors", "open_store", "print_json"]


class LazyConsole:
    """A :class:`rich.console.Console` made the first time it is used.

    Importing rich costs a tenth of a second, which a command that prints one plain line (``detente panel``
    writing a file) need not pay; a command that prints tables or errors pays it when it prints them.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


errors = LazyConsole(stderr=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", "-d", envvar="DETENTE_DATABASE_URL", help="SQLAlchemy URL of the database."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _connection_failure(error: Exception) -> str | None:
    """Why the database could not be reached, if ``error`` says so (``None`` for any other error).

    A SQLite store is opened through ``sqlite3`` (its errors), any other through SQLAlchemy; SQLAlchemy's
    ``OperationalError`` is looked for only if SQLAlchemy was imported, since otherwise it cannot have
    raised it (and importing it just to check would cost every command a tenth of a second).
    """
    if isinstance(error, sqlite3.Error):
        return str(error).strip() or type(error).__name__
    exc = sys.modules.get("sqlalchemy.exc")
    if exc is not None and isinstance(error, exc.OperationalError):
        return str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    return None


def open_store(database: str | None, *, create: bool = False) -> Store:
    """Open the store, or explain (without a traceback and without the password) why it cannot be opened."""
    try:
        return Store.open(database, create=create)
    except SchemaOutOfDateError as error:
        errors.print(f"[red]error:[/red] {error}")
    except Exception as error:
        reason = _connection_failure(error)
        if reason is None:
            raise
        errors.print(
            f"[red]error:[/red] cannot connect to {redact_url(database or default_database_url())}: {reason}. "
            "Check that the server runs and the URL (--database or DETENTE_DATABASE_URL) is right."
        )
    raise typer.Exit(2)


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON (dates and decimals as text)."""
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))
