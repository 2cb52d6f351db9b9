"""Appending to and reading the audit log.

:func:`append_many` is the only code path that writes ``audit_entries``. It runs inside the caller's
transaction, so the writes it records and their entries commit or roll back together. It locks the single
``audit_head`` row first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite allows one writer at a time anyway),
which keeps the chain a line even with many writers. The head is read and locked once, the chain of hashes is
computed in Python, the entries go to the database in one ``executemany`` and the head moves once: three round
trips however many entries, which is what bulk writes (thousands of findings) need.

:func:`append` records one write: it is :func:`append_many` of one entry, so a chain grown one entry at a time
is exactly the chain grown in bulk.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from detente.domain.audit_chain import (
    GENESIS_HASH,
    ChainBreak,
    ChainEntry,
    Segment,
    canonical_json,
    entry_hash,
    stitch,
    verify_segment,
)
from detente.store.engine import make_engine
from detente.store.models.audit import AuditEntry, AuditHead

__all__ = ["ACTIONS", "Pending", "append", "append_many", "head", "iter_chain_rows", "verify"]

ACTIONS = frozenset(
    {"create", "update", "delete", "load", "evaluate", "transition", "release", "login", "logout", "read", "export"}
)
"""The fixed vocabulary of audit actions."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


# The three statements of an append go straight to the driver: they sit on the path of every write, take only
# text and integers, and SQLAlchemy's statement machinery would cost more than the database work itself.
_READ_HEAD = "SELECT seq, hash FROM audit_head WHERE id = 1"
_INSERT_ENTRY = (
    "INSERT INTO audit_entries (seq, at, actor, action, object_type, object_id, before, after, prev_hash, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_MOVE_HEAD = "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1"
_MOVE_BOTH_HEADS = "UPDATE audit_head SET seq = ?, hash = ?, data_seq = ?, data_hash = ? WHERE id = 1"
READ_ONLY_ACTIONS = frozenset({"read", "export"})
"""Actions that record a look at data, not a change: they move the head, not the data head
(:class:`~detente.store.models.audit.AuditHead`)."""


def _move_head(connection: Connection, cursor: Any, seq: int, digest: str, data: tuple[int, str] | None) -> None:
    """Move the head to (seq, digest), and the data head to ``data`` when the entries changed data."""
    if data is None:
        cursor.execute(_placeholders(connection, _MOVE_HEAD), (seq, digest))
    else:
        cursor.execute(_placeholders(connection, _MOVE_BOTH_HEADS), (seq, digest, *data))


def _placeholders(connection: Connection, sql: str) -> str:
    """Write ``?`` placeholders in the driver's own style (psycopg uses ``%s``)."""
    return sql.replace("?", "%s") if connection.dialect.paramstyle in ("format", "pyformat") else sql


@dataclass(frozen=True)
class Pending:
    """One entry waiting to be appended by :func:`append_many`, stamped with the time it happened (``at``)."""

    actor: str
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any
    at: str = field(default_factory=_now)


def append_many(connection: Connection | Session, entries: Sequence[Pending]) -> list[ChainEntry]:
    """Append several entries in the open transaction of ``connection``, in order, and return them.

    This is the one place the chain grows: each entry's ``prev_hash`` is the hash of the one before it (the
    head's for the first), and its own hash covers all its fields and that link. It takes three statements
    whatever the number of entries: the head is read (and locked) once, the entries go in with one
    ``executemany`` and the head moves once. Each entry keeps the time it was made (``at``), which may be a
    little before the append. Nothing is written unless every entry names a known action and an actor.
    """
    if not entries:
        return []
    for pending in entries:
        if pending.action not in ACTIONS:
            raise ValueError(f"audit action {pending.action!r} is not one of {sorted(ACTIONS)}")
        if not pending.actor:
            raise ValueError("every write needs an actor")
    if isinstance(connection, Session):
        connection = connection.connection()
    postgres = connection.dialect.name == "postgresql"
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_READ_HEAD + (" FOR UPDATE" if postgres else ""))
        current = cursor.fetchone()
        if current is None:
            raise RuntimeError("audit_head is missing its row: the database was not created by `detente init`")
        seq, prev_hash = current
        made: list[ChainEntry] = []
        rows: list[tuple[Any, ...]] = []
        data: tuple[int, str] | None = None
        for pending in entries:
            seq += 1
            entry = ChainEntry(
                seq=seq,
                at=pending.at,
                actor=pending.actor,
                action=pending.action,
                object_type=pending.object_type,
                object_id=pending.object_id,
                before=canonical_json(pending.before),
                after=canonical_json(pending.after),
                prev_hash=prev_hash,
            )
            prev_hash = entry_hash(entry)
            if pending.action not in READ_ONLY_ACTIONS:
                data = (seq, prev_hash)
            made.append(entry)
            e = entry
            rows.append(
                (seq, e.at, e.actor, e.action, e.object_type, e.object_id, e.before, e.after, e.prev_hash, prev_hash)
            )
        insert = _placeholders(connection, _INSERT_ENTRY)
        if len(rows) == 1:  # psycopg's executemany costs more CPU than execute for a single row
            cursor.execute(insert, rows[0])
        else:
            cursor.executemany(insert, rows)
        _move_head(connection, cursor, seq, prev_hash, data)
    finally:
        cursor.close()
    return made


