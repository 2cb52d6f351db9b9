"""The errors a source can raise, each one telling the user what to do next.

detente promises that bad input never fails silently and never fails vaguely: every problem names the
file, the row and the column where it was found, says what is wrong and what to do about it.

- :class:`SourceDataError` is raised for anything wrong with a raw file or the tables parsed from it
  (checksum mismatch, truncated or ragged CSV, wrong encoding, missing column, impossible date, empty
  file, row counts or year ranges that differ from ``source.yml``).
- :class:`SourceSpecError` is raised when a ``source.yml`` itself is invalid.
- :class:`SourceFetchError` is raised when a declared file cannot be obtained (no mirror copy, no cache
  copy, a download that is not allowed or failed).
"""

from __future__ import annotations

from pathlib import Path


class SourceDataError(Exception):
    """A raw data file, or a table parsed from it, is not what its ``source.yml`` declares.

    Attributes:
        file: the file (path or declared name) in which the problem was found.
        row: 1-based line number in the file as a text editor shows it (the header is usually line 1),
            or ``None`` when the problem concerns the whole file.
        column: the column name as it appears in the raw file, or ``None`` for whole-row/whole-file problems.
        problem: what is wrong, in one sentence.
        fix: the next step for the user.
    """

    def __init__(
        self,
        file: str | Path,
        row: int | None,
        column: str | None,
        problem: str,
        fix: str,
    ) -> None:
        self.file = str(file)
        self.row = row
        self.column = column
        self.problem = problem
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.problem} Fix: {self.fix}"

    def __reduce__(self) -> tuple[type[SourceDataError], tuple[str, int | None, str | None, str, str]]:
        return (type(self), (self.file, self.row, self.column, self.problem, self.fix))


class SourceSpecError(Exception):
    """A ``source.yml`` is missing, is not valid YAML, or a field in it is invalid.

    The message names the file and the dotted path of each offending field (e.g. ``files.0.sha256``).
    """

    def __init__(self, file: str | Path, field: str | None, problem: str) -> None:
        self.file = str(file)
        self.field = field
        self.problem = problem
        location = f"{self.file}, field {field!r}" if field else self.file
        super().__init__(f"{location}: {problem}")


class SourceFetchError(Exception):
    """A declared file could not be obtained from the mirror, the cache or its canonical URL."""
