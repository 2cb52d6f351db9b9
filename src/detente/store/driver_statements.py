"""Core statements compiled once and run straight on the database driver: the hot path of audited writes.

Every audited write is a handful of tiny statements (read the row, write it, append the audit entry). For
statements that small, SQLAlchemy's per-execution machinery (execution context, result object, parameter
processing through several layers) costs more than the database's own work: on SQLite it halves the write
rate. A :class:`DriverStatement` keeps what SQLAlchemy is good at (building and compiling the SQL for each
dialect, and each column type's conversions to and from the driver) and drops the rest: the statement is
compiled once per dialect and set of parameter names, each value goes through its column type's own bind
processor, and each returned value through the type's own result processor (so dates, UTC datetimes, JSON
and exact money come back exactly as the ORM would give them).

It runs inside the caller's open SQLAlchemy transaction, on that transaction's own DBAPI connection, so a
write made here and the audit entry appended after it commit or roll back together.

Python-side column defaults (plain values and callables such as ``list``) are filled in as SQLAlchemy would;
defaults computed by SQL expressions are refused, so a table that needs one cannot silently go wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import Column, Connection, Integer, Table, bindparam, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import BindParameter

__all__ = [
    "DriverStatement",
    "column_defaults",
    "insert_row",
    "insert_rows",
    "row_exists",
    "select_row",
    "update_row",
    "update_versioned_row",
]

Processor = Callable[[Any], Any] | None
Maker = Callable[[], Any]
"""Makes one column's default value for a new row."""


