"""A connection for reading only: on PostgreSQL without a transaction block around the statements.

PostgreSQL runs detente at its default isolation, READ COMMITTED, where every statement takes its own snapshot
whether or not a transaction block surrounds it. For a read the block therefore buys nothing, and costs two
round trips (``BEGIN`` before the first statement, ``ROLLBACK`` when the connection goes back to the pool): two of
the four statements of a simple GET. :func:`read_connection` hands out a connection in autocommit mode there, so
that each statement is sent alone and sees exactly what it would have seen inside the block.

SQLite is left as it is: its read transaction (begun by the first ``SELECT``, no round trip) keeps one snapshot
for all the statements of the read, and costs nothing to keep.

Only for code that writes nothing: in autocommit mode a write would take effect at once, without the unit of
work and audit entry it belongs with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

__all__ = ["read_connection"]


def read_connection(engine: Engine) -> Connection:
    """A connection of ``engine`` for reads (use as ``with read_connection(engine) as connection:``)."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        # psycopg's ``autocommit`` flag, set and reset by SQLAlchemy on the client side: no round trip
        connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection
