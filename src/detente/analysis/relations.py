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
``ccode1`` in a few tens of milliseconds. The file's name carries a digest of the database URL and of the
loaded source versions (id, version, load time): the table reads only rows that sources wrote (see
:mod:`detente.panels.stored`), so only a load can change it, and a load always writes its source version. A
user's sign-in or edit (which moves the audit log's head) leaves the copy valid, so the first dossier after
a login does not pay for a rebuild. The citations
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
from pathlib import Path

import polars as pl
from sqlalchemy import select

from detente.panels.cache import cache_dir
from detente.panels.citations import Citation
from detente.panels.panel import Panel
from detente.panels.systems import create_dyad_years
from detente.store.database import Store
from detente.store.models import SourceVersion

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

    def of_state(self, ccode: int, columns: Sequence[str] | None = None) -> pl.DataFrame:
        """Every row whose first state is COW ``ccode`` (so every pair it is in, once, seen from its side)."""
        frame = self.scan().filter(pl.col("ccode1") == ccode)
        return (frame.select(columns) if columns else frame).collect()

    def frame(self, columns: Sequence[str] | None = None) -> pl.DataFrame:
        """The whole table (or some of its columns), memoised per process."""
        key = (self.path, tuple(columns) if columns else None)
        if key not in _FRAMES:
            _FRAMES.clear()  # keep one copy at most: the table holds two million rows
            _FRAMES[key] = pl.read_parquet(self.path, columns=list(columns) if columns else None)
        return _FRAMES[key]


_FRAMES: dict[tuple[Path, tuple[str, ...] | None], pl.DataFrame] = {}
_MEMO: dict[str, Relations] = {}


def _digest(store: Store) -> str:
    with store.engine.connect() as connection:
        versions = connection.execute(
            select(SourceVersion.id, SourceVersion.version, SourceVersion.loaded_at).order_by(SourceVersion.id)
        ).all()
    url = store.engine.url.render_as_string(hide_password=True)
    state = ";".join(f"{row[0]}:{row[1]}:{row[2].isoformat() if row[2] else ''}" for row in versions) or "empty"
    return hashlib.sha256(f"{url}|{VERSION}|{state}".encode()).hexdigest()[:16]


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
