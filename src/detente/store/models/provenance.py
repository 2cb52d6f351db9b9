"""Sources, the versions of them that were loaded, and citations that tie a record to a source."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from detente.store.base import Base, Versioned


class Source(Base):
    """A published dataset detente can load (its metadata comes from the source's ``source.yml``)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    publisher: Mapped[str] = mapped_column(String(300))
    terms: Mapped[str] = mapped_column(Text)
    citation: Mapped[str] = mapped_column(Text)
    redistribution: Mapped[str] = mapped_column(String(10), default="allowed", doc="allowed or forbidden")


class SourceVersion(Base):
    """One version of a source as loaded: when its files were retrieved, their digests and the row counts."""

    __tablename__ = "source_versions"
    __table_args__ = (UniqueConstraint("source_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    version: Mapped[str] = mapped_column(String(60))
    retrieved_at: Mapped[datetime]
    loaded_at: Mapped[datetime | None]
    files: Mapped[dict[str, Any]] = mapped_column(doc="file name -> {sha256, bytes, origin}")
    row_counts: Mapped[dict[str, Any] | None]


class Citation(Versioned, Base):
    """A record's citation of a source version, with where in it (page, table, URL).

    Users write citations (analysts and up), so a citation carries a ``version`` like every record users
    change: of two people correcting one locator, the second is told to read it again (409).
    """

    __tablename__ = "citations"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(40), index=True)
    object_id: Mapped[int] = mapped_column(index=True)
    source_version_id: Mapped[int] = mapped_column(ForeignKey("source_versions.id"), index=True)
    locator: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)


class DatasetTable(Base):
    """A source table stored as it was parsed (the "original values" layer), in a table of its own.

    Each parsed table of a loaded source version lives in a database table named ``ds_<source>__<table>``,
    created by the loader, not by migrations. This catalog says which version filled it and with what
    columns, so that exports and panels can read it back with its exact types and cite it.
    """

    __tablename__ = "dataset_tables"
    __table_args__ = (UniqueConstraint("source_version_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_version_id: Mapped[int] = mapped_column(ForeignKey("source_versions.id"), index=True)
    name: Mapped[str] = mapped_column(String(60), doc="the table's name within its source, e.g. transfers")
    db_table: Mapped[str] = mapped_column(String(63), unique=True)
    columns: Mapped[list[Any]] = mapped_column(doc="[[column, polars dtype], ...] in order")
    rows: Mapped[int]


class MapperRun(Base):
    """When a domain mapper last ran, and on which source versions (so it runs again only when they change)."""

    __tablename__ = "mapper_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    mapper: Mapped[str] = mapped_column(String(60), unique=True)
    inputs: Mapped[dict[str, Any]] = mapped_column(doc="source name -> source version id it read")
    ran_at: Mapped[datetime]
    rows: Mapped[dict[str, Any]] = mapped_column(doc="domain table -> rows written")
