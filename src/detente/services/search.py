"""Full-text search of attaché reports: SQLite FTS5 or PostgreSQL ``tsvector``, whichever the store runs on.

Migration 0005 builds the index: on SQLite an external-content FTS5 table ``reports_fts`` that triggers keep in
step with ``reports``; on PostgreSQL a GIN index over ``to_tsvector('english', title || ' ' || body || ' ' ||
region)``. The query text is a plain list of words (every word must occur; stemming on PostgreSQL, prefix-free
on SQLite); FTS operators typed by a user are treated as words, never as syntax.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, or_, text

from detente.services.catalog import Resource
from detente.services.entities import RecordError
from detente.store.models import Report

__all__ = ["search_clause", "search_words"]

_WORD = re.compile(r"\w+", re.UNICODE)


def search_words(query: str) -> list[str]:
    """The words of a search, without punctuation or operators; a clear error if there are none."""
    words = _WORD.findall(query)
    if not words:
        raise RecordError("reports", "q", "give at least one word to search for")
    if len(words) > 32:
        raise RecordError("reports", "q", "search for at most 32 words at a time")
    return words


_POSTGRES = text(
    "to_tsvector('english', reports.title || ' ' || reports.body || ' ' || coalesce(reports.region, '')) "
    "@@ plainto_tsquery('english', :search_words)"
)
_SQLITE = text("reports.id IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH :search_words)")


def search_clause(res: Resource, query: str, dialect: str) -> ColumnElement[bool]:
    """A WHERE clause keeping the reports that contain every word of ``query``."""
    if res.model is not Report:
        raise RecordError(res.name, "q", "full-text search is available for reports only")
    words = search_words(query)
    if dialect == "postgresql":
        return _POSTGRES.bindparams(search_words=" ".join(words))  # type: ignore[return-value]
    if dialect == "sqlite":
        phrase = " ".join('"' + word.replace('"', "") + '"' for word in words)
        return _SQLITE.bindparams(search_words=phrase)  # type: ignore[return-value]
    return or_(*(Report.body.ilike(f"%{word}%") for word in words))
