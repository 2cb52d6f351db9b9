"""Running a short read on the event loop itself, and only its audit entry on a worker thread.

FastAPI runs a plain ``def`` endpoint on a worker thread: waking the thread, handing the answer back and
waking the loop cost about 0.45 ms of CPU per request, as much as a third of a short read (one record, one
page of a filtered list). A read of one record or one page by indexed columns takes about a millisecond, so
it runs on the loop (:func:`read_on_loop`): the process serves one such read at a time, which on a busy machine
it did anyway (one Python thread runs at a time).

Only for SQLite, where a read is work in this process. A PostgreSQL read waits for the server on every
statement; on the loop those waits held every other request of the worker (measured: reads at 32 clients fell
from 70 to 6 req/s on the loaded machine), so there reads stay on worker threads, which overlap the waits.

What may wait longer stays off the loop: full-text search and exports (still threaded), and the audit entry of
a read that returned marked records. Writing that entry joins the process's group commit
(:mod:`detente.services.read_audit`), which may wait for another writer, so :class:`_AuditLater` collects it
during the read and :func:`read_on_loop` appends it from a worker thread, returning the answer only once it is
committed, as a threaded read does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from detente.services.reading import Reader
from detente.store.database import Store

__all__ = ["read_on_loop"]

T = TypeVar("T")


class _AuditLater(Reader):
    """A :class:`Reader` that keeps the audit entry of a marked read for later instead of writing it."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.pending: list[tuple[str, str, str, str, Any]] = []

    def _audit(self, actor: str, action: str, object_type: str, object_id: str, after: Any) -> None:
        self.pending.append((actor, action, object_type, object_id, after))

    def write_pending(self) -> None:
        """Append the kept entries through the group commit, as the plain reader would have."""
        for entry in self.pending:
            Reader._audit(self, *entry)


async def read_on_loop(store: Store, read: Callable[[Reader], T]) -> T:
    """``read(reader)`` on the event loop of a SQLite store (the audit entry it leaves, if any, written on a
    worker thread before the answer is returned); on a worker thread for a database server."""
    if store.engine.dialect.name != "sqlite":
        return await run_in_threadpool(read, Reader(store))
    reader = _AuditLater(store)
    answer = read(reader)
    if reader.pending:
        await run_in_threadpool(reader.write_pending)
    return answer
