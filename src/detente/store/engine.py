"""Where the database is and how to connect to it.

The embedded default is a SQLite file in the user's data directory (``platformdirs``); set
``DETENTE_DATABASE_URL`` to any SQLAlchemy URL to use another database, for example
``postgresql+psycopg://user@host:5432/detente`` (PostgreSQL through psycopg 3; a plain ``postgresql://`` URL is
read the same way). SQLite connections get foreign keys enforced, WAL journaling and a busy timeout.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

__all__ = ["DATABASE_URL_ENV", "default_database_url", "make_engine", "normalise_url", "redact_url"]

DATABASE_URL_ENV = "DETENTE_DATABASE_URL"


def default_database_url() -> str:
    """``DETENTE_DATABASE_URL`` if set, else a SQLite file in the user's data directory."""
    configured = os.environ.get(DATABASE_URL_ENV)
    if configured:
        return configured
    from platformdirs import user_data_path  # only when no URL is given

    path = user_data_path("detente", appauthor=False) / "detente.sqlite"
    return f"sqlite:///{path}"


def normalise_url(url: str | URL) -> URL:
    """Parse ``url``; ``postgresql://`` and ``postgres://`` mean PostgreSQL through psycopg 3."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def redact_url(url: str | URL) -> str:
    """The URL as text with any password hidden, safe to print or log."""
    return normalise_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA wal_autocheckpoint=10000")  # checkpoint every ~40 MB of WAL, not every 4 MB
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache per connection (default 2 MiB)
    cursor.close()


def _pool_setting(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit():
        raise ValueError(f"{name}={raw!r} is not a whole number of connections; set it to e.g. {default}")
    return int(raw)


def pool_settings() -> dict[str, int]:
    """Connection-pool size per process: ``DETENTE_POOL_SIZE`` kept open (default 8) plus up to
    ``DETENTE_POOL_OVERFLOW`` more under load (default 24), so that the API's worker threads (40 by default)
    rarely wait for a connection. With PostgreSQL, size x workers must stay under the server's
    ``max_connections``."""
    return {
        "pool_size": _pool_setting("DETENTE_POOL_SIZE", 8),
        "max_overflow": _pool_setting("DETENTE_POOL_OVERFLOW", 24),
    }


def make_engine(url: str | URL | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` (default: :func:`default_database_url`), with detente's settings."""
    parsed = normalise_url(url or default_database_url())
    pooled = parsed.database not in (None, "", ":memory:") or parsed.get_backend_name() != "sqlite"
    if pooled and "poolclass" not in kwargs:
        kwargs = {**pool_settings(), **kwargs}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **kwargs)
