"""The catalog questions fast read paths ask, in plain SQL: which version of a stored table is there, where
is the audit log's head, how is a source cited.

The ORM models (:mod:`detente.store.models`) describe every table of the store, and importing them --
SQLAlchemy's ORM, fifty declarative classes with their relationships and indexes -- costs more than half
a second; importing SQLAlchemy at all costs a tenth. A command that only asks the catalog a question and
then reads Parquet (a panel whose tables are all in the columnar cache) needs neither. So these questions
are written once here as plain SQL that both backends read the same way, and asked through
:meth:`detente.store.database.Store.read`: on SQLite with Python's ``sqlite3`` module, elsewhere through the
engine. The tests ask each of them on SQLite and on PostgreSQL and compare the answers with the models'.

Write through the models and the services, never through these: they only *read*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detente.store.database import Store

__all__ = ["TableEntry", "as_utc", "audit_head", "source_citation_text", "table_entry"]


@dataclass(frozen=True)
class TableEntry:
    """What the catalog says about one stored source table (``dataset_tables`` and its source version)."""

    db_table: str
    source_version_id: int
    version: str
    loaded_at: datetime | None
    rows: int


def as_utc(value: datetime | str | None) -> datetime | None:
    """A stored moment as the models give it back: time-zone aware UTC. SQLite keeps the UTC wall time (as
    text, when read through ``sqlite3``)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_TABLE_ENTRY = """
SELECT t.db_table, t.source_version_id, t.rows, v.version, v.loaded_at
FROM dataset_tables AS t
JOIN source_versions AS v ON v.id = t.source_version_id
JOIN sources AS s ON s.id = v.source_id
WHERE s.name = :source AND t.name = :table
"""


def table_entry(store: Store, source: str, table: str) -> TableEntry | None:
    """The catalog entry of the stored table ``source.table``, or ``None`` when it is not loaded."""
    found = store.read(_TABLE_ENTRY, {"source": source, "table": table})
    if not found:
        return None
    db_table, version_id, rows, version, loaded_at = found[0]
    return TableEntry(str(db_table), int(version_id), str(version), as_utc(loaded_at), int(rows))


def audit_head(store: Store) -> tuple[int, str] | None:
    """The audit log's data head: the sequence number and hash of its newest entry that changed data (not a
    read or an export); ``None``: no head row."""
    found = store.read("SELECT data_seq, data_hash FROM audit_head WHERE id = 1")
    return (int(found[0][0]), str(found[0][1])) if found else None


def source_citation_text(store: Store, source: str) -> str | None:
    """How the loaded source package ``source`` asks to be cited (``sources.citation``); ``None`` when it is
    not loaded (or has no citation)."""
    found = store.read("SELECT citation FROM sources WHERE name = :source", {"source": source})
    return None if not found or found[0][0] is None else str(found[0][0])
