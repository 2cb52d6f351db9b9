"""Reading R data files (``.rda``) with pyreadr, straight into Polars.

R stores integer codes and years as doubles; :func:`read_rda` turns a double column whose every value is
a whole number into ``Int64`` so that ``ccode`` is ``2`` and not ``2.0``. Factors arrive as categoricals
and are turned into plain strings.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyreadr  # type: ignore[import-untyped]

from detente.sources.errors import SourceDataError


def read_rda(path: Path, name: str | None = None) -> pl.DataFrame:
    """The data frame named ``name`` (default: the only or first object) in an ``.rda`` file.

    Raises:
        SourceDataError: the file is empty, is not an R data file, or lacks the object.
    """
    if path.stat().st_size == 0:
        raise SourceDataError(path, None, None, "the file is empty (0 bytes).", "Re-download the file.")
    try:
        objects = pyreadr.read_r(str(path), output_format="polars")
    except (pyreadr.custom_errors.PyreadrError, pyreadr.custom_errors.LibrdataError, OSError) as exc:
        raise SourceDataError(
            path, None, None, f"is not a readable R data file ({exc}).", "Re-download the file."
        ) from exc
    if not objects:
        raise SourceDataError(path, None, None, "contains no data frame.", "Re-download the file.")
    key = name if name is not None else next(iter(objects))
    if key not in objects:
        raise SourceDataError(
            path, None, None, f"has no object {key!r} (found {sorted(objects)}).", "Re-download the file."
        )
    frame = objects[key]
    if not isinstance(frame, pl.DataFrame):
        raise SourceDataError(path, None, None, f"object {key!r} is not a data frame.", "Re-download the file.")
    return whole_doubles_as_int(frame)


def whole_doubles_as_int(frame: pl.DataFrame) -> pl.DataFrame:
    """Cast Float64 columns whose every non-null value is whole (and finite) to Int64; factors and
    enums to String."""
    casts: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        column = frame.get_column(name)
        if dtype == pl.Float64:
            values = column.drop_nulls().drop_nans()
            whole = values.len() == column.drop_nulls().len() and bool((values == values.floor()).all())
            if whole and (values.len() == 0 or float(values.abs().max()) < 2**53):  # type: ignore[arg-type]
                casts.append(pl.col(name).cast(pl.Int64))
        elif isinstance(dtype, pl.Categorical | pl.Enum):
            casts.append(pl.col(name).cast(pl.String))
    return frame.with_columns(casts) if casts else frame
