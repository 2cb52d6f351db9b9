"""Sources, the versions of them that were loaded, and citations that tie a record to a source."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from detente.store.base import Base


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


class Citation(Base):
    """A record's citation of a source version, with where in it (page, table, URL)."""

    __tablename__ = "citations"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(40), index=True)
    object_id: Mapped[int] = mapped_column(index=True)
    source_version_id: Mapped[int] = mapped_column(ForeignKey("source_versions.id"), index=True)
    locator: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)
