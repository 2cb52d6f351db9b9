"""The catalog tables as light SQLAlchemy Core tables, for read paths that must start fast.

The ORM models (:mod:`detente.store.models`) describe every table of the store, and importing them --
SQLAlchemy's ORM, fifty declarative classes with their relationships and indexes -- costs more than half
a second. A command that only asks the catalog a question ("which version of ``peacesciencer.cow_nmc`` is
stored, with how many rows?", "where is the audit log's head?") and then reads Parquet does not need any
of that. So the few columns such paths read are declared here once more, as Core ``table()`` clauses:
same table and column names, same types (a test holds them equal to the models), no ORM.

Write through the models and the services, never through these: they carry no constraints, defaults or
audit. They exist to *read* cheaply.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, Text, column, table

__all__ = ["as_utc", "audit_head", "dataset_tables", "source_versions", "sources"]

sources = table(
    "sources",
    column("id", Integer),
    column("name", String),
    column("citation", Text),
)
source_versions = table(
    "source_versions",
    column("id", Integer),
    column("source_id", Integer),
    column("version", String),
    column("loaded_at", DateTime(timezone=True)),
)
dataset_tables = table(
    "dataset_tables",
    column("id", Integer),
    column("source_version_id", Integer),
    column("name", String),
    column("db_table", String),
    column("rows", Integer),
)
audit_head = table(
    "audit_head",
    column("id", Integer),
    column("seq", Integer),
    column("hash", String),
)


def as_utc(value: datetime | None) -> datetime | None:
    """A stored moment as the models give it back: time-zone aware UTC (SQLite keeps the UTC wall time)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
