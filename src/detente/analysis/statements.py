"""SQL statements the analyses build once per process and run many times with different values.

Building a SQLAlchemy statement is not free: every ``select()``, ``join()`` and comparison coerces its
arguments, and a statement built anew must also have its cache key worked out before SQLAlchemy finds its
compiled SQL. For the joined queries of a dossier (a state's agreements with both parties' validity, say)
that costs a millisecond or more each time -- more than running the query. So the analyses write their
queries with :func:`~sqlalchemy.bindparam` placeholders (``bindparam("state_id")``), build each shape once
through :func:`prepared`, and pass the values when they execute it::

    statement = prepared(("arms", partner_id is not None), lambda: _arms_statement(partner_id is not None))
    connection.execute(statement, {"state_id": state_id})

This keeps *statements*, never results: every call still asks the database, so a dossier reflects every
write at once. A statement that depends on what a reader may see (a :class:`~detente.services.access.Scope`
and its markings) is built for that call only; without a scope (unmarked records only) it is a constant.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar, cast

from sqlalchemy.sql.expression import Executable

from detente.services.access import Scope

__all__ = ["prepared", "prepared_for"]

Statement = TypeVar("Statement", bound=Executable)

_BUILT: dict[Hashable, Executable] = {}


def prepared(key: Hashable, build: Callable[[], Statement]) -> Statement:
    """The statement ``build()`` makes, built on the first call with ``key`` and kept for the process.

    ``key`` names the statement's shape: the function it belongs to and every choice that changes the SQL
    (whether a partner or a date is given), never a value that a bound parameter carries.
    """
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = build()
    return cast(Statement, found)  # the key names one shape, which build() always makes


def prepared_for(scope: Scope | None, key: Hashable, build: Callable[[], Statement]) -> Statement:
    """:func:`prepared` for a statement that keeps what a reader may see: kept without a ``scope`` (unmarked
    records only, a constant clause), built for this call when there is one (its markings are the reader's)."""
    return build() if scope is not None else prepared(key, build)
