"""How a ``detente serve`` process runs its blocking work: how many worker threads, and the garbage collector.

**Worker threads.** Every API route that touches the database is a plain ``def``: Starlette runs it on a worker
thread from AnyIO's pool so the event loop stays free. AnyIO allows 40 such threads by default. Under load each
waiting request then sits on its own thread, and 30-odd Python threads contend for the one interpreter lock: the
operating system wakes them in turn, each runs briefly and hands the lock on. Measured on 2026-11-26 (SQLite, real
data, 32 concurrent readers, one server process, quiet 2-core machine, ``benchmarks/api.py`` read mix):

======================  ============  ===========  ======================
threads                 reads/s       p99          server CPU per read
======================  ============  ===========  ======================
40 (AnyIO's default)    149           678 ms       8.95 ms
8                       179           284 ms       6.70 ms
4                       232           184 ms       5.11 ms
2                       242           291 ms       4.80 ms
======================  ============  ===========  ======================

With fewer threads the same work costs about half the CPU: requests beyond the pool wait on the event loop
(cheaply) instead of on the lock. The database work itself releases the lock (SQLite's engine, PostgreSQL's
round trips), so a few threads still overlap it. ``DETENTE_API_THREADS`` sets the pool (default
:data:`DEFAULT_THREADS`); each process of ``--workers N`` has its own.

**Garbage collector.** After start-up the app holds several hundred thousand long-lived objects (routes,
Pydantic schemas, SQLAlchemy metadata). Python's cyclic collector walks all of them at every full collection:
in the analysis benchmark that showed as an occasional run twice as long as the others (107 ms among 41-55 ms
dossiers; none with the collector off). :func:`freeze_start_up_objects` moves them out of the collector's sight
(``gc.freeze``) once ``detente serve`` has built the app; objects made while answering requests are collected as
before. Only the server does this (not :func:`~detente.api.app.create_app`, which tests call many times).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import gc
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import anyio.to_thread

__all__ = [
    "DEFAULT_THREADS",
    "THREADS_ENV",
    "api_threads",
    "freeze_start_up_objects",
    "limit_worker_threads",
    "run_blocking",
]

THREADS_ENV = "DETENTE_API_THREADS"
DEFAULT_THREADS = 4


def api_threads() -> int:
    """``DETENTE_API_THREADS``: worker threads per server process for the API's blocking work (default 4)."""
    raw = os.environ.get(THREADS_ENV, str(DEFAULT_THREADS))
    try:
        threads = int(raw)
    except ValueError:
        raise ValueError(f"{THREADS_ENV}={raw!r} is not a whole number; set it to e.g. {DEFAULT_THREADS}") from None
    if not 1 <= threads <= 256:
        raise ValueError(f"{THREADS_ENV}={raw!r} is out of range; set it between 1 and 256 (e.g. {DEFAULT_THREADS})")
    return threads


Result = TypeVar("Result")

_EXECUTOR: ThreadPoolExecutor | None = None
_EXECUTOR_LOCK = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _EXECUTOR
    if _EXECUTOR is None:
        with _EXECUTOR_LOCK:
            if _EXECUTOR is None:
                _EXECUTOR = ThreadPoolExecutor(max_workers=api_threads(), thread_name_prefix="detente-api")
    return _EXECUTOR


async def run_blocking(function: Callable[..., Result], /, *args: Any, **kwargs: Any) -> Result:
    """Run ``function(*args, **kwargs)`` on the process's API thread pool (:func:`api_threads` threads) and await it.

    What Starlette's ``run_in_threadpool`` does for FastAPI's ``def`` endpoints, with asyncio's own executor
    hand-off instead of AnyIO's (capacity limiter, cancel scopes, run-variable look-ups): about a fifth of the
    event loop's work per read in the profile. The call runs in a copy of the caller's context, as there.
    """
    loop = asyncio.get_running_loop()
    call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
    return await loop.run_in_executor(_executor(), call)


def limit_worker_threads() -> int:
    """Set this event loop's AnyIO worker-thread limit to :func:`api_threads`; call it from the app's lifespan
    (the limiter belongs to the running loop). Returns the limit."""
    threads = api_threads()
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads
    return threads


def freeze_start_up_objects() -> None:
    """Collect once, then exclude every object alive now from later cyclic collections (``gc.freeze``)."""
    gc.collect()
    gc.freeze()
