"""From a source's way of naming states to a panel's codes, year by year: the store's crosswalk for enrichers.

The reference enrichers read tables keyed by COW codes already. The others name states in their own way:
SIPRI and the exercise datasets write names ("Soviet Union", "Viet Nam"), UCDP Gleditsch-Ward codes, the UN
votes ISO2 codes, and the domain tables (agreements, engagements, contributions, arms transfers) the store's
own ``states.id``. A panel needs each of them as *its* code -- COW or G-W -- *in the row's year*, since
codes change over time: Germany is COW 255 until 1945, 260 from 1955 and 255 again from 1990; Yemen is
COW 678 until 1990 and 679 after; G-W 340 is Serbia before 1916 and after 2006 and 345 in between.

:class:`CodeBook` holds the crosswalk the store already keeps (``states`` and ``state_codes``, written by
the crosswalk mapper from countrycode, isard and peacesciencer): for every state, each code it held in
each system (``cow``, ``gw``, ``iso3``, ``iso2``, ``name``) and the years it held it. A translation is
always *source identity -> state -> panel code in that year*:

* :meth:`CodeBook.panel_code` -- a ``states.id`` column to the panel's code;
* :meth:`CodeBook.codes_to_states` -- another system's codes (G-W, ISO2 ...) to ``states.id``;
* :meth:`CodeBook.names_to_states` -- free-text names to ``states.id``, with the crosswalk's name matcher
  (its own names in five languages, ISO3 codes and the reviewed alias table; organisations, rebel groups
  and "unknown" are never matched to a state).

Where a state holds two codes of the panel's system in one year (Germany: COW 260 and 255 in 1990), the
code it took later wins, as in :meth:`detente.sources.crosswalk.Crosswalk.code_for`: a year's value goes to
the code in force at the end of the year. A state with no code of the panel's system in a year (Germany in
COW 1946-1954, when it was no member) gets a null code, so its values reach no panel row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import TYPE_CHECKING

import polars as pl

from detente.panels.cache import audit_key, audited_table, cache_enabled, derived_table

if TYPE_CHECKING:
    from detente.panels.panel import System
    from detente.sources.crosswalk import Crosswalk
    from detente.store.database import Store

__all__ = ["CodeBook", "code_book", "matching_version"]

ALIASES = ("crosswalk", "aliases.yml")
"""Where the reviewed alias table lives inside ``detente.sources`` (``crosswalk.names.ALIASES_FILE``). Read
as bytes for :func:`matching_version` without importing the crosswalk package (and its YAML parser)."""


def matching_version() -> str:
    """A short digest of the reviewed alias table, for the names of cached results of name matching."""
    text = resources.files("detente.sources").joinpath(*ALIASES).read_bytes()
    return hashlib.sha256(text).hexdigest()[:8]


_SCHEMA = {
    "state_id": pl.Int64,
    "state_key": pl.String,
    "system": pl.String,
    "code": pl.String,
    "first_year": pl.Int64,
    "last_year": pl.Int64,
}


@dataclass(frozen=True)
class CodeBook:
    """The store's crosswalk: one row per (state, system, code) spell with its first and last year.

    Columns of :attr:`codes`: ``state_id`` (``states.id``), ``state_key`` (the crosswalk's key: ISO3, or
    ``COW-265`` ...), ``system``, ``code`` (text), ``first_year``, ``last_year`` (null: still valid).
    """

    codes: pl.DataFrame

    @cached_property
    def digest(self) -> str:
        """A fingerprint of the whole crosswalk (every code spell of every state), for cache keys."""
        return hashlib.sha256(self.codes.write_csv().encode()).hexdigest()[:16]

    def cached(
        self,
        store: Store,
        name: str,
        inputs: Sequence[tuple[str, str]],
        build: Callable[[], pl.DataFrame],
        *,
        domain_rows: bool = False,
        order: Sequence[str] = (),
    ) -> pl.DataFrame:
        """``build()`` -- a table computed from the stored tables ``inputs`` through this code book -- kept
        in the columnar cache (:func:`detente.panels.cache.derived_table`).

        The key covers everything such a result depends on: the catalog entries of ``inputs``, this code
        book's :attr:`digest`, the alias table (:func:`matching_version`), and with ``domain_rows=True``
        (the computation read the store's domain tables: agreements, engagements ...) the audit log's head,
        which every write moves. ``name`` names the computation and its version; change it with the code.

        With ``order``, the rows are kept sorted by those columns (the table's key, e.g. ``code1, code2,
        year``): a panel's join then finds them sorted like its own keys and merges instead of sorting a
        large table again on every run.
        """
        if order:
            unsorted = build

            def build() -> pl.DataFrame:
                return unsorted().sort(order)

        parts = [f"codebook:{self.digest}", f"aliases:{matching_version()}"]
        if domain_rows:
            key = audit_key(store)
            if key is None:
                return build()
            parts.append(key)
        return derived_table(store, name, inputs, build, parts=parts)

    def _spells(self, system: str) -> pl.DataFrame:
        from detente.sources.crosswalk.model import OPEN_END  # translations run on a cache miss only

        return self.codes.filter(pl.col("system") == system).with_columns(pl.col("last_year").fill_null(OPEN_END))

    def panel_code(self, frame: pl.DataFrame, *, state: str, year: str, system: System, out: str) -> pl.DataFrame:
        """``frame`` with ``out``: the ``system`` code (integer) of the state in column ``state`` in its year.

        Every row is kept; a state with no code of ``system`` in that year gets a null.
        """
        pairs = frame.select(pl.col(state).cast(pl.Int64).alias("state_id"), pl.col(year).cast(pl.Int64).alias("_y"))
        pairs = pairs.unique().drop_nulls()
        found = (
            pairs.join(self._spells(system), on="state_id", how="inner")
            .filter(pl.col("_y").is_between(pl.col("first_year"), pl.col("last_year")))
            .sort("state_id", "_y", "first_year", descending=[False, False, True])
            .unique(["state_id", "_y"], keep="first")
            .select(
                pl.col("state_id").alias(state),
                pl.col("_y").alias(year),
                pl.col("code").cast(pl.Int64).alias(out),
            )
        )
        types = {state: frame.schema[state], year: frame.schema[year]}
        return frame.join(found.cast(types), on=[state, year], how="left", maintain_order="left")  # type: ignore[arg-type]

    def codes_to_states(
        self, frame: pl.DataFrame, *, column: str, code_system: str, year: str, out: str, timeless: bool = False
    ) -> pl.DataFrame:
        """``frame`` with ``out``: the ``states.id`` that ``column``'s code (of ``code_system``) denotes in its year.

        With ``timeless=True`` a code that denotes no state in the row's year still goes to the one state
        it has ever denoted, if only one (for sources that keep a code after the system changed it: UCDP
        writes 345 for Serbia after 2006, when Gleditsch-Ward went back to 340).
        """
        distinct = frame.select(pl.col(column).alias("_code"), pl.col(year).cast(pl.Int64).alias("_y")).unique()
        text = pl.col("_code").cast(pl.String).str.strip_chars()
        as_code = (
            text.cast(pl.Int64, strict=False).cast(pl.String)
            if code_system in ("cow", "gw")
            else text.str.to_uppercase()
        )
        distinct = distinct.drop_nulls().with_columns(as_code.alias("code"))
        found = (
            distinct.join(self._spells(code_system), on="code", how="inner")
            .filter(pl.col("_y").is_between(pl.col("first_year"), pl.col("last_year")))
            .unique(["_code", "_y"], keep="first")
            .select(pl.col("_code").alias(column), pl.col("_y").alias(year), pl.col("state_id").alias(out))
        )
        if timeless:
            spells = self._spells(code_system)
            single = spells.group_by("code").agg(pl.col("state_id").unique()).filter(pl.col("state_id").list.len() == 1)
            missing = distinct.join(
                found.select(pl.col(column).alias("_code"), pl.col(year).alias("_y")), on=["_code", "_y"], how="anti"
            )
            extra = missing.join(single.explode("state_id"), on="code", how="inner").select(
                pl.col("_code").alias(column), pl.col("_y").alias(year), pl.col("state_id").alias(out)
            )
            found = pl.concat([found, extra])
        types = {column: frame.schema[column], year: frame.schema[year]}
        return frame.join(found.cast(types), on=[column, year], how="left", maintain_order="left")  # type: ignore[arg-type]

    def names_to_states(
        self, frame: pl.DataFrame, *, column: str, year: str, out: str
    ) -> tuple[pl.DataFrame, dict[str, int]]:
        """``frame`` with ``out`` (``states.id`` or null) for the names in ``column``, matched in their year.

        Returns the frame and the names that are neither matched nor known non-states (name -> rows), so
        a caller can say which names it could not place.
        """
        names = frame.select(pl.col(column), pl.col(year).cast(pl.Int64)).unique().drop_nulls()
        matched, unmatched, _not_states = self._crosswalk().match_names(names, column, year_col=year)
        ids = self.codes.select("state_key", "state_id").unique()
        found = matched.join(ids, on="state_key", how="inner").select(column, year, pl.col("state_id").alias(out))
        types = {column: frame.schema[column], year: frame.schema[year]}
        joined = frame.join(found.cast(types), on=[column, year], how="left", maintain_order="left")  # type: ignore[arg-type]
        return joined, unmatched

    def _crosswalk(self) -> Crosswalk:
        """A :class:`Crosswalk` with only what the name matcher reads: the code spells and the aliases."""
        from detente.sources.crosswalk import Crosswalk, load_aliases  # the YAML alias table: only on a miss

        aliases, not_a_state = load_aliases()
        empty = pl.DataFrame()
        codes = self.codes.select("state_key", "system", "code", "first_year", "last_year")
        return Crosswalk(empty, codes, empty, empty, aliases, not_a_state)


def _read_codes(store: Store) -> pl.DataFrame:
    from sqlalchemy import select  # a cache miss only: a warm panel never imports SQLAlchemy

    from detente.panels.tables import state_codes, states

    state, spell = states.c, state_codes.c
    query = select(state.id, state.source_key, spell.system, spell.code, spell.valid_from, spell.valid_to).join_from(
        state_codes, states, state.id == spell.state_id
    )
    with store.engine.connect() as connection:
        rows = [
            (sid, key, system, code, start.year if start else None, end.year if end else None)
            for sid, key, system, code, start, end in connection.execute(query)
        ]
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row")


_LAST_BOOK: dict[str, tuple[str, CodeBook]] = {}
"""Per database (:attr:`Store.identity <detente.store.database.Store.identity>`): the audit key the last code
book was read at, and that code book (with its digest, once computed)."""


def code_book(store: Store) -> CodeBook:
    """The crosswalk stored in ``store`` (a few thousand rows), kept in the columnar cache until the
    store's next write (:func:`detente.panels.cache.audited_table`), so that the enrichers of one panel
    read it once from the database between them.

    Within one process the last code book of each database is also kept in memory with its audit key: the
    enrichers of one panel (and the next panel, until a write) share one object and compute its
    :attr:`CodeBook.digest` once.

    Raises:
        LookupError: the crosswalk is not in the store; the message says which sources to load.
    """
    key = audit_key(store) if cache_enabled() else None
    known = _LAST_BOOK.get(store.identity)
    if key is not None and known is not None and known[0] == key:
        return known[1]
    codes = audited_table(store, "codebook-v1", lambda: _read_codes(store))
    if codes.is_empty():
        raise LookupError(
            "the store has no country crosswalk: run `detente sources load countrycode`, `... isard` and "
            "`... peacesciencer` first"
        )
    book = CodeBook(codes)
    if key is not None:
        _LAST_BOOK[store.identity] = (key, book)
    return book
