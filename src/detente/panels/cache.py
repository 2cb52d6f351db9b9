"""A columnar cache of stored source tables: read a table from the database once, then from Parquet.

Panels read a handful of large source tables (IGO dyad-years: 0.9 million rows; ATOP: 0.3 million).
Fetching millions of rows through a database driver costs seconds; reading the same rows from a local
Parquet file costs milliseconds. So :func:`read_table` keeps a Parquet copy of each stored table it reads.

The database stays the source of truth. A cached copy is used only when it was written from the very
version the database holds now: the file's name carries a digest of

* the database (:attr:`Store.identity <detente.store.database.Store.identity>`: a SQLite file's absolute
  path, so a relative URL given from two directories names two databases; else the URL without the
  password), so two databases never share a copy,
* the stored table's name, its source version id and when that version was loaded (a database that is
  recreated at the same URL gets a new load time, so an old copy never answers for it),

and the file's row count must equal the row count in the ``dataset_tables`` catalog. When a source is
reloaded (a new version), the digest changes and the old copy is simply never read again; writing is
atomic (a temporary file renamed into place), so a killed process never leaves a half-written copy.

Some enrichers compute a table from stored tables that costs a second or more (UN voting agreement for
every pair of states in every year). :func:`derived_table` keeps such a result the same way: its file's
digest covers the database, the computation's name (which names its version too) and the catalog entry of
every stored table it was computed from, so a reload of any input makes the old result unreachable.
:func:`audited_table` keeps rows read from the domain tables until the store's next write (the audit log's
head moves with every write; :func:`audit_key`). Enrichers that translate codes keep their per-state and
per-pair tables through :meth:`detente.panels.codebook.CodeBook.cached`, which adds the code book's digest
(and the audit head, for domain rows) to :func:`derived_table`'s key.

Every question asked of the database here is a small plain-SQL query of :mod:`detente.store.catalog`: a
command that finds everything in the cache never imports the ORM models (or the loader, which does), nor,
on SQLite, SQLAlchemy.

The cache lives in ``$DETENTE_CACHE_DIR/tables`` when that variable is set, else in
``<user cache dir>/detente/tables``. Set ``DETENTE_TABLE_CACHE=off`` to bypass it (every read then goes
to the database).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from detente.store import catalog
from detente.store.database import Store
from detente.store.schema import SCHEMA_HEAD

__all__ = [
    "StoredTable",
    "audit_key",
    "audited_table",
    "cache_dir",
    "cache_enabled",
    "derived_table",
    "read_table",
    "stored_table",
]

CACHE_ENV = "DETENTE_CACHE_DIR"
SWITCH_ENV = "DETENTE_TABLE_CACHE"


@dataclass(frozen=True)
class StoredTable:
    """What the catalog says about one stored source table."""

    source: str
    table: str
    db_table: str
    source_version_id: int
    version: str
    loaded_at: datetime | None
    rows: int


def cache_dir() -> Path:
    """Where cached tables live: ``$DETENTE_CACHE_DIR/tables`` or ``<user cache dir>/detente/tables``."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override) / "tables"
    import platformdirs  # only when no cache directory is set

    root = Path(platformdirs.user_cache_dir("detente"))
    return root / "tables"


def cache_enabled() -> bool:
    """False when ``DETENTE_TABLE_CACHE`` is ``off`` (or ``0``, ``false``, ``no``): read the database every time."""
    return os.environ.get(SWITCH_ENV, "").lower() not in {"off", "0", "false", "no"}


def stored_table(store: Store, source: str, table: str) -> StoredTable:
    """The catalog entry of ``source.table``.

    Raises:
        LookupError: the source (or that table of it) is not loaded; the message says what to run.
    """
    found = catalog.table_entry(store, source, table)
    if found is None:
        raise LookupError(f"source table {source}.{table} is not loaded: run `detente sources load {source}`")
    return StoredTable(
        source, table, found.db_table, found.source_version_id, found.version, found.loaded_at, found.rows
    )


def _cache_file(store: Store, entry: StoredTable) -> Path:
    parts = (store.identity, entry.db_table, str(entry.source_version_id), str(entry.loaded_at), str(entry.rows))
    key = "|".join(parts)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / f"{entry.db_table}-v{entry.source_version_id}-{digest}.parquet"


