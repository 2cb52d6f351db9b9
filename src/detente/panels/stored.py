"""Domain rows for panels: agreements, engagements, contributions and arms transfers written by a source.

Some enrichers read the store's domain tables rather than a source's own tables, because the mapper that
wrote them already did the hard part: the exercise and SIPRI register mappers matched names to states, the
DCAD mapper turned signature, entry-into-force and end-year codes into intervals, the IPI mappers merged
two files of contributions without double counting. Those tables are small (tens of thousands of rows), so
they are read with one SQL query each, straight into Polars, and kept in the columnar cache until the
store's next write (:func:`detente.panels.cache.audited_table`).

Only rows written by the named source are read (``source_versions`` -> ``sources.name``): a user's own
records (an engagement typed in by an attaché) have no source version, are not part of the published
dataset the panel cites, and so never enter a research panel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import polars as pl
from sqlalchemy import Select

from detente.panels.cache import audited_table
from detente.store import catalog
from detente.store.database import Store

__all__ = ["read_source_rows"]


def read_source_rows(
    store: Store,
    source: str,
    query: Select[*tuple[Any, ...]],
    version_column: Any,
    schema: Mapping[str, pl.DataType | type[pl.DataType]],
) -> pl.DataFrame:
    """The rows of ``query`` that ``source`` wrote, as a frame with ``schema`` (one column per selected value).

    ``version_column`` is the ``source_version_id`` column of the table whose rows must come from
    ``source``.

    Raises:
        LookupError: ``source`` wrote no row (not loaded, or its mapper waits for another source); the
            message says what to load.
    """
    versions, sources = catalog.source_versions.c, catalog.sources.c
    limited = (
        query.join(catalog.source_versions, versions.id == version_column)
        .join(catalog.sources, sources.id == versions.source_id)
        .where(sources.name == source)
    )
    sql = str(limited.compile(store.engine, compile_kwargs={"literal_binds": True}))
    name = f"rows-{source}-{hashlib.sha256((sql + repr(dict(schema))).encode()).hexdigest()[:12]}"

    def read() -> pl.DataFrame:
        with store.engine.connect() as connection:
            rows = connection.execute(limited).all()
        return pl.DataFrame([tuple(r) for r in rows], schema=dict(schema), orient="row")

    frame = audited_table(store, name, read)
    if frame.is_empty():
        raise LookupError(
            f"the store holds no rows from source {source}: run `detente sources load {source}` "
            "(and the sources its mapper waits for: `detente sources list`)"
        )
    return frame
