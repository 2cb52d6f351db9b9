"""Where the database is and how to connect to it.

The embedded default is a SQLite file in the user's data directory (``platformdirs``); set
``DETENTE_DATABASE_URL`` to any SQLAlchemy URL to use another database, for example
``postgresql+psycopg://user@host:5432/detente`` (PostgreSQL through psycopg 3; a plain ``postgresql://`` URL is
read the same way). SQLite connections get foreign keys enforced, WAL journaling and a busy timeout.

SQLAlchemy is imported inside the functions that need it: a command that only reads a SQLite store's catalog
(:mod:`detente.store.catalog`) and then Parquet files never pays for importing it. :func:`sqlite_file` reads
the file name out of a plain SQLite URL without SQLAlchemy for the same reason.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import URL

__all__ = [
    "DATABASE_URL_ENV",
    "decode_json",
    "default_database_url",
    "make_engine",
    "normalise_url",
    "redact_url",
    "sqlite_file",
]

DATABASE_URL_ENV = "DETENTE_DATABASE_URL"

_PLAIN_SQLITE = re.compile(r"sqlite(?:\+pysqlite)?:///(?P<database>[^?#%]*)")
"""A SQLite URL naming a file and nothing else (no query, no percent-escapes): ``sqlite:///relative.db``,
``sqlite:////absolute/path.db``. Anything else is parsed by SQLAlchemy."""


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
    from sqlalchemy.engine import make_url

    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def redact_url(url: str | URL) -> str:
    """The URL as text with any password hidden, safe to print or log."""
    if isinstance(url, str) and _PLAIN_SQLITE.fullmatch(url):
        return url  # a file name holds no password
    return normalise_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str | URL) -> Path | None:
    """The absolute path of the database file of a SQLite URL; ``None`` for another database or an
    in-memory one (``sqlite://``, ``sqlite:///:memory:``, ``file:`` URIs)."""
    plain = _PLAIN_SQLITE.fullmatch(url) if isinstance(url, str) else None
    if plain is not None:
        database: str | None = plain["database"]
    elif isinstance(url, str) and not url.startswith("sqlite"):
        return None
    else:
        parsed = normalise_url(url)
        if parsed.get_backend_name() != "sqlite" or parsed.query:
            return None
        database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


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


_LONG_DIGITS = re.compile(r"\d{20}")
_LONG_DIGITS_BYTES = re.compile(rb"\d{20}")


def decode_json(text: str | bytes) -> Any:
    """A stored JSON value, decoded as :func:`json.loads` (SQLAlchemy's default) decodes it, in a third of the
    time for a source row.

    orjson does the work, except where it would answer differently: it refuses the ``NaN`` and ``Infinity``
    that :func:`json.dumps` writes for non-finite floats, and it reads a whole number wider than 64 bits as a
    float (losing digits). Text holding a run of 20 digits (maybe such a number; more often an identifier
    in a string) goes to the standard library, as does whatever orjson refuses.
    """
    if isinstance(text, bytes):
        long_digits = _LONG_DIGITS_BYTES.search(text) is not None
    else:
        long_digits = _LONG_DIGITS.search(text) is not None
    if not long_digits:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def make_engine(url: str | URL | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` (default: :func:`default_database_url`), with detente's settings.

    Every engine hides bound parameters (``hide_parameters=True``): the values of a statement are password
    hashes, token hashes and report bodies, and SQLAlchemy would otherwise print them in the text of any
    database error (which reaches the server's log as a traceback) and in its SQL log when that is switched
    on. The statement itself still shows, which is what a developer needs to find the fault. JSON columns
    are decoded with :func:`decode_json`.
    """
    from sqlalchemy import create_engine, event

    kwargs = {**kwargs, "hide_parameters": True}  # not overridable: no caller needs the values in its errors
    kwargs.setdefault("json_deserializer", decode_json)
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
    from detente.store.connection_health import check_before_use

    engine = create_engine(parsed, **kwargs)
    check_before_use(engine)  # pings a pooled connection only after it sat idle (not pool_pre_ping: every time)
    return engine
