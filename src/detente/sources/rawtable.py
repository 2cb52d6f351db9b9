"""A raw table (every cell still text) and the typed, named table a parser makes from it.

Parsers never let a CSV reader guess types or missing values. They read every cell as text into a
:class:`RawTable`, then declare each column they keep with a :class:`Col`: the raw header, the
snake_case output name, the kind (``STR``, ``INT``, ``FLOAT``, ``BOOL``, ``DATE``) and which tokens mean
"missing" for that column. Casting is strict: a value that does not fit raises
:class:`~detente.sources.errors.SourceDataError` naming file, line and column. That is how the quirks
of real files are handled explicitly instead of by accident:

* the ISO2 code ``"NA"`` (Namibia) stays a string because only numeric columns treat ``"NA"`` as missing;
* COW's ``-9`` or DCAD's negative codes become null only in the columns declared with ``sentinels``;
* a blank or a single space (SIPRI milex) is missing in numeric columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import polars as pl

from detente.sources.errors import SourceDataError

NA_TOKENS = frozenset({"", "NA"})
"""Tokens that mean missing in numeric columns of files written by R (``write.csv``)."""

BLANK = frozenset({""})
"""The only token that means missing in a text column unless a parser says otherwise: ``"NA"`` is
Namibia's ISO2 code, so it is never treated as missing text by default."""

_TRUE = frozenset({"1", "TRUE", "True", "true", "Yes", "yes", "Y"})
_FALSE = frozenset({"0", "FALSE", "False", "false", "No", "no", "N"})


class Kind(StrEnum):
    """The type a column is cast to."""

    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    AUTO = "auto"
    """INT if every value is a whole number, else FLOAT if every value is a number, else STR."""


@dataclass(frozen=True)
class Col:
    """How one raw column becomes one output column.

    Attributes:
        source: header of the column in the raw file (exactly, including odd spacing).
        name: output name; defaults to :func:`snake_case` of ``source``.
        kind: the output type.
        nulls: tokens (after stripping spaces for non-STR kinds) that mean "missing"; by default
            ``""`` and ``"NA"`` for numbers and dates, only ``""`` for text (see :data:`BLANK`).
        sentinels: numeric codes that mean "missing" (e.g. ``{-9}``), applied after casting.
        negative_null: treat every negative number as a coded non-value (DCAD).
        date_format: ``strptime`` format for ``DATE`` columns.
    """

    source: str
    name: str | None = None
    kind: Kind = Kind.STR
    nulls: frozenset[str] | None = None
    sentinels: frozenset[int] = frozenset()
    negative_null: bool = False
    date_format: str = "%Y-%m-%d"

    @property
    def null_tokens(self) -> frozenset[str]:
        """The tokens in effect: ``nulls`` if given, else the default for ``kind``."""
        if self.nulls is not None:
            return self.nulls
        return BLANK if self.kind is Kind.STR else NA_TOKENS

    @property
    def out(self) -> str:
        """The output column name."""
        return self.name or snake_case(self.source)


def snake_case(name: str) -> str:
    """A documented, predictable snake_case name: ``"Mission HQ Latitude"`` -> ``"mission_hq_latitude"``.

    Runs of non-alphanumerics become ``_``; camelCase is split (``cowName1`` -> ``cow_name1``); a leading
    digit gets a ``y`` prefix (``"2018"`` -> ``"y2018"``).
    """
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    if not text:
        return "unnamed"
    return f"y{text}" if text[0].isdigit() else text


