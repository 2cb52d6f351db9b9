"""Checking a pooled database connection before use, only when it may have gone stale.

A connection kept in the pool can die while it waits there: the database server restarted, an administrator
ended the backend, a firewall dropped an idle socket. SQLAlchemy's ``pool_pre_ping`` guards against that by
sending a ping on *every* checkout. On PostgreSQL that is one more round trip per request, paid by every read
of the API (BEGIN, ping, the data head, the record, ROLLBACK: the ping was one statement in five).

Here the ping is sent only when it can find something: when the connection has sat idle in the pool longer
than :func:`ping_after_seconds` (``DETENTE_POOL_PING_AFTER_MS``, default 500 ms; the same idea as HikariCP's
"alive bypass window"). A connection handed back a moment ago by another request is used at once. Whatever the
idle time, a connection the driver already knows to be lost (psycopg's ``broken`` or ``closed``) is thrown
away without a round trip. In both cases the pool is told with :class:`~sqlalchemy.exc.DisconnectionError`,
and SQLAlchemy replaces the connection and tries again, as it does for its own pre-ping.

What this leaves: a backend that dies within the window after its last use is found by the first statement of
the next request, which fails with the driver's error; psycopg then marks the connection broken, so the next
checkout replaces it. :func:`connection_lost` recognises that error, and :func:`drop_pooled_connections` then
drops the whole pool (when one backend is gone, as after a server restart, the others usually are too): the API
runs a failed GET once more on a fresh connection (a read is safe to repeat) and answers anything else that
meets a lost connection with 503 and ``Retry-After``.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["PING_AFTER_ENV", "check_before_use", "connection_lost", "drop_pooled_connections", "ping_after_seconds"]

PING_AFTER_ENV = "DETENTE_POOL_PING_AFTER_MS"
DEFAULT_PING_AFTER_MS = 500
_SERVER_ENDED = frozenset({"57P01", "57P02", "57P03"})
"""PostgreSQL SQLSTATEs of a session the server ended: admin shutdown, crash shutdown, cannot connect now."""
_RETURNED_AT = "detente_returned_at"
"""Key in a pooled connection's ``info``: when (``time.monotonic``) it was last connected or handed back."""


def ping_after_seconds() -> float:
    """``DETENTE_POOL_PING_AFTER_MS``: idle time after which a pooled connection is pinged before use (0: always)."""
    raw = os.environ.get(PING_AFTER_ENV, str(DEFAULT_PING_AFTER_MS)).strip()
    if not raw.isdigit():
        raise ValueError(
            f"{PING_AFTER_ENV}={raw!r} is not a whole number of milliseconds; set it to e.g. "
            f"{DEFAULT_PING_AFTER_MS} (0 pings on every checkout)"
        )
    return int(raw) / 1000


def _lost(dbapi_connection: Any) -> bool:
    """Does the driver already know this connection is unusable? (psycopg 3: ``broken``, ``closed``.)"""
    return bool(getattr(dbapi_connection, "broken", False) or getattr(dbapi_connection, "closed", False))


def check_before_use(engine: Engine, after_seconds: float | None = None) -> None:
    """Make ``engine``'s pool check a connection on checkout: drop it if the driver knows it is lost, ping it if
    it sat idle longer than ``after_seconds`` (default :func:`ping_after_seconds`). Use instead of
    ``pool_pre_ping``."""
    from sqlalchemy import event
    from sqlalchemy.exc import DisconnectionError

    window = ping_after_seconds() if after_seconds is None else after_seconds
    dialect = engine.dialect
    driver_error: type[Exception] = dialect.loaded_dbapi.Error

    def stamp(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    def check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if _lost(dbapi_connection):
            raise DisconnectionError("the database connection was lost; a new one is opened")
        returned = record.info.get(_RETURNED_AT)
        if returned is not None and time.monotonic() - returned <= window:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except driver_error as error:
            raise DisconnectionError(f"the pooled database connection did not answer a ping: {error}") from error

    event.listen(engine, "connect", stamp)
    event.listen(engine, "checkin", stamp)
    event.listen(engine, "checkout", check)


def connection_lost(engine: Engine, error: BaseException) -> bool:
    """Did ``error`` come from a lost database connection?

    ``error`` may be SQLAlchemy's ``DBAPIError`` (SQLAlchemy says so itself, ``connection_invalidated``, for
    the statements it ran) or the driver's own exception (statements run straight on the driver). A driver
    error counts when the dialect's own test says so or, on PostgreSQL, when its SQLSTATE is a connection
    exception (class 08) or the server ending the session (57P01-57P03: shutdown, crash, not yet accepting),
    or when psycopg raises ``OperationalError`` with no SQLSTATE at all (its own "the connection is lost").
    Any other error (a constraint, a division by zero, a timeout the server reported) is not.
    """
    from sqlalchemy.exc import DBAPIError

    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        original: Any = error.orig
    else:
        original = error
    dbapi = engine.dialect.loaded_dbapi
    if original is None or not isinstance(original, dbapi.Error):
        return False
    if engine.dialect.is_disconnect(original, None, None):
        return True
    if engine.dialect.name != "postgresql":
        return False
    state = getattr(original, "sqlstate", None)
    if state is None:
        return isinstance(original, dbapi.OperationalError)
    return str(state).startswith("08") or state in _SERVER_ENDED


def drop_pooled_connections(engine: Engine) -> None:
    """Close ``engine``'s idle pooled connections and start a new pool (after :func:`connection_lost`).

    Connections other threads hold at the moment finish their work and are closed when handed back. SQLAlchemy
    does the same by itself when a statement it ran meets a lost connection; statements run straight on the
    driver need it said.
    """
    engine.dispose()
