"""What a log may say about a database error: enough to find the fault, nothing of the data.

A driver's error text carries the data of the statement that failed. PostgreSQL adds a ``DETAIL`` line --
``Failing row contains (17, SECRET, ...)`` for a NOT NULL or CHECK violation, ``Key (reference)=(...)`` for a
unique one -- and SQLAlchemy appends the statement's ``[parameters: ...]``. Either can hold a marked record's
text or a secret, and a log is read by more people than the record's readers. :func:`describe` keeps only:

* the error's class (``IntegrityError``) and PostgreSQL's SQLSTATE (``23502``);
* the constraint, table and column PostgreSQL names (``constraint engagements_kind_check``);
* the primary message, which for a constraint names the constraint, not the row (for a data error --
  SQLSTATE class 22, such as ``invalid input syntax for type integer: "..."`` -- it may quote the value, so
  only the words before its first colon are kept);
* the statement with its placeholders (never its parameters).

::

    try:
        ...
    except DBAPIError as error:
        log.error("could not store the report: %s", describe(error))  # never log.exception(...) here

:func:`safe_traceback` gives the frames of the failure without the exception's text, for the same log.
"""

from __future__ import annotations

import traceback

from sqlalchemy.exc import StatementError

__all__ = ["describe", "safe_traceback"]

_STATEMENT_CHARS = 400
"""How much of the failing statement (placeholders only) a log line keeps."""


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0].strip() if text.strip() else ""


def _driver_part(driver_error: BaseException) -> list[str]:
    """The safe parts of a driver's own error: PostgreSQL's diagnostics, else the first line of its text."""
    diag = getattr(driver_error, "diag", None)
    if diag is None:
        # sqlite3 and others: one line such as "UNIQUE constraint failed: users.username" (names, no values)
        return [f"{type(driver_error).__name__}: {_first_line(str(driver_error).split('DETAIL:')[0])}"]
    sqlstate = getattr(diag, "sqlstate", None) or ""
    primary = _first_line(getattr(diag, "message_primary", None) or "")
    if sqlstate.startswith("22"):  # data exceptions quote the offending value after a colon
        primary = primary.split(":")[0]
    parts = [f"{type(driver_error).__name__} (SQLSTATE {sqlstate or '?'}): {primary}"]
    for label in ("constraint", "table", "column"):
        name = getattr(diag, f"{label}_name", None)
        if name:
            parts.append(f"{label} {name}")
    return parts


def describe(error: BaseException) -> str:
    """One line about ``error`` with no data from the failing row or the statement's parameters."""
    driver_error = error.orig if isinstance(error, StatementError) and error.orig is not None else error
    parts = _driver_part(driver_error)
    if driver_error is not error:
        parts.insert(0, type(error).__name__)
    statement = getattr(error, "statement", None)
    if isinstance(statement, str) and statement.strip():
        flat = " ".join(statement.split())
        parts.append(f"statement: {flat[:_STATEMENT_CHARS]}{'...' if len(flat) > _STATEMENT_CHARS else ''}")
    return "; ".join(parts)


def safe_traceback(error: BaseException) -> str:
    """The frames (file, line, code) where ``error`` was raised, without its message (which holds the data)."""
    return "".join(traceback.format_tb(error.__traceback__))