@dataclass
class DriverStatement:
    """One compiled statement: its SQL text, how to bind each parameter, and how to read each output column."""

    sql: str
    positional: bool
    parameters: tuple[str, ...]
    """Bind names in the order the driver wants them (positional styles) or as dict keys (named styles)."""
    binders: tuple[Processor, ...]
    outputs: tuple[Column[Any], ...]
    dialect: Dialect
    plan_each_time: bool = False
    """Never keep this statement prepared on the server (psycopg: ``prepare=False``), so that PostgreSQL plans
    it for each execution's values. For searches whose best plan depends on the values (a state with 5
    exercises or 500, a rare word or a common one): after five executions of a prepared statement PostgreSQL may
    switch to one generic plan for all values, and for the filtered lists that plan was measured 50 % slower
    than planning afresh (docs/api-performance.md, section 9). Other statements are prepared as psycopg
    decides (after five executions on a connection)."""
    _readers: tuple[Processor, ...] | None = field(default=None, repr=False)

    @classmethod
    def compile(
        cls,
        statement: Any,
        dialect: Dialect,
        outputs: Sequence[Column[Any]],
        column_keys: Sequence[str] = (),
        *,
        plan_each_time: bool = False,
    ) -> DriverStatement:
        """Compile ``statement`` for ``dialect``; ``column_keys`` names the columns an INSERT/UPDATE sets; see
        :attr:`plan_each_time`."""
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys))
        binds: dict[str, BindParameter[Any]] = dict(compiled.binds)
        names = tuple(compiled.positiontup) if compiled.positional else tuple(binds)
        binders = tuple(binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
        return cls(compiled.string, bool(compiled.positional), names, binders, tuple(outputs), dialect, plan_each_time)

    def _execute(self, cursor: Any, parameters: Sequence[Any] | dict[str, Any]) -> None:
        if self.plan_each_time and self.dialect.driver == "psycopg":
            cursor.execute(self.sql, parameters, prepare=False)
        else:
            cursor.execute(self.sql, parameters)

    def _bound(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        converted = [
            value if (binder is None or value is None) else binder(value)
            for binder, value in zip(self.binders, (values[name] for name in self.parameters), strict=True)
        ]
        return converted if self.positional else dict(zip(self.parameters, converted, strict=True))

    def _read(self, row: Sequence[Any], description: Sequence[Any] | None) -> dict[str, Any]:
        if self._readers is None:
            assert description is not None, "the first read needs the cursor's description"
            # Result processors depend on the driver's type code for each column, known after the first fetch.
            self._readers = tuple(
                column.type.dialect_impl(self.dialect).result_processor(self.dialect, entry[1])
                for column, entry in zip(self.outputs, description, strict=True)
            )
        return {
            column.key: value if reader is None else reader(value)
            for column, reader, value in zip(self.outputs, self._readers, row, strict=True)
        }

    def _wrapped(
        self,
        connection: Connection,
        parameters: Any,
        error: Exception,
        driver_error: type[Exception],
        many: bool = False,
    ) -> BaseException:
        """``error`` as the exception SQLAlchemy would raise, with the bound values hidden as the engine hides
        them (:func:`detente.store.engine.make_engine` always does): the error's text ends up in the server's
        log, and the values are password hashes, token hashes and report bodies."""
        return DBAPIError.instance(
            self.sql,
            parameters,
            error,
            driver_error,
            hide_parameters=connection.engine.hide_parameters,
            dialect=self.dialect,
            ismulti=many,
        )

    def one_or_none(self, connection: Connection, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """Run on ``connection``'s open transaction and return the single output row, if any."""
        cursor = connection.connection.cursor()
        parameters = self._bound(values)
        driver_error: type[Exception] = self.dialect.loaded_dbapi.Error
        try:
            self._execute(cursor, parameters)
            row = cursor.fetchone()
            return None if row is None else self._read(row, cursor.description)
        except driver_error as error:
            # The same exception SQLAlchemy would raise (IntegrityError for a refused constraint, ...).
            raise self._wrapped(connection, parameters, error, driver_error) from error
        finally:
            cursor.close()

    def all(self, connection: Connection, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run on ``connection``'s open transaction and return every output row, in order."""
        cursor = connection.connection.cursor()
        parameters = self._bound(values)
        driver_error: type[Exception] = self.dialect.loaded_dbapi.Error
        try:
            self._execute(cursor, parameters)
            rows = cursor.fetchall()
            if not rows:
                return []
            read = self._read
            description = cursor.description if self._readers is None else None
            return [read(row, description) for row in rows]
        except driver_error as error:
            raise self._wrapped(connection, parameters, error, driver_error) from error
        finally:
            cursor.close()

    def many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Run once per row in one ``executemany`` with ``returning`` (psycopg: pipelined, so the rows go to
        the server without a round trip each, and the statement is prepared once) and return the output row
        of each, in order. PostgreSQL only: SQLite's driver returns no rows from ``executemany``."""
        if not rows:
            return []
        cursor = connection.connection.cursor()
        parameters = [self._bound(values) for values in rows]
        driver_error: type[Exception] = self.dialect.loaded_dbapi.Error
        out: list[dict[str, Any]] = []
        try:
            cursor.executemany(self.sql, parameters, returning=True)  # type: ignore[call-arg,arg-type]
            while True:
                row = cursor.fetchone()
                assert row is not None, "each statement returns its row"
                # the description is built anew on every access: read it only while the readers are unknown
                out.append(self._read(row, cursor.description if self._readers is None else None))
                if not cursor.nextset():
                    break
        except driver_error as error:
            raise self._wrapped(connection, parameters, error, driver_error, many=True) from error
        finally:
            cursor.close()
        return out


def _same(value: Any) -> Any:
    return value


def column_defaults(table: Table) -> dict[str, Maker]:
    """How to make each column's Python-side default: a plain value, or a fresh one from a callable (``list``).

    Defaults computed by SQL expressions or sequences are refused, so a table that needs one cannot silently
    lose it here.
    """
    out: dict[str, Maker] = {}
    for column in table.columns:
        default: Any = column.default
        if default is None:
            continue
        if getattr(default, "is_scalar", False):
            out[column.key] = partial(_same, default.arg)
        elif getattr(default, "is_callable", False):
            # SQLAlchemy wraps a callable default to take an execution context; ours never look at it.
            out[column.key] = partial(default.arg, None)
        else:
            raise TypeError(f"{table.name}.{column.key} has a SQL default, which driver statements do not run")
    return out


@lru_cache(maxsize=4096)
def _insert(
    table: Table, keys: frozenset[str], dialect: Dialect
) -> tuple[DriverStatement, dict[str, Callable[[], Any]]]:
    defaults = {key: make for key, make in column_defaults(table).items() if key not in keys}
    columns = sorted(keys | defaults.keys())
    statement = insert(table).returning(*table.c)
    return DriverStatement.compile(statement, dialect, list(table.c), columns), defaults


@lru_cache(maxsize=4096)
def _update(table: Table, keys: frozenset[str], dialect: Dialect) -> DriverStatement:
    statement = update(table).where(table.c.id == bindparam("where_id", type_=Integer())).returning(*table.c)
    return DriverStatement.compile(statement, dialect, list(table.c), sorted(keys))


@lru_cache(maxsize=4096)
def _update_versioned(table: Table, keys: frozenset[str], dialect: Dialect) -> DriverStatement:
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("where_id", type_=Integer()),
            table.c.version == bindparam("where_version", type_=Integer()),
        )
        .returning(*table.c)
    )
    return DriverStatement.compile(statement, dialect, list(table.c), sorted(keys | {"version"}))


@lru_cache(maxsize=4096)
def _select(table: Table, dialect: Dialect, for_update: bool) -> DriverStatement:
    statement = select(table).where(table.c.id == bindparam("where_id", type_=Integer()))
    if for_update:
        statement = statement.with_for_update()
    return DriverStatement.compile(statement, dialect, list(table.c))


@lru_cache(maxsize=1024)
def _exists(table: Table, dialect: Dialect) -> DriverStatement:
    statement = select(table.c.id).where(table.c.id == bindparam("where_id", type_=Integer()))
    return DriverStatement.compile(statement, dialect, [table.c.id])


def insert_row(connection: Connection, table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """``INSERT ... RETURNING *`` of one row; the stored row (with its id and defaults) comes back."""
    statement, defaults = _insert(table, frozenset(values), connection.dialect)
    row = statement.one_or_none(connection, {**{key: make() for key, make in defaults.items()}, **values})
    assert row is not None, "INSERT ... RETURNING returns the row it inserted"
    return row


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``INSERT ... RETURNING *`` of many rows that name the same columns, in one pipelined ``executemany``
    (PostgreSQL); the stored rows come back in order."""
    if not rows:
        return []
    statement, defaults = _insert(table, frozenset(rows[0]), connection.dialect)
    return statement.many(connection, [{**{key: make() for key, make in defaults.items()}, **row} for row in rows])


def update_row(
    connection: Connection, table: Table, record_id: int, values: Mapping[str, Any]
) -> dict[str, Any] | None:
    """``UPDATE ... WHERE id = :id RETURNING *``; ``None`` when no row has that id."""
    statement = _update(table, frozenset(values), connection.dialect)
    return statement.one_or_none(connection, {**values, "where_id": record_id})


def update_versioned_row(
    connection: Connection, table: Table, record_id: int, version: int, values: Mapping[str, Any]
) -> dict[str, Any] | None:
    """``UPDATE ... SET ..., version = version + 1 WHERE id = :id AND version = :version RETURNING *`` (the
    new version computed here from ``version``); ``None`` when no row has that id at that version, i.e. another
    writer changed it since it was read."""
    statement = _update_versioned(table, frozenset(values), connection.dialect)
    return statement.one_or_none(
        connection, {**values, "version": version + 1, "where_id": record_id, "where_version": version}
    )


def select_row(
    connection: Connection, table: Table, record_id: int, *, for_update: bool = False
) -> dict[str, Any] | None:
    """One row by id (locked ``FOR UPDATE`` on PostgreSQL when asked); ``None`` when there is none."""
    return _select(table, connection.dialect, for_update).one_or_none(connection, {"where_id": record_id})


def row_exists(connection: Connection, table: Table, record_id: int) -> bool:
    """Whether ``table`` has a row with id ``record_id`` (reads the primary key only, not the row)."""
    return _exists(table, connection.dialect).one_or_none(connection, {"where_id": record_id}) is not None
