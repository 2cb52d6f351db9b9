"""Domain mappers: from stored source tables to detente's domain model.

A *mapper* is a module ``detente.sources.<folder>.domain`` that turns the stored tables of one or more
sources into domain rows (agreements and their parties, missions and contributions, arms transfers ...).
It declares:

``INPUTS``
    the sources whose stored tables it reads; the first is its *primary* source, whose version every row it
    writes carries in ``source_version_id``;
``NEEDS_STATES``
    whether it needs the country crosswalk (the ``crosswalk`` mapper builds the states first);
``to_domain(ctx) -> dict[str, int]``
    the mapping itself: rows written per domain table.

Mappers run inside the load's single transaction, after the raw tables are stored, and only when one of
their inputs changed since their last run (recorded in ``mapper_runs``), like ``make``. A mapper replaces
what it wrote before: :meth:`MapContext.clear` removes the rows its primary source wrote in any version.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl
from sqlalchemy import Connection, Table, delete, insert, select, update

from detente.sources.crosswalk import Crosswalk, build_crosswalk
from detente.sources.datasets import read_dataset
from detente.store.base import Base
from detente.store.models import DatasetTable, MapperRun, Source, SourceVersion, State

__all__ = ["MapContext", "Mapper", "MappingError", "list_mappers", "rows_frame", "run_mappers"]

FIRST = ("crosswalk",)
"""Mappers that run before all others (the crosswalk makes the states every other mapper refers to)."""


_CROSSWALKS: dict[tuple[str, ...], Crosswalk] = {}
"""Built crosswalks by (database, versions of their three sources): building one takes seconds, and every
mapper of a load asks for it. Source versions never change content, so an entry is never stale."""


class MappingError(RuntimeError):
    """A mapper cannot run: says which source to load first or which value cannot be mapped."""


@dataclass(frozen=True)
class Mapper:
    """One discovered mapper."""

    name: str
    inputs: tuple[str, ...]
    needs_states: bool
    run: Callable[[MapContext], dict[str, int]]


def _load_mapper(name: str, module: ModuleType) -> Mapper:
    inputs = tuple(getattr(module, "INPUTS", ()))
    run = getattr(module, "to_domain", None)
    if not inputs or not callable(run):
        raise MappingError(f"{module.__name__} must define INPUTS (a non-empty tuple) and to_domain(ctx)")
    return Mapper(name, inputs, bool(getattr(module, "NEEDS_STATES", True)), run)


def list_mappers() -> list[Mapper]:
    """Every mapper, the crosswalk first, then by name."""
    import detente.sources as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"detente.sources.{info.name}.domain")
        except ModuleNotFoundError as error:
            if error.name == f"detente.sources.{info.name}.domain":
                continue
            raise
        found.append(_load_mapper(info.name, module))
    return sorted(found, key=lambda m: (m.name not in FIRST, m.name))


def _loaded_versions(connection: Connection) -> dict[str, int]:
    """source name -> id of its loaded version (the newest one loaded)."""
    rows = connection.execute(
        select(Source.name, SourceVersion.id)
        .join(SourceVersion, SourceVersion.source_id == Source.id)
        .where(SourceVersion.loaded_at.is_not(None))
        .order_by(SourceVersion.loaded_at)
    )
    return {str(name): int(version_id) for name, version_id in rows}


@dataclass
class MapContext:
    """What a mapper gets: the open connection, its inputs, and helpers to read and write in bulk."""

    connection: Connection
    mapper: str
    versions: Mapping[str, int]
    parsed: Mapping[str, Mapping[str, pl.DataFrame]] = field(default_factory=dict)
    unmatched: dict[str, dict[str, int]] = field(default_factory=dict)
    files: Mapping[str, Mapping[str, Path]] = field(default_factory=dict)
    """Verified raw files of the sources this load fetched (source -> declared path -> local copy)."""

    @property
    def source_version_id(self) -> int:
        """The version of the mapper's primary source: every row it writes carries it."""
        return self.versions[self.primary]

    @property
    def primary(self) -> str:
        return next(iter(self.versions))

    def table(self, source: str, name: str) -> pl.DataFrame:
        """A source table: from this load's parse when at hand, else read back from the database."""
        if source in self.parsed and name in self.parsed[source]:
            return self.parsed[source][name]
        return read_dataset(self.connection, source, name)

    def raw_paths(self, source: str) -> dict[str, Path]:
        """Declared path -> local copy of ``source``'s raw files, for pointing errors at a file and row.

        This load's verified files when it fetched them, else the verified copies in the cache, else the
        mirror; files found nowhere are left out.
        """
        from detente.sources.fetch import cache_path, mirror_dir
        from detente.sources.registry import get_source

        spec = get_source(source).spec
        mirror = mirror_dir()
        paths: dict[str, Path] = {}
        for entry in spec.files:
            candidates = [self.files.get(source, {}).get(entry.path), cache_path(spec, entry)]
            if mirror is not None:
                candidates.append(mirror / spec.name / entry.path)
            found = next((p for p in candidates if p is not None and p.is_file()), None)
            if found is not None:
                paths[entry.path] = found
        return paths

    def clear(self, *models: type[Base]) -> None:
        """Delete the rows of ``models`` that any version of the primary source wrote (children first)."""
        versions = select(SourceVersion.id).join(Source).where(Source.name == self.primary)
        for model in models:
            table = _table(model)
            self.connection.execute(delete(table).where(table.c.source_version_id.in_(versions)))

    def keep(self, model: type[Base], values: Mapping[str, Any], *, key: str = "source_key") -> int:
        """Write one row of ``model`` that records outside the source point to; return its id.

        A row any version of the primary source wrote with the same ``key`` is updated in place (it takes
        this mapper's ``source_version_id``) rather than deleted and inserted again, so what refers to it --
        a treaty's obligations, the evidence and findings users stored against it -- stays valid across a
        reload; a row not written yet is inserted.
        """
        table = _table(model)
        unknown = set(values) - set(table.c.keys())
        if unknown:
            raise MappingError(f"{self.mapper}: {table.name} has no columns {sorted(unknown)}")
        data = {**values, "source_version_id": self.source_version_id}
        versions = select(SourceVersion.id).join(Source).where(Source.name == self.primary)
        found = self.connection.execute(
            select(table.c.id).where(table.c[key] == values[key], table.c.source_version_id.in_(versions))
        ).scalar()
        if found is None:
            return int(self.connection.execute(insert(table).values(data).returning(table.c.id)).scalar_one())
        self.connection.execute(update(table).where(table.c.id == found).values(data))
        return int(found)

    def insert(self, model: type[Base], frame: pl.DataFrame, *, provenance: bool = True) -> int:
        """Insert every row of ``frame`` (columns named as the model's) into ``model``'s table.

        With ``provenance`` the rows get this mapper's ``source_version_id``. Returns the rows inserted.
        """
        if frame.is_empty():
            return 0
        if provenance:
            frame = frame.with_columns(pl.lit(self.source_version_id).alias("source_version_id"))
        table = _table(model)
        unknown = set(frame.columns) - set(table.c.keys())
        if unknown:
            raise MappingError(f"{self.mapper}: {table.name} has no columns {sorted(unknown)}")
        for chunk in frame.iter_slices(20_000):
            self.connection.execute(insert(table), chunk.to_dicts())
        return frame.height

    def ids(self, model: type[Base], key: str = "source_key", *, mine: bool = True) -> dict[Any, int]:
        """``key`` -> ``id`` for rows of ``model`` (by default only those this mapper's source wrote)."""
        table = _table(model)
        query = select(table.c[key], table.c.id)
        if mine:
            query = query.where(table.c.source_version_id == self.source_version_id)
        return {key_value: int(row_id) for key_value, row_id in self.connection.execute(query)}

    @cached_property
    def crosswalk(self) -> Crosswalk:
        """The country-code crosswalk, built from the stored countrycode, isard and peacesciencer tables.

        Map codes with ``ctx.crosswalk.map_codes(frame, system="cow", code_col="ccode", year_col="year")``
        and names with ``ctx.crosswalk.match_names(frame, "supplier", year_col="year")``; both add a
        ``state_key`` column, which :attr:`state_ids` turns into ``states.id``.
        """
        sources = ("countrycode", "isard", "peacesciencer")
        loaded = _loaded_versions(self.connection)
        key = (self.connection.engine.url.render_as_string(), *(str(loaded.get(s)) for s in sources))
        if key not in _CROSSWALKS:
            while len(_CROSSWALKS) >= 4:
                _CROSSWALKS.pop(next(iter(_CROSSWALKS)))
            _CROSSWALKS[key] = build_crosswalk({source: _StoredTables(self, source) for source in sources})
        return _CROSSWALKS[key]

    @cached_property
    def state_ids(self) -> dict[str, int]:
        """Crosswalk state key -> ``states.id``."""
        rows = self.connection.execute(select(State.source_key, State.id))
        return {str(key): int(row_id) for key, row_id in rows if key is not None}

    def report_unmatched(self, what: str, counts: Mapping[str, int]) -> None:
        """Record names or codes that could not be mapped (kept in the load report, never dropped)."""
        if counts:
            self.unmatched.setdefault(what, {}).update({str(k): int(v) for k, v in counts.items()})

    def update_rows(self, model: type[Base], key: str, values: Iterable[dict[str, Any]]) -> None:
        """Update rows of ``model`` found by ``key`` (each dict holds the key and the new values)."""
        table = _table(model)
        for row in values:
            changes = {k: v for k, v in row.items() if k != key}
            self.connection.execute(update(table).where(table.c[key] == row[key]).values(changes))


