"""Strict CSV reading into a :class:`~detente.sources.rawtable.RawTable`.

Every row must have exactly as many fields as the header: a file cut off mid-row (a truncated download)
or a stray delimiter is reported with its line instead of being padded with nulls. Preamble lines
(SIPRI's notes above the header) and a per-line suffix (SIPRI's trailing ``;``) are removed first.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from detente.sources.errors import SourceDataError
from detente.sources.rawtable import RawTable
from detente.sources.textfile import read_text

_TRUNCATED_FIX = (
    "The file looks truncated or malformed: re-download it (or copy it again into the mirror) and "
    "check its sha256 against source.yml."
)


def read_csv(
    path: Path,
    encoding: str,
    *,
    skip_lines: int = 0,
    line_suffix: str | None = None,
    gzipped: bool = False,
    delimiter: str = ",",
) -> RawTable:
    """Read ``path`` as CSV with every cell as text.

    Args:
        path: the file.
        encoding: the declared text encoding (a UTF-8 byte-order mark is always dropped).
        skip_lines: preamble lines above the header.
        line_suffix: a terminator to strip from the end of every line (e.g. ``";"``).
        gzipped: the file is gzip-compressed.
        delimiter: the field separator.

    Raises:
        SourceDataError: empty file, undecodable text, no header, no data rows, an unterminated quote,
            or a row whose field count differs from the header's.
    """
    text = read_text(path, encoding, gzipped=gzipped)
    if skip_lines or line_suffix:
        lines = text.splitlines()[skip_lines:]
        if line_suffix:
            lines = [ln.removesuffix(line_suffix) for ln in lines]
        text = "\n".join(lines)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise SourceDataError(path, skip_lines + 1, None, "has no header line.", _TRUNCATED_FIX) from None
    header_line = skip_lines + reader.line_num
    width = len(header)
    rows: list[list[str]] = []
    lines_of_rows: list[int] = []
    try:
        for row in reader:
            if not row:
                continue
            line = skip_lines + reader.line_num
            if len(row) != width:
                raise SourceDataError(
                    path,
                    line,
                    None,
                    f"has {len(row)} fields where the header has {width}.",
                    _TRUNCATED_FIX,
                )
            rows.append(row)
            lines_of_rows.append(line)
    except csv.Error as exc:
        raise SourceDataError(
            path, skip_lines + reader.line_num, None, f"is not valid CSV ({exc}).", _TRUNCATED_FIX
        ) from exc
    if not rows:
        raise SourceDataError(path, header_line, None, "has a header but no data rows.", _TRUNCATED_FIX)
    names = unique_names(header)
    columns = list(zip(*rows, strict=True))
    frame = pl.DataFrame(
        {name: pl.Series(name, values, dtype=pl.String) for name, values in zip(names, columns, strict=True)}
    )
    return RawTable(file=str(path), frame=frame, lines=lines_of_rows, header_line=header_line)


def unique_names(header: list[str]) -> list[str]:
    """Header names made unique the way R and pandas do: repeats get ``.1``, ``.2``; blanks become
    ``unnamed_<i>``."""
    seen: dict[str, int] = {}
    names: list[str] = []
    for i, raw in enumerate(header):
        name = raw if raw else f"unnamed_{i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names
