"""The one door for writes: every change to any record is one row written plus one audit entry, in a transaction.

:class:`Batch` is the only code that writes a row: :meth:`Batch.create`, :meth:`Batch.update` and
:meth:`Batch.delete` each write one row and append one audit entry describing it (before and after as
canonical JSON), on the batch's open transaction. :func:`batch` opens that transaction and commits all of its
writes together, or none; :class:`Records` makes single changes through a one-write batch, and the
practitioners' services (:mod:`detente.services.writing`, :mod:`detente.services.accounts`) open a batch per
action (a record, its marking and a release request land together).

Bulk writes (:meth:`Batch.create_many`, :meth:`Batch.update_many`, :meth:`Batch.delete_many`) write many rows
of one kind in a handful of statements, however many rows, and still append one audit entry per row (all
of them at once, :func:`~detente.store.audit_log.append_many`): the same rows and the same chain as one call
per row, without a database round trip per row. The compliance engine stores its findings this way.

Compliance findings follow their evidence: a batch that creates, changes or deletes evidence records
(declarations, notifications, inspections, activities, approvals) notes each as it was and as it is, and once
it commits refreshes the stored findings resting on them, once for the whole batch (:attr:`Batch.refreshed`;
see :func:`batch`). The evidence importer turns this off and refreshes at the dates it is asked for.

Foreign keys are checked before a write so that an unknown reference gets a message naming the field rather
than a database error. Reads return plain dicts, the same shape the audit log stores, so that every face
(CLI, API, web, Python) sees one representation.

Optimistic concurrency: every record users change (marked records and their children) has a ``version``
(:class:`~detente.store.base.Versioned`); every update raises it by one, and an update that
expects a version other than the stored one raises :class:`~detente.services.errors.ConflictError`. The check
is part of the ``UPDATE ... WHERE`` itself, so two writers racing (two processes on one SQLite file, or two
sessions on PostgreSQL) cannot both win. SQLite allows one writer at a time per database; inside one process
a lock queues writers so that a batch's reads and writes see one state.

Interval bounds may be given with the precision they are known to: ``valid_from="1949"`` is stored as
1949-01-01 with precision ``year`` and ``valid_to="1995-06"`` as 1995-06-30 with precision ``month``.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from detente.domain.dates import DateRangeError, Interval, PartialDate
from detente.services.entities import ENTITIES, RecordError, coerce, entity, entity_name, row_snapshot
from detente.services.errors import ConflictError, NotFoundError
from detente.services.evidence_changes import EvidenceChanges
from detente.store.audit_log import Pending, append, append_many
from detente.store.base import Base, Temporal, Versioned
from detente.store.database import Store
from detente.store.driver_statements import column_defaults as _defaults
from detente.store.driver_statements import (
    insert_row,
    insert_rows,
    row_exists,
    select_row,
    update_row,
    update_versioned_row,
)

if TYPE_CHECKING:
    from detente.compliance.refresh import Refresh

__all__ = ["Batch", "Records", "audit_only", "batch", "table_of"]

_SQLITE_WRITER = threading.Lock()


def table_of(model: type[Base]) -> Table:
    """The Core table of a model."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


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


@contextmanager
def batch(store: Store, actor: str, what: str = "record", *, refresh_findings: bool = True) -> Iterator[Batch]:
    """Open one transaction for ``actor``'s audited writes; commit on success, roll back on any error.

    A constraint the database enforces becomes a :class:`RecordError` naming ``what`` was written.

    Once the transaction has committed, the stored compliance findings resting on evidence the batch created,
    changed or deleted are brought up to date (unless ``refresh_findings`` is false: a caller that refreshes
    them its own way, as the evidence importer does), once for the whole batch
    (:class:`~detente.services.evidence_changes.EvidenceChanges`; :attr:`Batch.refreshed` tells what that did).
    The refresh runs after the commit, in its own transaction, because it reads and writes through batches of
    its own: should it fail, the evidence stays written, the findings stay as they were (none half-stored)
    and the error reaches the caller; evaluating the treaty again puts them right.
    """
    sqlite = store.engine.dialect.name == "sqlite"
    if sqlite:
        _SQLITE_WRITER.acquire()
    try:
        with store.engine.begin() as connection:
            if sqlite:
                # Take the write lock now: a deferred transaction that reads, then writes, fails at once
                # ("database is locked", no busy wait) when another process wrote in between, which is what
                # several `detente serve --workers N` workers on one SQLite file do all the time.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            work = Batch(connection, actor)
            yield work
    except IntegrityError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise RecordError(what, None, f"the database refused the write: {reason}") from None
    finally:
        if sqlite:
            _SQLITE_WRITER.release()
    # committed, and the writer lock released: the refresh opens batches of its own
    if refresh_findings:
        work.refreshed = work.evidence.refresh(store, actor)


