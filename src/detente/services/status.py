"""What is in a store: its URL, schema version, rows per table and the sources loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from detente.store.base import Base
from detente.store.database import Store
from detente.store.models import Source, SourceVersion
from detente.store.schema import current_revision, head_revision

__all__ = ["StoreStatus", "store_status"]


@dataclass(frozen=True)
class StoreStatus:
    """A summary of one database, ready to print or serialise."""

    database_url: str
    backend: str
    schema_version: str | None
    schema_current: bool
    table_counts: dict[str, int]
    sources: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "database_url": self.database_url,
            "backend": self.backend,
            "schema_version": self.schema_version,
            "schema_current": self.schema_current,
            "table_counts": self.table_counts,
            "sources": self.sources,
        }


def store_status(store: Store) -> StoreStatus:
    """Count every table and list the loaded source versions."""
    with store.engine.connect() as connection:
        counts = {
            name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in sorted(Base.metadata.tables.items())
        }
        loaded = connection.execute(
            select(Source.name, SourceVersion.version, SourceVersion.loaded_at)
            .join(SourceVersion, SourceVersion.source_id == Source.id)
            .order_by(Source.name, SourceVersion.version)
        ).all()
    version = current_revision(store.engine)
    return StoreStatus(
        database_url=store.url,
        backend=store.engine.dialect.name,
        schema_version=version,
        schema_current=version == head_revision(),
        table_counts=counts,
        sources=[
            {"name": name, "version": ver, "loaded_at": at.isoformat() if at else None} for name, ver, at in loaded
        ],
    )
