"""Finding the file, row and column where a value sits in a source's raw files.

A mapper works on parsed tables, but an error must point the user at the raw file they can open. When a
mapper meets a value it cannot place (an unknown country code or name), :func:`locate` looks the value up
in the raw files of the source and returns the first place it occurs:

- CSV files (``csv``, ``csv.gz``): the header is the first line holding every column asked for (so
  preamble lines are skipped); rows are read with :mod:`csv`, so the row is the file line a text editor
  shows, even after quoted line breaks; a trailing ``;`` (SIPRI) is ignored;
- Excel sheets (``xls``, ``xlsx``): every sheet is read with its header in the first row; the row is the
  sheet row;
- R data files (``rda``): every data frame in the file is searched; the row is the 1-based row of the
  data frame as R's ``View()`` numbers it, and the column names the object (``cow_states.ccode``);
- other formats (JSON) have no rows to show: the place is the file alone.

A cell matches when it equals the value (numbers compare as numbers, so ``"2"`` matches ``2.0``) or when
one of its ``;``- or ``,``-separated items does (cells listing several states). Conditions on other cells
of the same row (``also``: e.g. the year) narrow the search.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from detente.sources.errors import SourceDataError
from detente.sources.spec import FileSpec, SourceSpec

__all__ = ["Place", "locate"]

_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class Place:
    """Where a value was found: the declared file, the 1-based row (or ``None``) and the raw column."""

    file: str
    row: int | None
    column: str | None


def _same(cell: str | None, wanted: str) -> bool:
    if cell is None:
        return False
    text = cell.strip().removesuffix(";").strip()
    if text == wanted:
        return True
    try:
        return float(text) == float(wanted)
    except ValueError:
        pass
    for separator in (";", ","):
        if separator in text and any(part.strip() == wanted for part in text.split(separator)):
            return True
    return False


def _find(
    header: Sequence[str],
    rows: Sequence[tuple[int, Sequence[str]]],
    value: str,
    columns: Sequence[str] | None,
    also: Mapping[str, str],
) -> tuple[int, str] | None:
    """The (row, column) of the first row in ``rows`` whose cell in ``columns`` matches ``value``."""
    names = [h.strip().removesuffix(";").strip() for h in header]
    wanted = [c for c in (columns or names) if c in names]
    if columns is not None and not wanted:
        return None
    if any(c not in names for c in also):
        return None
    where = {names.index(c): v for c, v in also.items()}
    for row_number, cells in rows:
        if any(i >= len(cells) or not _same(cells[i], v) for i, v in where.items()):
            continue
        for column in wanted:
            index = names.index(column)
            if index < len(cells) and _same(cells[index], value):
                return row_number, column
    return None


def _csv_rows(
    path: Path, entry: FileSpec, any_of: Sequence[str], all_of: Sequence[str]
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line, cells) rows; the header is the first line with one of ``any_of`` and all of ``all_of``."""
    from detente.sources.textfile import read_text

    text = read_text(path, entry.encoding or "utf-8", gzipped=entry.format == "csv.gz").lstrip("\ufeff")
    for delimiter in _DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        try:
            for cells in reader:
                if header is None:
                    stripped = {c.strip().removesuffix(";").strip() for c in cells}
                    if (
                        len(cells) > 1
                        and (not any_of or any(n in stripped for n in any_of))
                        and all(n in stripped for n in all_of)
                    ):
                        header = cells
                    continue
                rows.append((reader.line_num, cells))
        except csv.Error:
            continue
        if header is not None:
            return header, rows
    return [], []


def _sheet_rows(path: Path) -> list[tuple[list[str], list[tuple[int, list[str]]]]]:
    from detente.sources.workbook import read_sheet, sheet_names

    tables = []
    for sheet in sheet_names(path):
        try:
            table = read_sheet(path, sheet)
        except SourceDataError:
            continue
        body = [
            (line, ["" if v is None else str(v) for v in row])
            for line, row in zip(table.lines, table.frame.iter_rows(), strict=True)
        ]
        tables.append((list(table.frame.columns), body))
    return tables


def _rda_rows(path: Path) -> list[tuple[str, list[str], list[tuple[int, list[str]]]]]:
    """Every data frame of an R data file as (object name, column names, numbered rows of strings)."""
    import pyreadr  # type: ignore[import-untyped]

    from detente.sources.rdata import whole_doubles_as_int

    tables = []
    for name, frame in pyreadr.read_r(str(path), output_format="polars").items():
        frame = whole_doubles_as_int(frame)
        body = [
            (number, ["" if v is None else str(v) for v in row])
            for number, row in enumerate(frame.iter_rows(), start=1)
        ]
        tables.append((str(name), list(frame.columns), body))
    return tables


def locate(
    spec: SourceSpec,
    paths: Mapping[str, Path],
    value: object,
    *,
    columns: Sequence[str] | None = None,
    also: Mapping[str, object] | None = None,
    table: str | None = None,
) -> Place:
    """The first place ``value`` occurs in the raw files of ``spec`` (see the module docstring).

    Args:
        spec: the source.
        paths: declared file path -> local copy (files not at hand are skipped).
        value: the value as the parsed table holds it.
        columns: raw header names that may hold it (``None``: any column).
        also: raw header -> value that other cells of the same row must hold (e.g. the year).
        table: the parsed table the value came from; its declared file is searched first, and is the
            file named when the row cannot be found.
    """
    wanted = str(value).strip()
    conditions = {k: str(v) for k, v in (also or {}).items()}
    entries = sorted(spec.files, key=lambda e: e.table != table)
    for entry in entries:
        path = paths.get(entry.path)
        if path is None or not path.is_file():
            continue
        try:
            if entry.format in ("csv", "csv.gz"):
                tables = [_csv_rows(path, entry, columns or [], list(conditions))]
            elif entry.format in ("xls", "xlsx"):
                tables = _sheet_rows(path)
            elif entry.format == "rda":
                for name, header, rows in _rda_rows(path):
                    found = _find(header, rows, wanted, columns, conditions)
                    if found is not None:
                        return Place(entry.path, found[0], f"{name}.{found[1]}")
                continue
            else:
                continue
        except SourceDataError:
            continue
        for header, rows in tables:
            found = _find(header, rows, wanted, columns, conditions)
            if found is not None:
                return Place(entry.path, found[0], found[1])
    fallback = next((e.path for e in entries if e.table == table), entries[0].path if entries else spec.name)
    return Place(fallback, None, columns[0] if columns else None)