@dataclass(frozen=True)
class RawTable:
    """Cells as text, with the file line of each row so that errors can point at it.

    Attributes:
        file: the file name shown in errors.
        frame: all columns ``pl.String``; names as in the raw header (duplicates made unique with
            ``.1``, ``.2`` suffixes, as R and pandas do).
        lines: the 1-based file line of each row.
        header_line: the 1-based line of the header.
    """

    file: str
    frame: pl.DataFrame
    lines: Sequence[int]
    header_line: int = 1
    _checked: set[str] = field(default_factory=set, compare=False, repr=False)

    @property
    def height(self) -> int:
        """Number of data rows."""
        return self.frame.height

    def line(self, index: int) -> int:
        """The file line of row ``index`` (0-based)."""
        return self.lines[index]

    def require(self, columns: Iterable[str]) -> None:
        """Raise a :class:`SourceDataError` for the first of ``columns`` missing from the header."""
        for column in columns:
            if column not in self.frame.columns:
                raise SourceDataError(
                    self.file,
                    self.header_line,
                    column,
                    f"required column is missing (the header has: {', '.join(self.frame.columns[:12])}"
                    f"{', ...' if self.frame.width > 12 else ''}).",
                    "The file's layout has changed or the file is not the declared one: re-download it, "
                    "or update the parser and source.yml for the new layout.",
                )

    def fail(self, index: int | None, column: str | None, problem: str, fix: str) -> SourceDataError:
        """An error located at row ``index`` (0-based) and ``column`` of this table."""
        return SourceDataError(self.file, None if index is None else self.line(index), column, problem, fix)

    def cast(self, col: Col) -> pl.Series:
        """Column ``col.source`` cast to ``col.kind``, named ``col.out``; strict, see :class:`Col`."""
        self.require([col.source])
        raw = self.frame.get_column(col.source)
        return self.cast_series(raw, col).alias(col.out)

    def cast_series(self, raw: pl.Series, col: Col) -> pl.Series:
        """Cast a text series aligned with this table's rows (used for pre-cleaned columns too)."""
        if col.kind is Kind.STR:
            return _nullify(raw, col.null_tokens)
        text = _nullify(raw.str.strip_chars(), col.null_tokens)
        if col.kind is Kind.AUTO:
            return self._auto(raw, text, col)
        if col.kind is Kind.DATE:
            out = text.str.strptime(pl.Date, col.date_format, strict=False)
            self._reject(text, out, col, f"is not a valid date in format {col.date_format}")
            return out
        if col.kind is Kind.BOOL:
            out = pl.Series(raw.name, [_bool(v) for v in text.to_list()], dtype=pl.Boolean)
            self._reject(text, out, col, "is not a yes/no value (0/1, TRUE/FALSE, Yes/No)")
            return out
        number = text.cast(pl.Float64, strict=False)
        if col.kind is Kind.INT:
            whole = number.is_finite() & (number == number.floor())
            number = pl.select(pl.when(whole).then(number).otherwise(None)).to_series()
            self._reject(text, number, col, "is not a whole number")
            result = number.cast(pl.Int64)
        else:
            self._reject(text, number, col, "is not a number")
            result = number
        return _drop_sentinels(result, col)

    def _auto(self, raw: pl.Series, text: pl.Series, col: Col) -> pl.Series:
        number = text.cast(pl.Float64, strict=False)
        if text.null_count() == text.len() or (number.is_null() & text.is_not_null()).any():
            # Not numeric: keep the text, with only blanks as missing ("NA" may be a code).
            return _nullify(raw, BLANK)
        whole = number.drop_nulls()
        if whole.is_finite().all() and (whole == whole.floor()).all() and whole.abs().max() < 2**53:  # type: ignore[operator]
            return _drop_sentinels(number.cast(pl.Int64), col)
        return _drop_sentinels(number, col)

    def _reject(self, text: pl.Series, out: pl.Series, col: Col, problem: str) -> None:
        bad = (out.is_null() & text.is_not_null()).arg_true()
        if bad.len():
            index = int(bad[0])
            raise self.fail(
                index,
                col.source,
                f"value {text[index]!r} {problem}.",
                "Correct the value in the file or obtain an intact copy; if the publisher changed the "
                "format, update the parser.",
            )

    def typed(
        self, cols: Sequence[Col], *, rest: Kind | None = None, rest_nulls: frozenset[str] | None = None
    ) -> pl.DataFrame:
        """The typed table: declared ``cols`` first, then (if ``rest`` is given) every other raw column
        cast to ``rest`` and named by :func:`snake_case`. Declared columns are required."""
        self.require(c.source for c in cols)
        series = [self.cast(c) for c in cols]
        if rest is not None:
            declared = {c.source for c in cols}
            for name in self.frame.columns:
                if name not in declared:
                    series.append(self.cast(Col(name, kind=rest, nulls=rest_nulls)))
        names = [s.name for s in series]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"parser bug: output columns {sorted(duplicates)} are declared twice")
        return pl.DataFrame(series)


def _nullify(series: pl.Series, nulls: frozenset[str]) -> pl.Series:
    if not nulls:
        return series
    return pl.select(pl.when(series.is_in(list(nulls))).then(None).otherwise(series)).to_series().alias(series.name)


def _drop_sentinels(series: pl.Series, col: Col) -> pl.Series:
    if not col.sentinels and not col.negative_null:
        return series
    condition = series.is_in(list(col.sentinels)) if col.sentinels else pl.repeat(False, series.len(), eager=True)
    if col.negative_null:
        condition = condition | (series < 0)
    return pl.select(pl.when(condition).then(None).otherwise(series)).to_series().alias(series.name)


def _bool(value: str | None) -> bool | None:
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None
