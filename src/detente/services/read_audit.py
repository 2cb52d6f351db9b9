"""The audit entries of marked reads and exports, written in groups instead of one transaction each.

Every read or export that returns marked records leaves one audit entry naming them (who read what, when).
Written one transaction per request, those entries queued every reader behind the audit head (SQLite's single
writer, PostgreSQL's row lock on ``audit_head``): under 32 concurrent readers throughput *fell*. Here the
entries of one process go through one :class:`ReadAudit` per store, which appends whatever has queued up in
one transaction (:func:`~detente.store.audit_log.append_many`: the head is read and moved once):

* ``DETENTE_READ_AUDIT_DELAY_MS=0`` (the default) is a group commit: the read returns only once its entry is
  committed, exactly as durable as before. Whoever finds no write in progress writes everything queued;
  readers arriving meanwhile wait for the next group. Concurrent readers share one transaction.
* ``DETENTE_READ_AUDIT_DELAY_MS=N`` (N > 0) is write-behind: the read returns at once and a background thread
  appends the queue every N ms, on a clean shutdown (the API's shutdown and the interpreter's exit call
  :func:`close_all`), and at once when :data:`MAX_QUEUED` entries wait. The trade-off: a process that is
  killed (``SIGKILL``, power loss) loses the entries of its last N ms of reads. A flush that fails keeps its
  entries queued and tries again.

Each entry keeps the time of the read (``at``), not of the append, and the chain stays a single line that
:func:`detente.store.audit_log.verify` checks as before.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from collections.abc import Sequence
from typing import Any

from detente.services.records import batch
from detente.store.audit_log import Pending, append_many
from detente.store.database import Store
from detente.store.error_text import describe, safe_traceback

__all__ = [
    "MAX_QUEUED",
    "READ_AUDIT_DELAY_ENV",
    "ReadAudit",
    "close_all",
    "close_store",
    "read_audit",
    "read_audit_delay_ms",
]

READ_AUDIT_DELAY_ENV = "DETENTE_READ_AUDIT_DELAY_MS"
MAX_QUEUED = 1000
"""In write-behind mode, a queue this long is appended at once by the reader that fills it (back-pressure)."""

log = logging.getLogger(__name__)


def read_audit_delay_ms() -> int:
    """``DETENTE_READ_AUDIT_DELAY_MS``: 0 (default) = each read waits for its entry; N = write-behind every N ms."""
    raw = os.environ.get(READ_AUDIT_DELAY_ENV, "0").strip() or "0"
    if not raw.isdigit() or int(raw) > 60_000:
        raise ValueError(
            f"{READ_AUDIT_DELAY_ENV}={raw!r} is not a whole number of milliseconds from 0 to 60000; "
            "0 writes each read's audit entry before the read returns"
        )
    return int(raw)


class ReadAudit:
    """The queue of one process's read-audit entries for one store (get it with :func:`read_audit`)."""

    def __init__(self, store: Store, delay_ms: int = 0) -> None:
        self.store = store
        self.delay_ms = delay_ms
        self._cond = threading.Condition()
        self._queue: list[Pending] = []
        self._writing = False
        self._queued = 0
        """Tickets handed out: entry number n of this queue has ticket n."""
        self._settled = 0
        """Entries appended (or, in group-commit mode, given up with an error): tickets up to here are done."""
        self._failed: dict[int, BaseException] = {}
        """The error of each settled ticket whose append failed, for its waiting reader to raise."""
        self._failure: BaseException | None = None
        """The last failure of a write-behind flush (logged by the flusher, which retries)."""
        self._flusher: threading.Thread | None = None
        self._closed = False

    # -- recording ------------------------------------------------------------------------------------------

    def record(self, actor: str, action: str, object_type: str, object_id: str, after: Any) -> None:
        """Queue one entry; in group-commit mode return only once it is committed (raising if that failed)."""
        entry = Pending(actor, action, object_type, object_id, None, after)
        with self._cond:
            self._queue.append(entry)
            self._queued += 1
            ticket = self._queued
            if self.delay_ms > 0 and not self._closed and len(self._queue) < MAX_QUEUED:
                self._start_flusher()
                return
            self._wait_for(ticket)

    def _wait_for(self, ticket: int) -> None:
        """Until entry number ``ticket`` is settled, writing the queue ourselves when nobody is (lock held)."""
        while self._settled < ticket:
            if self._writing:
                self._cond.wait()
            else:
                self._write_queue()
                if self._failure is not None and self._settled < ticket:
                    failure, self._failure = self._failure, None
                    raise failure  # write-behind: the entry stays queued for the flusher's next attempt
        if ticket in self._failed:
            raise self._failed.pop(ticket)

    def _write_queue(self) -> None:
        """Append everything queued now in one transaction (called with the lock held; releases it meanwhile).

        If the append fails: in group-commit mode the entries are settled as failed (each waiting reader
        raises the error, and its read returns nothing); in write-behind mode they go back to the head of
        the queue, in order, for the next attempt.
        """
        entries, self._queue = self._queue, []
        if not entries:
            return
        self._writing = True
        self._cond.release()
        failure: BaseException | None = None
        try:
            self._append(entries)
        except Exception as error:
            failure = error
        finally:
            self._cond.acquire()
            self._writing = False
            first = self._settled + 1
            if failure is None:
                self._settled += len(entries)
            elif self.delay_ms > 0 and not self._closed:
                self._queue[:0] = entries
                self._failure = failure
            else:
                self._settled += len(entries)
                self._failed.update(dict.fromkeys(range(first, first + len(entries)), failure))
            self._cond.notify_all()

    def _append(self, entries: Sequence[Pending]) -> None:
        with batch(self.store, entries[0].actor, "audit entry") as work:
            append_many(work.connection, entries)

    # -- write-behind ---------------------------------------------------------------------------------------

    def _start_flusher(self) -> None:
        if self._flusher is None or not self._flusher.is_alive():
            self._flusher = threading.Thread(target=self._flush_loop, name="detente-read-audit", daemon=True)
            self._flusher.start()

    def _flush_loop(self) -> None:
        with self._cond:
            while not self._closed:
                self._cond.wait(self.delay_ms / 1000)
                if self._queue and not self._writing:
                    self._write_queue()
                    if self._failure is not None:
                        log.warning("read audit entries not written yet, will retry: %s", describe(self._failure))
                        self._failure = None

    def flush(self) -> None:
        """Append every entry queued so far (and wait for it); raise if that fails."""
        with self._cond:
            self._wait_for(self._queued)

    def close(self) -> None:
        """Stop the background thread and append what is queued: nothing recorded is lost on a clean shutdown."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        flusher = self._flusher
        if flusher is not None and flusher is not threading.current_thread():
            flusher.join(timeout=30)
        self.flush()


_QUEUES: weakref.WeakKeyDictionary[Store, ReadAudit] = weakref.WeakKeyDictionary()
_QUEUES_LOCK = threading.Lock()


def read_audit(store: Store) -> ReadAudit:
    """This process's read-audit queue for ``store`` (made on first use, with ``DETENTE_READ_AUDIT_DELAY_MS``)."""
    found = _QUEUES.get(store)
    if found is None or found._closed:
        with _QUEUES_LOCK:
            found = _QUEUES.get(store)
            if found is None or found._closed:
                found = _QUEUES[store] = ReadAudit(store, read_audit_delay_ms())
    return found


def close_store(store: Store) -> None:
    """Append the queued read-audit entries of ``store`` and stop its background thread (if it has a queue)."""
    with _QUEUES_LOCK:
        queue = _QUEUES.get(store)
    if queue is not None:
        queue.close()


def close_all() -> None:
    """Append every queued read-audit entry of this process and stop the background threads (at shutdown)."""
    with _QUEUES_LOCK:
        queues = list(_QUEUES.values())
    for queue in queues:
        try:
            queue.close()
        except Exception as error:  # one store's failure must not keep the others from flushing
            # not log.exception: a database error's text carries the rows it failed on (see store.error_text)
            log.error(
                "could not write the queued read audit entries of %s: %s\n%s",
                queue.store.url,
                describe(error),
                safe_traceback(error),
            )


atexit.register(close_all)
