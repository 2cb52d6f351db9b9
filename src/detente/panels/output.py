"""Writing a panel to a file: CSV, Parquet or Stata, chosen by the file's suffix.

``.csv``
    UTF-8, a header row, missing values as empty fields (what R's ``readr`` and Stata's ``import delimited``
    read as missing).
``.parquet``
    columnar and typed: the fastest to write and to read back, in Python, R (``arrow``) or Stata 18.
    LZ4-compressed, without per-page min/max statistics: a panel is read whole, and computing them costs
    a fifth of the write.
``.dta``
    Stata 14+ format (version 118), written by ``pyreadstat`` (ReadStat) straight from the Polars frame, no
    pandas needed. Stata has no 64-bit integers, so 64-bit integer columns are stored as doubles (exact for
    every value below 2**53); missing values are Stata's missing ``.``. ``pyreadstat`` is imported only
    when a .dta file is written.

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


STATA_VERSION = 14
"""The Stata release whose file format (118) .dta files are written in: read by Stata 14 and later."""


def stata_available() -> bool:
    """True when the Stata writer's package (``pyreadstat``, a dependency of detente) is importable."""
    return importlib.util.find_spec("pyreadstat") is not None


def _write_dta(frame: pl.DataFrame, path: Path) -> None:
    if not stata_available():
        raise ImportError("writing Stata .dta files needs pyreadstat: pip install pyreadstat")
    import pyreadstat  # only here: it imports numpy, which a Parquet or CSV write never needs

    pyreadstat.write_dta(frame, path, version=STATA_VERSION)


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
            frame.write_parquet(temporary, compression="lz4", statistics=False)
        else:
            _write_dta(frame, temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def write_panel(panel: Panel, path: Path) -> Path:
    """Write a panel's rows to ``path`` (see the module docstring for the formats)."""
    return write_frame_file(panel.to_polars(), path)
