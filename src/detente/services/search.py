"""Full-text search of attaché reports: SQLite FTS5 or PostgreSQL ``tsvector``, whichever the store runs on.

Migration 0005 builds the index: on SQLite an external-content FTS5 table ``reports_fts`` that triggers keep in
step with ``reports``; on PostgreSQL (migration 0009) the column ``reports.search_vector``, which the database
computes as ``to_tsvector('english', title || ' ' || body || ' ' || region)`` on every write, with a GIN index.
The query text is a plain list of words (every word must occur; stemming on PostgreSQL, prefix-free on SQLite);
FTS operators typed by a user are treated as words, never as syntax.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, bindparam, or_, text

from detente.services.catalog import Resource
from detente.services.entities import RecordError
from detente.store.models import Report

__all__ = ["search_clause", "search_template", "search_values", "search_words"]

_WORD = re.compile(r"\w+", re.UNICODE)


def search_words(query: str) -> list[str]:
    """The words of a search, without punctuation or operators; a clear error if there are none."""
    words = _WORD.findall(query)
    if not words:
        raise RecordError("reports", "q", "give at least one word to search for")
    if len(words) > 32:
        raise RecordError("reports", "q", "search for at most 32 words at a time")
    return words


_POSTGRES = text("reports.search_vector @@ plainto_tsquery('english', :search_words)")
_SQLITE = text("reports.id IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH :search_words)")


def search_template(dialect: str, words: int) -> ColumnElement[bool]:
    """The search's WHERE clause over bound parameters (``search_words``; one ``search_words_<i>`` per word
    on a database without full-text search): the values come from :func:`search_values`."""
    if dialect == "postgresql":
        return _POSTGRES  # type: ignore[return-value]
    if dialect == "sqlite":
        return _SQLITE  # type: ignore[return-value]
    return or_(*(Report.body.ilike(bindparam(f"search_words_{number}")) for number in range(words)))


def search_values(res: Resource, query: str, dialect: str) -> dict[str, Any]:
    """The bound values of :func:`search_template` for ``query``; a clear error for a resource that cannot be
    searched or a query without words."""
    if res.model is not Report:
        raise RecordError(res.name, "q", "full-text search is available for reports only")
    words = search_words(query)
    if dialect == "postgresql":
        return {"search_words": " ".join(words)}
    if dialect == "sqlite":
        return {"search_words": " ".join('"' + word.replace('"', "") + '"' for word in words)}
    return {f"search_words_{number}": f"%{word}%" for number, word in enumerate(words)}


def search_clause(res: Resource, query: str, dialect: str) -> ColumnElement[bool]:
    """A WHERE clause keeping the reports that contain every word of ``query``."""
    values = search_values(res, query, dialect)
    template = search_template(dialect, len(values))
    if dialect in ("postgresql", "sqlite"):
        return template.bindparams(**values)  # type: ignore[no-any-return]
    return template.params(values)