def append(
    connection: Connection | Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
) -> ChainEntry:
    """Append one entry for a write made in the open transaction of ``connection`` and return it.

    This is :func:`append_many` of a single :class:`Pending` entry, so one code path computes every hash of
    the chain. The head row is read ``FOR UPDATE`` on PostgreSQL, so concurrent writers queue up behind each
    other and the chain stays a single line; SQLite admits one writer at a time by itself.
    """
    (entry,) = append_many(connection, [Pending(actor, action, object_type, object_id, before, after)])
    return entry


def head(connection: Connection) -> tuple[int, str]:
    """The (seq, hash) the store recorded for its newest entry."""
    row = connection.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    return int(row[0]), str(row[1])


_READ_CHAIN = (
    "SELECT seq, at, actor, action, object_type, object_id, before, after, prev_hash, hash "
    "FROM audit_entries WHERE seq BETWEEN {low} AND {high} ORDER BY seq"
)

PARALLEL_FROM = 50_000
"""Below this many entries one process verifies faster than several can start."""


def iter_chain_rows(connection: Connection, low: int, high: int, batch: int = 10_000) -> Iterator[tuple[Any, ...]]:
    """Audit rows ``low`` .. ``high`` in sequence order, streamed in batches straight from the driver.

    Verification reads every row of the log, so this bypasses SQLAlchemy's result machinery.
    """
    driver = connection.connection.dbapi_connection
    assert driver is not None, "the connection is open"
    # A named cursor on PostgreSQL keeps the rows on the server until fetched, so memory stays flat.
    postgres = connection.dialect.name == "postgresql"
    cursor = driver.cursor(name="detente_audit_verify") if postgres else driver.cursor()
    try:
        cursor.execute(_READ_CHAIN.format(low=int(low), high=int(high)))
        while rows := cursor.fetchmany(batch):
            yield from rows
    finally:
        cursor.close()


def _verify_range(url: str, low: int, high: int) -> Segment:
    """Verify entries ``low`` .. ``high`` on a connection of this process's own (runs in a worker)."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            start_prev = GENESIS_HASH if low == 1 else None
            return verify_segment(iter_chain_rows(connection, low, high), low, start_prev, end_seq=high)
    finally:
        engine.dispose()


def _ranges(last: int, parts: int) -> list[tuple[int, int]]:
    size = -(-last // parts)
    return [(low, min(low + size - 1, last)) for low in range(1, last + 1, size)]


def verify(engine: Engine, jobs: int = 1, parallel_from: int = PARALLEL_FROM) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain: (entries that verified, the first break or ``None``).

    The recorded head is read first and the entries up to it are checked, in ``jobs`` worker processes at once
    when the log is long (each checks a range; :func:`~detente.domain.audit_chain.stitch` joins the ranges).
    Entries past the head are then allowed only if a concurrent write has moved the head over them since.
    """
    with engine.connect() as connection:
        recorded = head(connection)
    last = recorded[0]
    if jobs > 1 and last >= parallel_from and "fork" in multiprocessing.get_all_start_methods():
        url = engine.url.render_as_string(hide_password=False)
        ranges = _ranges(last, jobs)
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=len(ranges), mp_context=context) as pool:
            segments = list(pool.map(_verify_range, [url] * len(ranges), *zip(*ranges, strict=True)))
    else:
        with engine.connect() as connection:
            segments = [verify_segment(iter_chain_rows(connection, 1, last), 1, GENESIS_HASH, end_seq=last)]
    checked, broken = stitch(segments, recorded)
    if broken is None:
        with engine.connect() as connection:
            newest = int(connection.execute(select(func.max(AuditEntry.seq))).scalar() or 0)
            moved = head(connection)
        if newest > moved[0]:
            broken = ChainBreak(moved[0] + 1, "entries after the recorded head were added outside detente")
    return checked, broken
