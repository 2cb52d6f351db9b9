"""The :class:`Crosswalk` value and its year-valid lookups (scalar and vectorised).

Every lookup reads one table, ``codes``: spells of ``(state_key, system, code, first_year, last_year)``
with ``last_year`` null for a spell still running at the end of its source's coverage. Within one
system a code denotes at most one state in any year (the builder checks this), so a lookup by
``(system, code, year)`` has at most one answer; a lookup without a year answers only when the code has
denoted one state in all its years.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import polars as pl

System = Literal["cow", "gw", "iso3", "iso2", "name"]
"""The code systems of the crosswalk. ``name`` holds the names the crosswalk knows itself (countrycode
panel names in five languages, COW, G-W and isard names); see :mod:`.names` for matching free text."""

SYSTEMS: tuple[System, ...] = ("cow", "gw", "iso3", "iso2", "name")
CODE_SYSTEMS: tuple[System, ...] = ("cow", "gw", "iso3", "iso2")

OPEN_END = 9999
"""Stands in for an open ``last_year`` inside lookups (never stored)."""


class CrosswalkError(Exception):
    """A lookup was asked something the crosswalk cannot answer (unknown system, unmapped codes)."""


class NameMatch(NamedTuple):
    """What :meth:`Crosswalk.match_names` returns; unpack it as ``frame, unmatched, not_states``.

    - ``frame``: every input row (none dropped) plus ``state_key`` (null unless matched) and
      ``name_match`` (``name``: one of the crosswalk's own names; ``alias``: the reviewed alias table;
      ``not_a_state``: listed in the alias table as not a state; ``ambiguous``: the name fits several
      states and no year settles it; ``unmatched``: unknown; ``missing``: the cell is empty).
    - ``unmatched``: name as written -> row count, for ``unmatched`` and ``ambiguous`` rows.
    - ``not_states``: name as written -> row count, for ``not_a_state`` rows.
    """

    frame: pl.DataFrame
    unmatched: dict[str, int]
    not_states: dict[str, int]


def code_text(system: str, code: object) -> str:
    """The text form of a code: ``255`` / ``"255"`` -> ``"255"`` for COW and G-W, upper case for ISO."""
    if system in ("cow", "gw"):
        return str(int(str(code).strip()))
    if system in ("iso3", "iso2"):
        return str(code).strip().upper()
    return str(code)


def _code_expr(system: str, column: str) -> pl.Expr:
    col = pl.col(column)
    if system in ("cow", "gw"):
        return col.cast(pl.String).str.strip_chars().cast(pl.Int64, strict=False).cast(pl.String)
    return col.cast(pl.String).str.strip_chars().str.to_uppercase()


@dataclass(frozen=True)
class Crosswalk:
    """The country-code crosswalk: states, their code spells, system membership and capitals.

    Build it with :func:`detente.sources.crosswalk.build_crosswalk`. Columns:

    - ``states``: ``state_key``, ``name``, ``ccode``, ``gwcode``, ``iso3``, ``iso2``, ``abbreviation``
      (COW state abbreviation), ``first_year``, ``last_year`` (null: still existing), ``in_cow``,
      ``in_gw`` (ever a member of that system); the code columns hold the latest code.
    - ``codes``: ``state_key``, ``system``, ``code`` (text), ``first_year``, ``last_year`` (inclusive;
      null = still valid at the end of coverage).
    - ``system_spells``: ``state_key``, ``system`` (cow|gw), ``code``, ``abbreviation``, ``name``,
      ``start``, ``end``, ``start_precision``, ``end_precision`` (``day``), ``end_is_coverage_end``
      (the source's coverage ended, not the membership), ``microstate`` (G-W only), ``source``.
    - ``capitals``: ``state_key``, ``capital``, ``lat``, ``lon``, ``first_year``, ``last_year``,
      ``start``, ``end``, ``system``, ``code`` (the code the capital table used).
    - ``aliases``: the reviewed alias table (``name``, ``state_key``, ``first_year``, ``last_year``,
      ``norm``) and ``not_a_state`` (``name``, ``norm``, ``kind``).
    """

    states: pl.DataFrame
    codes: pl.DataFrame
    system_spells: pl.DataFrame
    capitals: pl.DataFrame
    aliases: pl.DataFrame
    not_a_state: pl.DataFrame
    _years: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    # ----------------------------------------------------------------- scalar lookups
    def key_for(self, system: System, code: object, year: int | None = None) -> str | None:
        """The ``state_key`` that ``code`` denotes in ``system`` in ``year``, or ``None``.

        Without ``year`` the answer is the one state the code has ever denoted (``None`` if several).

            >>> cw.key_for("cow", 255, 1950) is None      # COW 255 is not a state in 1950
            True
            >>> cw.key_for("gw", 260, 1995)
            'DEU'
        """
        _check_system(system)
        if code is None:
            return None
        try:
            text = code_text(system, code)
        except ValueError:
            return None
        spells = self.codes.filter((pl.col("system") == system) & (pl.col("code") == text))
        if year is not None:
            spells = spells.filter((pl.col("first_year") <= year) & (pl.col("last_year").fill_null(OPEN_END) >= year))
        keys = spells.get_column("state_key").unique().to_list()
        return str(keys[0]) if len(keys) == 1 else None

    def code_for(self, state_key: str, system: System, year: int | None = None) -> str | None:
        """The code of ``state_key`` in ``system`` in ``year`` (or its latest code without ``year``).

        When two codes of the same system both touch ``year`` (a recoding in mid-year, e.g. COW 260 ->
        255 in 1990), the one that starts later wins: the code in force at the end of the year.
        """
        _check_system(system)
        spells = self.codes.filter((pl.col("system") == system) & (pl.col("state_key") == state_key))
        if year is not None:
            spells = spells.filter((pl.col("first_year") <= year) & (pl.col("last_year").fill_null(OPEN_END) >= year))
        if spells.is_empty():
            return None
        best = spells.sort(
            [pl.col("last_year").fill_null(OPEN_END), "first_year", "code"], descending=[True, True, False]
        )
        return str(best.get_column("code")[0])

    def translate(self, code: object, from_system: System, to_system: System, year: int) -> str | None:
        """``code`` of ``from_system`` in ``year`` as a code of ``to_system`` (via its state)."""
        key = self.key_for(from_system, code, year)
        return None if key is None else self.code_for(key, to_system, year)

    def state(self, state_key: str) -> dict[str, object] | None:
        """The ``states`` row of ``state_key`` as a dict, or ``None``."""
        rows = self.states.filter(pl.col("state_key") == state_key)
        return rows.row(0, named=True) if rows.height else None

    # ----------------------------------------------------------------- vectorised lookups
    def map_codes(
        self,
        frame: pl.DataFrame,
        *,
        system: System,
        code_col: str,
        year_col: str | None = None,
        out: str = "state_key",
        strict: bool = False,
    ) -> pl.DataFrame:
        """``frame`` with a column ``out`` holding the state each row's code denotes (in its year).

        Every row is kept; a code the crosswalk cannot place gets a null. With ``strict=True`` any such
        row raises :class:`CrosswalkError` naming each unmapped ``(code, year)`` and its row count.
        """
        _check_system(system)
        if code_col not in frame.columns:
            raise CrosswalkError(f"no column {code_col!r} in the frame (columns: {frame.columns})")
        if year_col is not None and year_col not in frame.columns:
            raise CrosswalkError(f"no column {year_col!r} in the frame (columns: {frame.columns})")
        tmp_code, tmp_year = "__cw_code", "__cw_year"
        work = frame.with_columns(_code_expr(system, code_col).alias(tmp_code))
        if year_col is None:
            table = self._timeless(system).rename({"code": tmp_code, "state_key": out})
            joined = work.join(table, on=tmp_code, how="left")
        else:
            work = work.with_columns(pl.col(year_col).cast(pl.Int64).alias(tmp_year))
            table = self._code_years(system).rename({"code": tmp_code, "year": tmp_year, "state_key": out})
            joined = work.join(table, on=[tmp_code, tmp_year], how="left")
        if strict:
            bad = joined.filter(pl.col(out).is_null() & pl.col(code_col).is_not_null())
            if bad.height:
                keys = [code_col] if year_col is None else [code_col, year_col]
                counts = bad.group_by(keys).len().sort("len", descending=True)
                listing = ", ".join(
                    f"{'/'.join(str(v) for v in r[:-1])} ({r[-1]} rows)" for r in counts.head(20).iter_rows()
                )
                raise CrosswalkError(
                    f"{bad.height} rows have a {system} code that denotes no state in its year: {listing}. "
                    "Fix: check the year column, or add the state to the crosswalk's sources."
                )
        return joined.drop([c for c in (tmp_code, tmp_year) if c in joined.columns])

    def add_codes(
        self, frame: pl.DataFrame, *, key_col: str = "state_key", year_col: str, systems: Mapping[System, str]
    ) -> pl.DataFrame:
        """``frame`` plus, for each ``system -> column`` in ``systems``, the state's code in that year."""
        out = frame
        for system, column in systems.items():
            _check_system(system)
            table = (
                self._code_years(system)
                .sort("code")
                .group_by("state_key", "year", maintain_order=True)
                .last()
                .rename({"state_key": key_col, "year": year_col, "code": column})
            )
            out = out.join(
                table.with_columns(pl.col(year_col).cast(out.schema[year_col])), on=[key_col, year_col], how="left"
            )
        return out

    # ----------------------------------------------------------------- name matching
    def match_names(self, frame: pl.DataFrame, column: str, year_col: str | None = None) -> NameMatch:
        """Match free-text state names in ``frame[column]`` (see :func:`.names.match_names`)."""
        from detente.sources.crosswalk.names import match_names

        return match_names(self, frame, column, year_col)

    # ----------------------------------------------------------------- internals
    def _code_years(self, system: System) -> pl.DataFrame:
        """One row per (code, year) of ``system``: the code-year table the vectorised joins use."""
        cache_key = f"years:{system}"
        if cache_key not in self._years:
            spells = self.codes.filter(pl.col("system") == system)
            horizon = max(2100, max_int(spells.get_column("first_year")))
            self._years[cache_key] = (
                spells.select(
                    "state_key",
                    "code",
                    pl.int_ranges("first_year", pl.col("last_year").fill_null(horizon) + 1).alias("year"),
                )
                .explode("year")
                .unique(["code", "year"], keep="first")
                .select("code", "year", "state_key")
            )
        return self._years[cache_key]

    def _timeless(self, system: System) -> pl.DataFrame:
        """Codes of ``system`` that have denoted exactly one state in all their years."""
        cache_key = f"timeless:{system}"
        if cache_key not in self._years:
            pairs = self.codes.filter(pl.col("system") == system).select("code", "state_key").unique()
            single = pairs.group_by("code").agg(pl.col("state_key").n_unique().alias("n")).filter(pl.col("n") == 1)
            self._years[cache_key] = pairs.join(single.select("code"), on="code", how="semi")
        return self._years[cache_key]


def max_int(series: pl.Series) -> int:
    """The largest value of an integer series (0 when empty)."""
    value = series.max()
    return value if isinstance(value, int) else 0


def _check_system(system: str) -> None:
    if system not in SYSTEMS:
        raise CrosswalkError(f"unknown code system {system!r}; use one of {', '.join(SYSTEMS)}")
