"""Writing a panel to a file: CSV, Parquet or Stata, chosen by the file's suffix.

``.csv``
    UTF-8, a header row, missing values as empty fields (what R's ``readr`` and Stata's ``import delimited``
    read as missing).
``.parquet``
    columnar and typed: the fastest to write and to read back, in Python, R (``arrow``) or Stata 18.
``.dta``
    Stata 14+ format (version 118). Polars has no Stata writer, so this goes through pandas
    (``pip install pandas pyarrow``); integer columns with missing values become doubles, as Stata needs.

Writes are atomic: the rows go to a temporary file beside the target, renamed into place when complete,
so a failed or interrupted write never leaves a truncated panel behind.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from detente.panels.panel import Panel

__all__ = ["FORMATS", "stata_available", "write_frame_file", "write_panel"]

FORMATS = (".csv", ".parquet", ".dta")


def stata_available() -> bool:
    """True when the packages the Stata writer needs (pandas and pyarrow) are importable."""
    return all(importlib.util.find_spec(name) is not None for name in ("pandas", "pyarrow"))


def _write_dta(frame: pl.DataFrame, path: Path) -> None:
    if not stata_available():
        raise ImportError("writing Stata .dta files needs pandas and pyarrow: pip install pandas pyarrow")
    pandas_frame = frame.to_pandas()
    pandas_frame.to_stata(path, write_index=False, version=118)


def write_frame_file(frame: pl.DataFrame, path: Path) -> Path:
    """Write ``frame`` to ``path`` in the format its suffix names; return the path.

    Raises:
        ValueError: the suffix is not one of .csv, .parquet, .dta.
        ImportError: .dta without pandas and pyarrow installed.
    """
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot write {path.name}: use a file name ending in {', '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(handle)
    temporary = Path(name)
    try:
        if suffix == ".csv":
            frame.write_csv(temporary)
        elif suffix == ".parquet":
            frame.write_parquet(temporary, compression="lz4")
        else:
            _write_dta(frame, temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def write_panel(panel: Panel, path: Path) -> Path:
    """Write a panel's rows to ``path`` (see the module docstring for the formats)."""
    return write_frame_file(panel.to_polars(), path)
