"""Reading Excel sheets (``.xls`` via calamine, ``.xlsx``) into a text :class:`RawTable`.

Cells are read as text so that the same strict casting as for CSV applies; the row numbers in errors
are the sheet's own (the header is row 1).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from detente.sources.csvfile import unique_names
from detente.sources.errors import SourceDataError
from detente.sources.rawtable import RawTable


def sheet_names(path: Path) -> list[str]:
    """The sheet names of a workbook, in order."""
    import fastexcel

    _check(path)
    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as exc:  # calamine raises its own error types
        raise SourceDataError(
            path, None, None, f"is not a readable workbook ({exc}).", "Re-download the file."
        ) from exc


def read_sheet(path: Path, sheet: str | int = 0, *, header_row: int = 0) -> RawTable:
    """Sheet ``sheet`` with every cell as text; ``header_row`` is the 0-based row holding the header.

    Raises:
        SourceDataError: empty or unreadable file, missing sheet, or no data rows.
    """
    import fastexcel

    _check(path)
    try:
        reader = fastexcel.read_excel(str(path))
        sheet_obj = reader.load_sheet(sheet, header_row=None, skip_rows=header_row)
        raw = sheet_obj.to_polars()
    except Exception as exc:
        raise SourceDataError(
            path, None, None, f"sheet {sheet!r} cannot be read ({exc}).", "Re-download the file."
        ) from exc
    if raw.height < 2:
        raise SourceDataError(path, header_row + 1, None, f"sheet {sheet!r} has no data rows.", "Re-download the file.")
    text = raw.select(pl.all().cast(pl.String))
    header = [("" if v is None else _clean_header(v)) for v in text.row(0)]
    body = text.slice(1)
    names = unique_names(header)
    body.columns = names
    keep = ~pl.all_horizontal(pl.all().is_null())
    indexed = body.with_row_index("__line", offset=header_row + 2).filter(keep)
    lines = indexed.get_column("__line").to_list()
    # Excel stores whole numbers as floats and dates as date-times: show them as the file's author typed
    # them ("1994", "2001-05-02"), so that the strict casts see the same text as in a CSV.
    frame = indexed.drop("__line").with_columns(
        pl.all().str.replace(r"^(-?\d+)\.0$", "$1").str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1")
    )
    return RawTable(file=str(path), frame=frame, lines=lines, header_line=header_row + 1)


def _clean_header(value: str) -> str:
    return value[:-2] if value.endswith(".0") and value[:-2].isdigit() else value


def _check(path: Path) -> None:
    if path.stat().st_size == 0:
        raise SourceDataError(path, None, None, "the file is empty (0 bytes).", "Re-download the file.")