def audit_only(store: Store, actor: str, action: str, object_type: str, object_id: Any, after: Any) -> None:
    """Append one audit entry that records a read or an export (no row changes)."""
    with batch(store, actor) as work:
        work.audit(action, object_type, object_id, None, after)


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
        with batch(self.store, actor, entity_name(model)) as work:
            return work.create(model, values)

    def get(self, kind: str | type[Base], record_id: int) -> dict[str, Any]:
        """One record by id; :class:`RecordError` if there is none."""
        model = entity(kind)
        table = table_of(model)
        with self.store.engine.connect() as connection:
            row = connection.execute(select(table).where(table.c.id == record_id)).one_or_none()
        if row is None:
            raise RecordError(entity_name(model), None, f"there is no record with id {record_id}")
        return row_snapshot(row._mapping)

    def list(self, kind: str | type[Base], *, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Records in id order, a page at a time."""
        table = table_of(entity(kind))
        with self.store.engine.connect() as connection:
            rows = connection.execute(select(table).order_by(table.c.id).limit(limit).offset(offset))
            return [row_snapshot(row._mapping) for row in rows]

    def count(self, kind: str | type[Base]) -> int:
        """How many records of this kind exist."""
        table = table_of(entity(kind))
        with self.store.engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(table)) or 0)

    def update(
        self, kind: str | type[Base], record_id: int, changes: Mapping[str, Any], *, actor: str
    ) -> dict[str, Any]:
        """Change some fields of one record and append its audit entry; return the record after.

        An update that names no field changes nothing and leaves no audit entry.
        """
        model = entity(kind)
        with batch(self.store, actor, entity_name(model)) as work:
            try:
                return work.update(model, record_id, changes)
            except NotFoundError:
                raise RecordError(entity_name(model), None, f"there is no record with id {record_id}") from None

    def delete(self, kind: str | type[Base], record_id: int, *, actor: str) -> dict[str, Any]:
        """Delete one record and append its audit entry; return the record as it was."""
        model = entity(kind)
        with batch(self.store, actor, entity_name(model)) as work:
            try:
                return work.delete(model, record_id)
            except NotFoundError:
                raise RecordError(entity_name(model), None, f"there is no record with id {record_id}") from None

    @contextmanager
    def batch(self, *, actor: str, refresh_findings: bool = True) -> Iterator[Batch]:
        """Many writes in ONE transaction, still one audit entry per write: all of them commit, or none.

        Use it where a half-done set of writes would be wrong (an evidence file, a set of findings)::

            with records.batch(actor="me") as work:
                first = work.create("activity", {...})
                work.create("notification", {..., "trigger_id": first["id"]})
        """
        with batch(self.store, actor, "batch", refresh_findings=refresh_findings) as work:
            yield work


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


class Batch:
    """The writes of one transaction, each with its own audit entry (open one with :func:`batch`)."""

    def __init__(self, connection: Connection, actor: str) -> None:
        self.connection, self.actor = connection, actor
        self.evidence = EvidenceChanges()
        """Evidence created, changed or deleted so far (its findings are refreshed once the batch commits)."""
        self.shown_markings: dict[int, dict[str, Any]] = {}
        """Markings this transaction has read or written, by id, as shown with a record (classification label,
        releasable_to, caveat): kept for the one transaction, so the writer answers without reading them again."""
        self.refreshed: list[Refresh] = []
        """What refreshing the findings did once the batch committed (empty until then, or if no evidence changed)."""

    def _check_references(self, model: type[Base], values: Mapping[str, Any], trusted: Collection[str] = ()) -> None:
        """Refuse, naming the field, a reference to a record that does not exist (the database would refuse it
        too, but without saying which field). ``trusted`` fields were set by detente from rows it has just
        read in this transaction (the acting user, a marking it looked up, a parent it checked): not read again.
        """
        for field, target in _references(model).items():
            ref = values.get(field)
            if ref is None or field in trusted:
                continue
            if not row_exists(self.connection, table_of(target), ref):
                raise RecordError(entity_name(model), field, f"there is no {entity_name(target)} with id {ref}")

    def create(
        self, kind: str | type[Base], values: Mapping[str, Any], *, trusted: Collection[str] = ()
    ) -> dict[str, Any]:
        """Insert one record and its audit entry (``create``); return the stored record.

        ``trusted`` names reference fields the caller set itself from rows read in this transaction, whose
        existence need not be checked again (see :meth:`_check_references`).
        """
        model = entity(kind)
        data = coerce(model, _interval_values(model, values, None), partial=False)
        self._check_references(model, data, trusted)
        after = row_snapshot(insert_row(self.connection, table_of(model), data))
        self.evidence.note_after(entity_name(model), [after])
        self.audit("create", entity_name(model), after["id"], None, after)
        return after

    def read(self, kind: str | type[Base], record_id: int, *, lock: bool = False) -> dict[str, Any]:
        """One record (locked ``FOR UPDATE`` on PostgreSQL when ``lock``); :class:`NotFoundError` if absent."""
        model = entity(kind)
        row = select_row(self.connection, table_of(model), record_id, for_update=lock)
        if row is None:
            raise NotFoundError(f"there is no {entity_name(model)} with id {record_id}")
        return row_snapshot(row)

    def update(
        self,
        kind: str | type[Base],
        record_id: int,
        changes: Mapping[str, Any],
        *,
        expected_version: int | None = None,
        action: str = "update",
        locked: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Change some fields of one record, audit it (``update`` or ``action``); return the record after.

        An update that names no field changes nothing and leaves no audit entry. A versioned record's version
        goes up by one; with ``expected_version`` the change is made only if the stored version is still that
        one, else :class:`ConflictError`. ``locked`` is the record as the caller already read it, locked, in
        this transaction (so it is not read again); otherwise it is read and locked here.
        """
        model = entity(kind)
        name = entity_name(model)
        if locked is not None and locked.get("id") != record_id:
            raise ValueError(f"the locked record is {name} {locked.get('id')}, not {record_id}")
        before = dict(locked) if locked is not None else self.read(model, record_id, lock=True)
        interval = Interval.between(before["valid_from"], before["valid_to"]) if issubclass(model, Temporal) else None
        data = coerce(model, _interval_values(model, changes, interval), partial=True)
        if not data:
            return before  # nothing to change: no write, so no audit entry
        self._check_references(model, data)
        table = table_of(model)
        self.evidence.note_before(self.connection, name, [record_id])
        if issubclass(model, Versioned):
            if expected_version is not None and before["version"] != expected_version:
                raise _stale(name, record_id, expected_version, before["version"])
            # The version read is part of the WHERE: a writer that slipped in since then makes this match nothing.
            changed: Mapping[str, Any] | None = update_versioned_row(
                self.connection, table, record_id, before["version"], data
            )
        else:
            changed = update_row(self.connection, table, record_id, data)
        if changed is None:
            raise _stale(name, record_id, expected_version, None)
        after = row_snapshot(changed)
        self.evidence.note_after(name, [after])
        self.audit(action, name, record_id, before, after)
        return after

    def delete(self, kind: str | type[Base], record_id: int, *, expected_version: int | None = None) -> dict[str, Any]:
        """Delete one record and audit it; return it as it was (``expected_version`` as for :meth:`update`)."""
        model = entity(kind)
        name = entity_name(model)
        before = self.read(model, record_id, lock=True)
        if issubclass(model, Versioned) and expected_version is not None and before["version"] != expected_version:
            raise _stale(name, record_id, expected_version, before["version"])
        table = table_of(model)
        self.evidence.note_before(self.connection, name, [record_id])
        self.connection.execute(delete(table).where(table.c.id == record_id))
        self.audit("delete", name, record_id, before, None)
        return before

    def _check_references_many(self, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
        """:meth:`_check_references` for many rows: one query per referenced table (per chunk of ids)."""
        for field, target in _references(model).items():
            wanted = {row[field] for row in rows if row.get(field) is not None}
            if not wanted:
                continue
            table = table_of(target)
            found: set[Any] = set()
            for chunk in _chunks(sorted(wanted)):
                found.update(self.connection.execute(select(table.c.id).where(table.c.id.in_(chunk))).scalars())
            missing = sorted(wanted - found)
            if missing:
                raise RecordError(entity_name(model), field, f"there is no {entity_name(target)} with id {missing[0]}")

    def _rows(self, table: Table, ids: Sequence[int], *, lock: bool = False) -> dict[int, dict[str, Any]]:
        """Rows by id (locked ``FOR UPDATE`` on PostgreSQL when ``lock``), a chunk of ids per query."""
        out: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(ids):
            query = select(table).where(table.c.id.in_(chunk))
            if lock:
                query = query.with_for_update()
            out.update({int(row.id): dict(row._mapping) for row in self.connection.execute(query)})
        return out

    def create_many(self, kind: str | type[Base], rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Insert many records of one kind and append their audit entries (``create``); return them, in order.

        The same checks and stored rows as :meth:`create` for each, written with one pipelined
        ``executemany`` on PostgreSQL and one multi-row ``INSERT ... RETURNING`` per thousand rows on SQLite.
        Any column of the model may be given (rows may give different ones: a column a row leaves out gets its
        default).
        """
        model = entity(kind)
        name = entity_name(model)
        data = [coerce(model, _interval_values(model, values, None), partial=False) for values in rows]
        if not data:
            return []
        self._check_references_many(model, data)
        table = table_of(model)
        keys = {key for values in data for key in values}
        defaults = _defaults(table)
        filled = [
            {key: values[key] if key in values else defaults.get(key, _none)() for key in keys} for values in data
        ]
        if self.connection.dialect.name == "postgresql":
            # psycopg's pipelined executemany: far cheaper than parsing one huge multi-row INSERT per batch
            rows_stored = insert_rows(self.connection, table, filled)
        else:
            statement = insert(table).returning(*table.c, sort_by_parameter_order=True)
            rows_stored = [dict(row._mapping) for row in self.connection.execute(statement, filled)]
        stored = [row_snapshot(row) for row in rows_stored]
        self.evidence.note_after(name, stored)
        self.audit_many([Pending(self.actor, "create", name, str(after["id"]), None, after) for after in stored])
        return stored

    def update_many(
        self, kind: str | type[Base], changes: Mapping[int, Mapping[str, Any]], *, action: str = "update"
    ) -> list[dict[str, Any]]:
        """Change some fields of many records of one kind, audit each (``update`` or ``action``); return them
        after, in the order given.

        As :meth:`update` for each record (a record given no field is left alone and not audited; a versioned
        record's version goes up by one), in a few statements: the records are read and locked together, the
        changes written with one ``executemany`` per set of changed fields, and the records read back once.
        :class:`NotFoundError` names the first id that has no record.
        """
        model = entity(kind)
        name = entity_name(model)
        table = table_of(model)
        befores = self._rows(table, list(changes), lock=True)
        missing = [record_id for record_id in changes if record_id not in befores]
        if missing:
            raise NotFoundError(f"there is no {name} with id {missing[0]}")
        data: dict[int, dict[str, Any]] = {}
        for record_id, change in changes.items():
            before = befores[record_id]
            interval = (
                Interval.between(before["valid_from"], before["valid_to"]) if issubclass(model, Temporal) else None
            )
            coerced = coerce(model, _interval_values(model, change, interval), partial=True)
            if coerced:
                data[record_id] = coerced
        if not data:
            return []
        self._check_references_many(model, list(data.values()))
        self.evidence.note_before(self.connection, name, list(data))
        by_fields: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for record_id, values in data.items():
            fields = tuple(sorted(values))
            by_fields.setdefault(fields, []).append({"where_id": record_id, **{f"new_{k}": values[k] for k in fields}})
        for fields, parameters in by_fields.items():
            assignments: dict[str, Any] = {k: bindparam(f"new_{k}", type_=table.c[k].type) for k in fields}
            if issubclass(model, Versioned):
                assignments["version"] = table.c.version + 1
            statement = update(table).where(table.c.id == bindparam("where_id")).values(assignments)
            self.connection.execute(statement, parameters)
        afters = self._rows(table, list(data))
        out = [row_snapshot(afters[record_id]) for record_id in data]
        self.evidence.note_after(name, out)
        self.audit_many(
            [
                Pending(self.actor, action, name, str(record_id), row_snapshot(befores[record_id]), after)
                for record_id, after in zip(data, out, strict=True)
            ]
        )
        return out

    def delete_many(self, kind: str | type[Base], ids: Sequence[int]) -> list[dict[str, Any]]:
        """Delete many records of one kind and audit each; return them as they were, in the order given.

        As :meth:`delete` for each, in a few statements (read and lock, delete, per chunk of ids);
        :class:`NotFoundError` names the first id that has no record.
        """
        model = entity(kind)
        name = entity_name(model)
        table = table_of(model)
        befores = self._rows(table, ids, lock=True)
        missing = [record_id for record_id in ids if record_id not in befores]
        if missing:
            raise NotFoundError(f"there is no {name} with id {missing[0]}")
        self.evidence.note_before(self.connection, name, ids)
        for chunk in _chunks(ids):
            self.connection.execute(delete(table).where(table.c.id.in_(chunk)))
        out = [row_snapshot(befores[record_id]) for record_id in ids]
        self.audit_many(
            [
                Pending(self.actor, "delete", name, str(record_id), before, None)
                for record_id, before in zip(ids, out, strict=True)
            ]
        )
        return out

    def audit_many(self, changes: Sequence[Pending]) -> None:
        """Append one audit entry per change in this transaction, all at once."""
        append_many(self.connection, changes)

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


CHUNK = 5_000
"""Ids per ``IN (...)`` list of a bulk read or delete (well under SQLite's limit on bound parameters)."""


def _chunks(ids: Sequence[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _none() -> None:
    return None


def _stale(name: str, record_id: int, expected: int | None, found: int | None) -> ConflictError:
    now = f" (it is at version {found})" if found is not None else ""
    return ConflictError(
        f"{name} {record_id} was changed by someone else since you read version {expected}{now}: "
        "read it again and reapply your change",
        field="version",
    )