class _StoredTables(Mapping[str, pl.DataFrame]):
    """A source's tables, read from this load's parse or the database only when asked for."""

    def __init__(self, context: MapContext, source: str) -> None:
        self.context, self.source = context, source
        self.cache: dict[str, pl.DataFrame] = {}

    def __getitem__(self, name: str) -> pl.DataFrame:
        if name not in self.cache:
            try:
                self.cache[name] = self.context.table(self.source, name)
            except LookupError:
                raise KeyError(name) from None
        return self.cache[name]

    def __iter__(self) -> Iterator[str]:
        parsed = set(self.context.parsed.get(self.source, {}))
        stored = self.context.connection.execute(
            select(DatasetTable.name)
            .join(SourceVersion, SourceVersion.id == DatasetTable.source_version_id)
            .join(Source, Source.id == SourceVersion.source_id)
            .where(Source.name == self.source)
        ).scalars()
        return iter(sorted(parsed | set(stored)))

    def __len__(self) -> int:
        return len(list(iter(self)))


def rows_frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], json_columns: Sequence[str]) -> pl.DataFrame:
    """A frame of ``columns`` from row dicts, ready for :meth:`MapContext.insert`.

    ``json_columns`` hold Python objects (dicts of varying keys, such as ``original``) as ``pl.Object``, so
    each stays the dict it was instead of being forced into one struct type.
    """
    return pl.DataFrame(
        [
            pl.Series(name, [row[name] for row in rows], dtype=pl.Object if name in json_columns else None)
            for name in columns
        ]
    )


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


