"""Appending to and reading the audit log.

:func:`append` is the only code path that writes ``audit_entries``. It runs inside the caller's transaction,
so the write it records and its entry commit or roll back together. It locks the single ``audit_head`` row
first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite allows one writer at a time anyway), which keeps the
chain a line even with many writers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from detente.domain.audit_chain import ChainBreak, ChainEntry, canonical_json, entry_hash, verify_chain
from detente.store.models.audit import AuditEntry, AuditHead

__all__ = ["ACTIONS", "append", "head", "iter_chain_rows", "verify"]

ACTIONS = frozenset({"create", "update", "delete", "load", "evaluate", "transition", "release", "login"})
"""The fixed vocabulary of audit actions."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
) -> AuditEntry:
    """Append one entry for a write made in ``session``'s open transaction and return it."""
    if action not in ACTIONS:
        raise ValueError(f"audit action {action!r} is not one of {sorted(ACTIONS)}")
    if not actor:
        raise ValueError("every write needs an actor")
    current = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    content = ChainEntry(
        seq=current.seq + 1,
        at=_now(),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=canonical_json(before),
        after=canonical_json(after),
        prev_hash=current.hash,
    )
    entry = AuditEntry(
        seq=content.seq,
        at=content.at,
        actor=content.actor,
        action=content.action,
        object_type=content.object_type,
        object_id=content.object_id,
        before=content.before,
        after=content.after,
        prev_hash=content.prev_hash,
        hash=entry_hash(content),
    )
    session.add(entry)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=entry.seq, hash=entry.hash))
    return entry


def head(connection: Connection) -> tuple[int, str]:
    """The (seq, hash) the store recorded for its newest entry."""
    row = connection.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    return int(row[0]), str(row[1])


_CHAIN_COLUMNS = "seq, at, actor, action, object_type, object_id, before, after, prev_hash, hash"


def iter_chain_rows(connection: Connection, batch: int = 20_000) -> Iterator[tuple[Any, ...]]:
    """Every audit row in sequence order, streamed in batches straight from the driver (fast)."""
    last = 0
    while True:
        rows = connection.exec_driver_sql(
            f"SELECT {_CHAIN_COLUMNS} FROM audit_entries WHERE seq > %s ORDER BY seq LIMIT %s"
            if connection.dialect.paramstyle in ("format", "pyformat")
            else f"SELECT {_CHAIN_COLUMNS} FROM audit_entries WHERE seq > ? ORDER BY seq LIMIT ?",
            (last, batch),
        ).fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def verify(connection: Connection) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain; return (entries that verified, the first break or ``None``)."""
    return verify_chain(iter_chain_rows(connection), head=head(connection))