def _cached(path: Path, rows: int, columns: Sequence[str] | None) -> pl.DataFrame | None:
    """The cached frame (only ``columns``, if given) if the file exists, reads and has the catalog's row
    count; else ``None``."""
    if not path.is_file():
        return None
    try:
        frame = pl.read_parquet(path, columns=list(columns) if columns is not None else None)
    except (OSError, pl.exceptions.PolarsError):
        return None  # an unreadable copy is no copy: read the database again and rewrite it
    return frame if frame.height == rows else None


def _write(path: Path, frame: pl.DataFrame) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(handle)
        frame.write_parquet(temporary, compression="lz4", statistics=False)
        Path(temporary).replace(path)
    except OSError:
        return  # a read-only or full cache directory only costs speed, never correctness


def _from_database(store: Store, source: str, table: str) -> pl.DataFrame:
    # Imported here: the loader's module imports the ORM models, which a read from the cache never needs.
    from detente.sources.datasets import read_dataset

    return read_dataset(store.engine, source, table)


def read_table(store: Store, source: str, table: str, columns: Sequence[str] | None = None) -> pl.DataFrame:
    """A stored source table as a Polars frame: from the columnar cache when valid, else from the database.

    Exactly :func:`detente.sources.datasets.read_dataset` (same columns, types and row order), faster.
    With ``columns``, only those columns, in that order (a Parquet file is read column by column, so a
    caller that needs three columns of thirty reads a tenth of the file).
    """
    entry = stored_table(store, source, table)
    if not cache_enabled():
        frame = _from_database(store, source, table)
        return frame if columns is None else frame.select(columns)
    path = _cache_file(store, entry)
    cached = _cached(path, entry.rows, columns)
    if cached is not None:
        return cached
    frame = _from_database(store, source, table)
    _write(path, frame)
    return frame if columns is None else frame.select(columns)


def _cached_build(store: Store, name: str, parts: Sequence[str], build: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """``build()``, or its copy cached under ``name`` and a digest of the database URL and ``parts``."""
    if not cache_enabled():
        return build()
    digest = hashlib.sha256("|".join([store.identity, name, *parts]).encode()).hexdigest()[:16]
    path = cache_dir() / f"derived-{name}-{digest}.parquet"
    if path.is_file():
        try:
            return pl.read_parquet(path)
        except (OSError, pl.exceptions.PolarsError):
            pass  # an unreadable copy is no copy: compute again and rewrite it
    frame = build()
    _write(path, frame)
    return frame


def derived_table(
    store: Store,
    name: str,
    inputs: Sequence[tuple[str, str]],
    build: Callable[[], pl.DataFrame],
    *,
    parts: Sequence[str] = (),
) -> pl.DataFrame:
    """The frame ``build()`` computes from the stored tables ``inputs`` (``(source, table)`` pairs), cached.

    ``name`` identifies the computation and must change whenever its code or any other input does (it
    carries a version, e.g. ``"unvote-pairs-cow-v1"``). ``parts`` are further inputs' fingerprints: the
    digest of the code book a computation translated codes with, the audit head when it read domain rows
    (:func:`audit_key`). Raises :class:`LookupError` when an input is not loaded, like :func:`read_table`.
    """
    entries = [stored_table(store, source, table) for source, table in inputs]
    keys = [f"{e.db_table}:{e.source_version_id}:{e.loaded_at}:{e.rows}" for e in entries]
    return _cached_build(store, name, [*keys, *parts], build)


def audit_key(store: Store) -> str | None:
    """A fingerprint of everything the store's domain tables hold: the audit log's data head and the schema.

    Every write to a domain table (a load's mappers, a user's edit) appends to the audit log and moves
    its data head (sequence number and hash of the newest entry that changed data; an audited read moves
    the head but not the data head); a migration that rewrites rows moves the schema version. So a
    result computed from domain rows and kept under this key is never read after either changed. ``None``
    for a store with no audit head yet (nothing to key on: read directly).
    """
    head = catalog.audit_head(store)
    return None if head is None else f"audit:{head[0]}:{head[1]}:schema:{SCHEMA_HEAD}"


def audited_table(store: Store, name: str, build: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """The frame ``build()`` reads from the store's domain tables, cached until the store's next write.

    Domain tables (agreements, engagements, contributions ...) change through loads and through a user's
    edits, and every such write appends to the audit log and moves its head. So the copy is keyed by
    :func:`audit_key`: the first write after it makes it unreachable. A store with no audit head yet is
    read directly. ``name`` must identify the query (and change with it).
    """
    key = audit_key(store)
    if key is None:
        return build()
    return _cached_build(store, name, [key], build)
