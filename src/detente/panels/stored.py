"""Domain rows for panels: agreements, engagements, contributions and arms transfers written by a source.

Some enrichers read the store's domain tables rather than a source's own tables, because the mapper that
wrote them already did the hard part: the exercise and SIPRI register mappers matched names to states, the
DCAD mapper turned signature, entry-into-force and end-year codes into intervals, the IPI mappers merged
two files of contributions without double counting. Those tables are small (tens of thousands of rows), so
they are read with one SQL query each, straight into Polars, and kept in the columnar cache until the
store's next write (:func:`detente.panels.cache.audited_table`). A query is built only when the cache
misses (its callers hand over a function that builds it), so a warm panel imports no SQLAlchemy.

Only rows written by the named source are read (``source_versions`` -> ``sources.name``): a user's own
records (an engagement typed in by an attaché) have no source version, are not part of the published
dataset the panel cites, and so never enter a research panel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import polars as pl

from detente.panels.cache import audited_table
from detente.store.database import Store

if TYPE_CHECKING:
    from sqlalchemy import Select

__all__ = ["SourceQuery", "read_source_rows"]

SourceQuery = Callable[[], "tuple[Select[Any], Any]"]
"""Builds a query and names the ``source_version_id`` column of the table whose rows must come from the
source: ``lambda: (select(...), table.c.source_version_id)``."""


def read_source_rows(
    store: Store,
    source: str,
    name: str,
    query: SourceQuery,
    schema: Mapping[str, pl.DataType | type[pl.DataType]],
) -> pl.DataFrame:
    """The rows of ``query()`` that ``source`` wrote, as a frame with ``schema`` (one column per selected value).

    ``name`` names the query and its version, e.g. ``"dca-members-v1"``: the cached rows are found by it
    (with ``source`` and ``schema``), so change it whenever the query changes.

    Raises:
        LookupError: ``source`` wrote no row (not loaded, or its mapper waits for another source); the
            message says what to load.
    """
    key = f"{source}|{name}|{sorted((column, str(kind)) for column, kind in schema.items())}"
    cached_name = f"rows-{source}-{name}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"

    def read() -> pl.DataFrame:
        from detente.panels.tables import source_versions, sources  # a cache miss only: SQLAlchemy

        selected, version_column = query()
        limited = (
            selected.join(source_versions, source_versions.c.id == version_column)
            .join(sources, sources.c.id == source_versions.c.source_id)
            .where(sources.c.name == source)
        )
        with store.engine.connect() as connection:
            rows = connection.execute(limited).all()
        return pl.DataFrame([tuple(r) for r in rows], schema=dict(schema), orient="row")

    frame = audited_table(store, cached_name, read)
    if frame.is_empty():
        raise LookupError(
            f"the store holds no rows from source {source}: run `detente sources load {source}` "
            "(and the sources its mapper waits for: `detente sources list`)"
        )
    return frame
