"""The relations table: every directed pair of states in every year, with every panel enricher, cached.

Dossiers, networks and the coalition builder all ask the same thing of many pairs: are they allied, how
much do they trade in arms, do they vote alike, have they fought. The answers come from the panel enrichers
(:mod:`detente.panels`), never re-derived here: :func:`build_relations` is
``create_dyad_years(store, "cow", directed=True, years=(1816, 2021))`` followed by ``add_atop_alliance``,
``add_nmc``, ``add_contiguity``, ``add_cow_mids(unknown="missing")``, ``add_capital_distance``,
``add_democracy``, ``add_igos``, ``add_arms_transfers``, ``add_defense_cooperation``,
``add_joint_exercises``, ``add_peacekeeping_codeployment`` and ``add_un_voting_agreement`` -- each with its
own honest coverage (missing outside a source's years, never 0).

Building it takes some seconds (two million directed dyad-years), so it is written once to a Parquet file
sorted by ``ccode1`` and ``year`` (small row groups), which a dossier then reads with a filter on
``ccode1`` in a few tens of milliseconds. The file's name carries a digest of the database (a SQLite file's
absolute path, else its URL), the schema version, the source versions loaded, the state-code book and the
reviewed alias table names are matched with (:func:`_digest`): a load or an edit of a state's codes makes a
new copy, while a user's own records, which never enter the table, leave it in place. The citations
of every dataset used are kept beside it (``.json``). An enricher whose source is not loaded is skipped,
and its columns are absent: :data:`ENRICHERS` says which source each needs.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Select, select

from detente.analysis.statements import prepared
from detente.panels.cache import cache_dir
from detente.panels.citations import Citation
from detente.panels.codebook import code_book, matching_version
from detente.panels.panel import Panel
from detente.panels.systems import create_dyad_years
from detente.store.database import Store
from detente.store.models import SourceVersion
from detente.store.schema import SCHEMA_HEAD

__all__ = ["ENRICHERS", "RELATION_YEARS", "Relations", "build_relations", "relations"]

RELATION_YEARS = (1816, 2021)
"""The years of the relations table: COW's first year to SIPRI TIV's last."""

VERSION = "relations-v1"

ENRICHERS: tuple[tuple[str, Callable[[Panel], Panel]], ...] = (
    ("atop", Panel.add_atop_alliance),
    ("nmc", Panel.add_nmc),
    ("contiguity", Panel.add_contiguity),
    ("mids", lambda p: p.add_cow_mids(unknown="missing")),
    ("capdist", Panel.add_capital_distance),
    ("democracy", Panel.add_democracy),
    ("igos", Panel.add_igos),
    ("arms", Panel.add_arms_transfers),
    ("dca", Panel.add_defense_cooperation),
    ("exercises", Panel.add_joint_exercises),
    ("pko", Panel.add_peacekeeping_codeployment),
    ("unvotes", Panel.add_un_voting_agreement),
)
"""The enrichers applied, in order; each is skipped (with its columns) when its source is not loaded."""


@dataclass(frozen=True)
class Relations:
    """The cached relations table: its Parquet file, the enrichers it holds and the citations of its data."""

    path: Path
    enrichers: tuple[str, ...]
    citations: tuple[Citation, ...]

    def scan(self) -> pl.LazyFrame:
        """The table, lazily (filter on ``ccode1`` first: the file is sorted by it)."""
        return pl.scan_parquet(self.path)

    def of_state(self, ccode: int, columns: Sequence[str] | None = None, *, until: int | None = None) -> pl.DataFrame:
        """Every row whose first state is COW ``ccode`` (so every pair it is in, once, seen from its side); only
        the years up to ``until`` when given, and only ``columns`` when given (both applied while the file is
        read, so the rows and columns left out are never decoded)."""
        wanted = pl.col("ccode1") == ccode
        frame = self.scan().filter(wanted if until is None else wanted & (pl.col("year") <= until))
        return (frame.select(columns) if columns else frame).collect()

    def columns(self) -> list[str]:
        """The table's column names (read from the file's schema once per process)."""
        key = str(self.path)
        if key not in _COLUMNS:
            _COLUMNS[key] = self.scan().collect_schema().names()
        return _COLUMNS[key]

    def of_year(self, year: int) -> pl.DataFrame:
        """Every directed pair of ``year`` (about 36,000 rows), memoised per process for the last few years
        asked: a ranking, a network and the coalition builder's features all read one year, and the file is
        sorted by state, not year, so reading a year means reading every row group."""
        key = (str(self.path), year)
        if key not in _YEARS:
            while len(_YEARS) >= YEARS_KEPT:
                _YEARS.pop(next(iter(_YEARS)))
            _YEARS[key] = self.scan().filter(pl.col("year") == year).collect()
        return _YEARS[key]

    def frame(self, columns: Sequence[str] | None = None) -> pl.DataFrame:
        """The whole table (or some of its columns), memoised per process."""
        key = (self.path, tuple(columns) if columns else None)
        if key not in _FRAMES:
            _FRAMES.clear()  # keep one copy at most: the table holds two million rows
            _FRAMES[key] = pl.read_parquet(self.path, columns=list(columns) if columns else None)
        return _FRAMES[key]


_FRAMES: dict[tuple[Path, tuple[str, ...] | None], pl.DataFrame] = {}
_YEARS: dict[tuple[str, int], pl.DataFrame] = {}
_COLUMNS: dict[str, list[str]] = {}
YEARS_KEPT = 8
"""How many one-year slices :meth:`Relations.of_year` keeps in memory (a few megabytes each)."""
_MEMO: dict[str, Relations] = {}


def _versions_statement() -> Select[int, int, str, datetime | None]:
    """Every loaded source version: id, source, version and load time, oldest first."""
    columns = (SourceVersion.id, SourceVersion.source_id, SourceVersion.version, SourceVersion.loaded_at)
    return select(*columns).order_by(SourceVersion.id)


def _digest(store: Store) -> str:
    """A fingerprint of what the table is built from: the database, the loaded source versions, the schema, the
    state-code book and the reviewed alias table.

    Every input of the table is a loaded source: stored source tables, and domain rows that a source's mapper
    wrote (:func:`detente.panels.stored.read_source_rows`). A load that changes anything records a new source
    version, so the table is rebuilt after a load; an edit of a state's code spells changes the code book the
    enrichers translate codes with. A user's own record, or an audited read, moves the audit log's head but
    cannot change the table, so the head is not part of the key.
    """
    with store.engine.connect() as connection:
        versions = connection.execute(prepared("relations:versions", _versions_statement)).all()
    loaded = ";".join(f"{i}:{s}:{v}:{t}" for i, s, v, t in versions) or "empty"
    parts = (
        store.identity,
        VERSION,
        SCHEMA_HEAD,
        loaded,
        f"codebook:{code_book(store).digest}",
        f"aliases:{matching_version()}",
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def build_relations(store: Store, years: tuple[int, int] = RELATION_YEARS) -> Panel:
    """The relations panel itself, built now (see the module docstring); enrichers of unloaded sources skipped."""
    panel = create_dyad_years(store, "cow", directed=True, years=years)
    for _name, enrich in ENRICHERS:
        try:
            panel = enrich(panel)
        except LookupError:
            continue  # source not loaded: its columns stay absent, and the answer says "unknown"
    return panel


def relations(store: Store) -> Relations:
    """The relations table of ``store``, from the cache when the store has not changed since it was written."""
    digest = _digest(store)
    if digest in _MEMO and _MEMO[digest].path.is_file():
        return _MEMO[digest]
    path = cache_dir() / f"{VERSION}-{digest}.parquet"
    meta = path.with_suffix(".json")
    if not (path.is_file() and meta.is_file()):
        panel = build_relations(store)
        enrichers = tuple(name for name, _ in ENRICHERS if _has_columns(panel, name))
        _write(path, panel.frame.sort("ccode1", "year", "ccode2"))
        _write_text(meta, json.dumps({"enrichers": enrichers, "citations": [vars(c) for c in panel.citations]}))
    saved = json.loads(meta.read_text())
    found = Relations(path, tuple(saved["enrichers"]), tuple(Citation(**c) for c in saved["citations"]))
    _MEMO[digest] = found
    return found


_MARKER = {
    "atop": "atop_defense",
    "nmc": "cinc1",
    "contiguity": "conttype",
    "mids": "cowmidonset",
    "capdist": "capdist",
    "democracy": "v2x_polyarchy1",
    "igos": "dyadigos",
    "arms": "tiv12",
    "dca": "dca_any",
    "exercises": "exercises",
    "pko": "pko_codeployed",
    "unvotes": "unvote_agree",
}


def _has_columns(panel: Panel, name: str) -> bool:
    return _MARKER[name] in panel.frame.columns


def _write(path: Path, frame: pl.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    frame.write_parquet(temporary, compression="lz4", statistics=True, row_group_size=16_384)
    Path(temporary).replace(path)


def _write_text(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    Path(temporary).write_text(text)
    Path(temporary).replace(path)
