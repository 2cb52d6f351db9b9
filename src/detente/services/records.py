"""The one door for writes: create, update and delete any entity, each in one audited transaction.

Every call here opens a transaction, makes exactly one change, appends exactly one audit entry describing
it (before and after as canonical JSON) and commits both, or neither. Reads return plain dicts, the same
shape the audit log stores, so that every face (CLI, API, web, Python) sees one representation.

Interval bounds may be given with the precision they are known to: ``valid_from="1949"`` is stored as
1949-01-01 with precision ``year`` and ``valid_to="1995-06"`` as 1995-06-30 with precision ``month``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table, delete, func, select
from sqlalchemy.exc import IntegrityError

from detente.domain.dates import DateRangeError, Interval, PartialDate
from detente.services.entities import RecordError, coerce, entity, entity_name, row_snapshot
from detente.store.audit_log import append
from detente.store.base import Base, Temporal
from detente.store.database import Store
from detente.store.driver_statements import insert_row, select_row, update_row

__all__ = ["Batch", "Records"]


def _interval_values(model: type[Base], values: Mapping[str, Any], current: Interval | None) -> dict[str, Any]:
    """Turn partial-date text in ``valid_from``/``valid_to`` into stored days and precisions."""
    out = dict(values)
    if not issubclass(model, Temporal):
        return out
    bounds = {}
    for key in ("valid_from", "valid_to"):
        raw = out.get(key)
        if isinstance(raw, str | int) and not isinstance(raw, bool):
            try:
                bounds[key] = PartialDate.of(raw)
            except DateRangeError as error:
                raise RecordError(entity_name(model), key, str(error)) from None
    if not bounds:
        return out
    start = bounds.get("valid_from")
    end = bounds.get("valid_to")
    if start is not None:
        out["valid_from"], out["valid_from_precision"] = start.first_day(), start.precision.value
    if end is not None:
        out["valid_to"], out["valid_to_precision"] = end.last_day(), end.precision.value
    low = out.get("valid_from", current.valid_from if current else None)
    high = out.get("valid_to", current.valid_to if current else None)
    if low is not None and high is not None and high < low:
        raise RecordError(entity_name(model), "valid_to", f"ends ({high}) before it starts ({low})")
    return out


class Records:
    """Audited create / read / update / delete for every entity of the store.

    Writes use statements built with SQLAlchemy Core and run straight on the driver
    (:mod:`detente.store.driver_statements`: ``INSERT/UPDATE ... RETURNING``) rather than the ORM unit of
    work: the answer is the row exactly as the database stored it, in one round trip, and the hot path stays
    short enough for thousands of audited writes per second.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, kind: str | type[Base], values: Mapping[str, Any], *, actor: str) -> dict[str, Any]:
        """Insert one record and its audit entry; return the stored record."""
        model = entity(kind)
        with self._writing(entity_name(model)) as connection:
            return Batch(connection, actor).create(model, values)

    def get(self, kind: str | type[Base], record_id: int) -> dict[str, Any]:
        """One record by id; :class:`RecordError` if there is none."""
        model = entity(kind)
        table = _table(model)
        with self.store.engine.connect() as connection:
            row = connection.execute(select(table).where(table.c.id == record_id)).one_or_none()
        if row is None:
            raise RecordError(entity_name(model), None, f"there is no record with id {record_id}")
        return row_snapshot(row._mapping)

    def list(self, kind: str | type[Base], *, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Records in id order, a page at a time."""
        table = _table(entity(kind))
        with self.store.engine.connect() as connection:
            rows = connection.execute(select(table).order_by(table.c.id).limit(limit).offset(offset))
            return [row_snapshot(row._mapping) for row in rows]

    def count(self, kind: str | type[Base]) -> int:
        """How many records of this kind exist."""
        table = _table(entity(kind))
        with self.store.engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(table)) or 0)

    def update(
        self, kind: str | type[Base], record_id: int, changes: Mapping[str, Any], *, actor: str
    ) -> dict[str, Any]:
        """Change some fields of one record and append its audit entry; return the record after.

        An update that names no field changes nothing and leaves no audit entry.
        """
        model = entity(kind)
        with self._writing(entity_name(model)) as connection:
            return Batch(connection, actor).update(model, record_id, changes)

    def delete(self, kind: str | type[Base], record_id: int, *, actor: str) -> dict[str, Any]:
        """Delete one record and append its audit entry; return the record as it was."""
        model = entity(kind)
        with self._writing(entity_name(model)) as connection:
            return Batch(connection, actor).delete(model, record_id)

    @contextmanager
    def batch(self, *, actor: str) -> Iterator[Batch]:
        """Many writes in ONE transaction, still one audit entry per write: all of them commit, or none.

        Use it where a half-done set of writes would be wrong (an evidence file, a set of findings)::

            with records.batch(actor="me") as batch:
                first = batch.create("activity", {...})
                batch.create("notification", {..., "trigger_id": first["id"]})
        """
        with self._writing("batch") as connection:
            yield Batch(connection, actor)

    @contextmanager
    def _writing(self, what: str) -> Iterator[Connection]:
        """One write transaction; a constraint the database enforces becomes a :class:`RecordError`."""
        try:
            with self.store.engine.begin() as connection:
                yield connection
        except IntegrityError as error:
            raise RecordError(what, None, f"the database refused the write: {error.orig}") from None


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


class Batch:
    """The writes of one transaction, each with its own audit entry (see :meth:`Records.batch`).

    :class:`Records` makes every single write through a one-write batch, so there is one implementation of
    "write a row, then append its audit entry" for both.
    """

    def __init__(self, connection: Connection, actor: str) -> None:
        self.connection, self.actor = connection, actor

    def create(self, kind: str | type[Base], values: Mapping[str, Any]) -> dict[str, Any]:
        """Insert one record and its audit entry inside the batch; return the stored record."""
        model = entity(kind)
        data = coerce(model, _interval_values(model, values, None), partial=False)
        after = row_snapshot(insert_row(self.connection, _table(model), data))
        self._audit("create", model, after["id"], None, after)
        return after

    def update(self, kind: str | type[Base], record_id: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change some fields of one record inside the batch; return the record after (no change, no entry)."""
        model = entity(kind)
        before = row_snapshot(self._locked(model, record_id))
        interval = Interval.between(before["valid_from"], before["valid_to"]) if issubclass(model, Temporal) else None
        data = coerce(model, _interval_values(model, changes, interval), partial=True)
        if not data:
            return before  # nothing to change: no write, so no audit entry
        changed = update_row(self.connection, _table(model), record_id, data)
        assert changed is not None, "the row is locked by this transaction"
        after = row_snapshot(changed)
        self._audit("update", model, record_id, before, after)
        return after

    def delete(self, kind: str | type[Base], record_id: int) -> dict[str, Any]:
        """Delete one record inside the batch; return it as it was."""
        model = entity(kind)
        table = _table(model)
        before = row_snapshot(self._locked(model, record_id))
        self.connection.execute(delete(table).where(table.c.id == record_id))
        self._audit("delete", model, record_id, before, None)
        return before

    def _locked(self, model: type[Base], record_id: int) -> Mapping[str, Any]:
        row = select_row(self.connection, _table(model), record_id, for_update=True)
        if row is None:
            raise RecordError(entity_name(model), None, f"there is no record with id {record_id}")
        return row

    def _audit(self, action: str, model: type[Base], record_id: int, before: Any, after: Any) -> None:
        append(
            self.connection,
            actor=self.actor,
            action=action,
            object_type=entity_name(model),
            object_id=str(record_id),
            before=before,
            after=after,
        )
