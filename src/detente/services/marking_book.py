"""The markings table, parsed once per process and kept while the audit log's data head stays put.

Every read works out which markings its reader may see (:meth:`detente.services.access.Scope.of`). Reading
and parsing the whole ``markings`` table through SQLAlchemy on every request cost a fifth of an API read, for
a table that changes only when a user marks a record with a classification and releasability nobody used
before. So each process keeps, per database, a *book*: the parsed rows, and for each kind of reader
(clearance, nationality, affiliations) the markings that reader may see.

When is a book still right? Every change of a marking goes through the audited services (a marking is
created in the transaction that first uses it, and any update or delete of one is an audited write like any
other), and every audited change of data moves the audit log's *data head*
(:class:`~detente.store.models.audit.AuditHead`: ``data_hash``, the hash of the newest entry that changed
data; reads and exports do not move it). The hash chains every entry's content and time, so one value of it
names one state of the data: the markings a connection sees are a function of the data head that same
connection sees. Each request therefore asks its own connection one primary-key question,
``SELECT data_hash FROM audit_head WHERE id = 1``, straight on the driver, and uses the book kept for that
hash. A hash not seen before (some write happened) reads the table again, in one statement together with the
head, so the two always belong together; a transaction's own uncommitted writes move the head it sees to a
hash of its own, which no other connection will ever see. Nothing is assumed about ids (SQLite may reuse the
id of a rolled-back insert) and nothing about markings never changing: a changed row means a new head, hence
a new book, so a reader never sees more than the table allows.

The one way around it is to change the ``markings`` table by hand in SQL, outside detente's audit log; a
process then keeps its book until the next audited write (or a restart). detente never writes that way.

Books are kept per engine (one per :class:`~detente.store.database.Store`) and forgotten with it; only the
last few heads are kept.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from detente.domain.markings import Classification, MarkingError, Reader, can_see

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

__all__ = ["Visible", "visible_markings"]

Visible = tuple[frozenset[int], dict[int, dict[str, Any]]]
"""The ids of the markings a reader may see, and each of them as shown with a record (read-only: shared)."""

_HEADS_KEPT = 4
"""Books kept per database: a few, so that connections a write or two apart do not evict each other."""
_READERS_KEPT = 4096
"""Kinds of reader remembered per book before it starts afresh (a bound, never reached by real user counts)."""

_HEAD = "SELECT data_hash FROM audit_head WHERE id = 1"
_TABLE = "SELECT id, classification, releasable_to, caveat FROM markings"
_TABLE_WITH_HEAD = {
    # One statement, so the head and the rows come from the same snapshot. The JSON list travels as text, to be
    # parsed once here and not by the driver on every read.
    "sqlite": "SELECT h.data_hash, m.id, m.classification, m.releasable_to, m.caveat "
    "FROM audit_head h LEFT JOIN markings m ON 1 = 1 WHERE h.id = 1 ORDER BY m.id",
    "postgresql": "SELECT h.data_hash, m.id, m.classification, m.releasable_to::text, m.caveat "
    "FROM audit_head h LEFT JOIN markings m ON true WHERE h.id = 1 ORDER BY m.id",
}

Row = tuple[int, str, Any, str | None]
"""A markings row as stored: id, classification, releasable_to (JSON text, or a list), caveat."""


@dataclass
class _Book:
    """The markings as of one data head: parsed rows, and what each kind of reader may see of them."""

    rows: tuple[Row, ...]
    parsed: list[tuple[int, Classification, list[str], str | None]]
    readers: dict[Reader, Visible] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: tuple[Row, ...]) -> _Book:
        parsed = []
        for marking_id, classification, releasable_to, caveat in rows:
            try:
                level = Classification.parse(classification)
            except MarkingError:
                continue  # a marking detente cannot read is shown to nobody rather than to everybody
            tokens = json.loads(releasable_to) if isinstance(releasable_to, str) else releasable_to
            parsed.append((int(marking_id), level, list(tokens or []), caveat))
        return cls(rows, parsed)

    def visible(self, reader: Reader) -> Visible:
        found = self.readers.get(reader)
        if found is None:
            shown = {
                marking_id: {"classification": level.label, "releasable_to": list(tokens), "caveat": caveat}
                for marking_id, level, tokens, caveat in self.parsed
                if can_see(reader, level, tokens)
            }
            found = (frozenset(shown), shown)
            if len(self.readers) >= _READERS_KEPT:
                self.readers.clear()
            self.readers[reader] = found
        return found


class _Books:
    """The books of one database, by data head (the newest last)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_head: OrderedDict[str, _Book] = OrderedDict()

    def get(self, head: str) -> _Book | None:
        return self.by_head.get(head)

    def put(self, head: str, rows: tuple[Row, ...]) -> _Book:
        with self.lock:
            found = self.by_head.get(head)
            if found is not None:
                return found
            # The same rows under a new head (a write elsewhere): keep what was worked out for each reader.
            same = next((book for book in self.by_head.values() if book.rows == rows), None)
            book = _Book(rows, same.parsed, dict(same.readers)) if same is not None else _Book.of(rows)
            self.by_head[head] = book
            while len(self.by_head) > _HEADS_KEPT:
                self.by_head.popitem(last=False)
            return book


_BY_ENGINE: weakref.WeakKeyDictionary[Engine, _Books] = weakref.WeakKeyDictionary()
_BY_ENGINE_LOCK = threading.Lock()


def _books(engine: Engine) -> _Books:
    found = _BY_ENGINE.get(engine)
    if found is None:
        with _BY_ENGINE_LOCK:
            found = _BY_ENGINE.setdefault(engine, _Books())
    return found


def _fetch(connection: Connection, sql: str) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` run on the connection's own driver connection, inside its open transaction."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def visible_markings(connection: Connection, reader: Reader) -> Visible:
    """What ``reader`` may see of the markings ``connection`` sees (see the module's notes on the book)."""
    dialect = connection.dialect.name
    combined = _TABLE_WITH_HEAD.get(dialect)
    if combined is None:  # a database detente does not tune for: read the table each time
        return _Book.of(tuple(_table(connection))).visible(reader)
    books = _books(connection.engine)
    head = _fetch(connection, _HEAD)
    if head:
        book = books.get(str(head[0][0]))
        if book is not None:
            return book.visible(reader)
    rows = _fetch(connection, combined)
    if not rows:  # no audit head row (a store that is not at the current schema): nothing to key a book on
        return _Book.of(tuple(_table(connection))).visible(reader)
    marked = tuple((row[1], row[2], row[3], row[4]) for row in rows if row[1] is not None)
    return books.put(str(rows[0][0]), marked).visible(reader)


def _table(connection: Connection) -> list[Row]:
    return [(row[0], row[1], row[2], row[3]) for row in _fetch(connection, _TABLE)]