@dataclass(frozen=True)
class MapperResult:
    """What one mapper did during a load."""

    mapper: str
    rows: dict[str, int]
    unmatched: dict[str, dict[str, int]]


def run_mappers(
    connection: Connection,
    parsed: Mapping[str, Mapping[str, pl.DataFrame]] | None = None,
    files: Mapping[str, Mapping[str, Path]] | None = None,
) -> tuple[list[MapperResult], list[str]]:
    """Run, in order, every mapper whose inputs are all loaded and changed since its last run.

    ``parsed`` and ``files`` are the tables and verified raw files of the source being loaded (the
    files let an error point at the raw row). Returns what ran and, for mappers that could not run
    yet, why (which source to load).
    """
    results: list[MapperResult] = []
    waiting: list[str] = []
    loaded = _loaded_versions(connection)
    for mapper in list_mappers():
        missing = [name for name in mapper.inputs if name not in loaded]
        if missing:
            waiting.append(f"{mapper.name}: waits for {', '.join(missing)}")
            continue
        versions = {name: loaded[name] for name in mapper.inputs}
        previous = connection.execute(
            select(MapperRun.id, MapperRun.inputs).where(MapperRun.mapper == mapper.name)
        ).first()
        if previous is not None and previous.inputs == versions:
            continue
        if mapper.needs_states and connection.execute(select(State.id).limit(1)).first() is None:
            waiting.append(f"{mapper.name}: waits for the crosswalk (load countrycode, isard and peacesciencer)")
            continue
        context = MapContext(connection, mapper.name, versions, parsed or {}, files=files or {})
        rows = mapper.run(context)
        now = datetime.now(UTC)
        if previous is None:
            connection.execute(insert(MapperRun).values(mapper=mapper.name, inputs=versions, ran_at=now, rows=rows))
        else:
            connection.execute(
                update(MapperRun).where(MapperRun.id == previous.id).values(inputs=versions, ran_at=now, rows=rows)
            )
        results.append(MapperResult(mapper.name, rows, context.unmatched))
    return results, waiting
