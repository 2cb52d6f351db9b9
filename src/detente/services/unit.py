"""A unit of work: several audited writes in one transaction, all committed together or none.

:class:`~detente.services.records.Records` makes one change per transaction. A practitioner's action often
makes more than one (a record, its marking and a release request; an assessment that scores every objective
and moves the engagement on), and those must land together. :func:`unit` opens the transaction; each
:meth:`Unit.insert` / :meth:`Unit.update` / :meth:`Unit.delete` writes one row and appends one audit entry for
it, exactly as ``Records`` does, and checks foreign keys first so that an unknown reference gets a message
naming the field rather than a database error.

Optimistic concurrency: a marked record has a ``version``; every update through a unit raises it by one, and
an update that expects a version other than the stored one raises :class:`ConflictError`. The check is part of
the ``UPDATE ... WHERE`` itself, so two writers racing on PostgreSQL cannot both win. SQLite allows one
writer at a time per database; inside one process a lock queues writers so that a unit's reads and writes see
one state.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from detente.domain.dates import Interval
from detente.services.entities import ENTITIES, RecordError, coerce, entity_name, row_snapshot
from detente.services.errors import ConflictError, NotFoundError
from detente.services.records import _interval_values
from detente.store.audit_log import append
from detente.store.base import Base, Marked, Temporal
from detente.store.database import Store

__all__ = ["Unit", "audit_only", "table_of", "unit"]

_SQLITE_WRITER = threading.Lock()


def table_of(model: type[Base]) -> Table:
    """The Core table of a model."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


@cache
def _references(model: type[Base]) -> dict[str, type[Base]]:
    """Foreign-key columns of ``model`` and the model each points to."""
    by_table = {m.__tablename__: m for m in ENTITIES.values()}
    out: dict[str, type[Base]] = {}
    for attr in inspect(model).column_attrs:
        column = attr.columns[0]
        for key in column.foreign_keys:
            out[attr.key] = by_table[key.column.table.name]
    return out


class Unit:
    """Audited writes on one open transaction, made for one actor."""

    def __init__(self, connection: Connection, actor: str) -> None:
        self.connection = connection
        self.actor = actor

    def _check_references(self, model: type[Base], values: Mapping[str, Any]) -> None:
        for field, target in _references(model).items():
            ref = values.get(field)
            if ref is None:
                continue
            table = table_of(target)
            if self.connection.execute(select(table.c.id).where(table.c.id == ref)).first() is None:
                raise RecordError(entity_name(model), field, f"there is no {entity_name(target)} with id {ref}")

    def insert(self, model: type[Base], values: Mapping[str, Any]) -> dict[str, Any]:
        """Insert one row, audit it (``create``) and return it as stored."""
        data = coerce(model, _interval_values(model, values, None), partial=False)
        self._check_references(model, data)
        table = table_of(model)
        row = self.connection.execute(insert(table).returning(*table.c), data).one()
        after = row_snapshot(row._mapping)
        self.audit("create", entity_name(model), after["id"], None, after)
        return after

    def read(self, model: type[Base], record_id: int, *, lock: bool = False) -> dict[str, Any]:
        """One row (locked ``FOR UPDATE`` on PostgreSQL when ``lock``); :class:`NotFoundError` if absent."""
        table = table_of(model)
        query = select(table).where(table.c.id == record_id)
        row = self.connection.execute(query.with_for_update() if lock else query).one_or_none()
        if row is None:
            raise NotFoundError(f"there is no {entity_name(model)} with id {record_id}")
        return row_snapshot(row._mapping)

    def update(
        self,
        model: type[Base],
        record_id: int,
        changes: Mapping[str, Any],
        *,
        expected_version: int | None = None,
        action: str = "update",
    ) -> dict[str, Any]:
        """Change one row, audit it (``update`` or the given action) and return it after.

        For a marked record the version goes up by one; with ``expected_version`` the change is made only if
        the stored version is still that one, else :class:`ConflictError`.
        """
        name = entity_name(model)
        before = self.read(model, record_id, lock=True)
        interval = Interval.between(before["valid_from"], before["valid_to"]) if issubclass(model, Temporal) else None
        data = coerce(model, _interval_values(model, changes, interval), partial=True)
        self._check_references(model, data)
        table = table_of(model)
        statement = update(table).where(table.c.id == record_id)
        if issubclass(model, Marked):
            if expected_version is not None:
                if before["version"] != expected_version:
                    raise _stale(name, record_id, expected_version, before["version"])
                statement = statement.where(table.c.version == expected_version)
            data["version"] = table.c.version + 1
        row = self.connection.execute(statement.values(data).returning(*table.c)).one_or_none()
        if row is None:
            raise _stale(name, record_id, expected_version, None)
        after = row_snapshot(row._mapping)
        self.audit(action, name, record_id, before, after)
        return after

    def delete(self, model: type[Base], record_id: int) -> dict[str, Any]:
        """Delete one row, audit it and return it as it was."""
        before = self.read(model, record_id, lock=True)
        table = table_of(model)
        self.connection.execute(delete(table).where(table.c.id == record_id))
        self.audit("delete", entity_name(model), record_id, before, None)
        return before

    def audit(self, action: str, object_type: str, object_id: Any, before: Any, after: Any) -> None:
        """Append one audit entry in this transaction."""
        append(
            self.connection,
            actor=self.actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=before,
            after=after,
        )


def _stale(name: str, record_id: int, expected: int | None, found: int | None) -> ConflictError:
    now = f" (it is at version {found})" if found is not None else ""
    return ConflictError(
        f"{name} {record_id} was changed by someone else since you read version {expected}{now}: "
        "read it again and reapply your change",
        field="version",
    )


@contextmanager
def unit(store: Store, actor: str) -> Iterator[Unit]:
    """Open one transaction for ``actor``'s audited writes; commit on success, roll back on any error."""
    sqlite = store.engine.dialect.name == "sqlite"
    if sqlite:
        _SQLITE_WRITER.acquire()
    try:
        with store.engine.begin() as connection:
            yield Unit(connection, actor)
    except IntegrityError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise RecordError("record", None, f"the database refused the write: {reason}") from None
    finally:
        if sqlite:
            _SQLITE_WRITER.release()


def audit_only(store: Store, actor: str, action: str, object_type: str, object_id: Any, after: Any) -> None:
    """Append one audit entry that records a read or an export (no row changes)."""
    with unit(store, actor) as work:
        work.audit(action, object_type, object_id, None, after)
