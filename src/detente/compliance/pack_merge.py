"""Fold a pack's agreement stored more than once back into one row.

Before :func:`~detente.compliance.registry.sync_pack` serialised itself (migration 0014's release), requests
that each found a pack missing could each store it: several agreements with one ``source_key``. The gates
still judged correctly (the engine reads the evidence of every agreement with the pack's key), but the
records pointing at the pack were spread over the copies, and a user browsing agreements saw the treaty
several times.

:func:`merge_duplicates` keeps the first copy (lowest id) and, in the caller's audited batch, points at it
every record that named another copy -- by a foreign key (obligations, gate evidence, parties, provisions,
...) or by ``object_type``/``object_id`` (citations, journal notes, report links, release requests) -- and
then deletes the other copies. Every change is an audit entry of its own, so the history of each moved
record says where it came from.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import select

from detente.services.entities import ENTITIES, entity_name
from detente.services.records import Batch, table_of
from detente.store.base import Base
from detente.store.models import Agreement

__all__ = ["merge_duplicates"]

AGREEMENT = entity_name(Agreement)


@cache
def _pointers() -> tuple[tuple[type[Base], str], ...]:
    """(model, column) for every entity column that is a foreign key to ``agreements.id``."""
    agreements = table_of(Agreement)
    found: list[tuple[type[Base], str]] = []
    for model in ENTITIES.values():
        for column in table_of(model).columns:
            if any(key.column.table is agreements for key in column.foreign_keys):
                found.append((model, column.key))
    return tuple(found)


@cache
def _mentions() -> tuple[type[Base], ...]:
    """Entities that name any record by ``object_type`` and ``object_id``."""
    return tuple(
        model for model in ENTITIES.values() if {"object_type", "object_id"} <= set(table_of(model).columns.keys())
    )


def merge_duplicates(batch: Batch, source_key: str) -> list[int]:
    """Keep the first agreement with ``source_key``; move what names the others to it; delete the others.

    Returns the ids deleted (empty when the key is stored once or not at all). Call it inside the batch that
    holds the pack's lock, so no other writer stores a copy meanwhile.
    """
    agreements = table_of(Agreement)
    ids = list(
        batch.connection.execute(
            select(agreements.c.id).where(agreements.c.source_key == source_key).order_by(agreements.c.id)
        ).scalars()
    )
    if len(ids) < 2:
        return []
    keep, extra = ids[0], ids[1:]
    for model, column in _pointers():
        table = table_of(model)
        rows = batch.connection.execute(select(table.c.id).where(table.c[column].in_(extra))).scalars()
        batch.update_many(model, {int(row_id): {column: keep} for row_id in rows})
    for model in _mentions():
        table = table_of(model)
        rows = batch.connection.execute(
            select(table.c.id).where(table.c.object_type == AGREEMENT, table.c.object_id.in_(extra))
        ).scalars()
        batch.update_many(model, {int(row_id): {"object_id": keep} for row_id in rows})
    batch.delete_many(Agreement, extra)
    return extra
