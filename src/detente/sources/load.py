"""Loading a source: fetch, verify, parse, validate, store and map, in one transaction with one audit entry.

:func:`load_source` is what ``detente sources load`` runs. The steps:

1. if this version of the source is already loaded, stop: loading the same version twice changes nothing;
2. resolve every declared file (``--file``, mirror, cache, or download when allowed) and verify its SHA-256;
3. parse and validate the tables against ``source.yml`` (any problem raises before the database is touched);
4. in ONE transaction: record the source and the new version, store every parsed table
   (:mod:`~detente.sources.datasets`), drop the tables of the version it replaces, run the domain mappers
   whose inputs changed (:mod:`~detente.sources.mapping`), and append one ``load`` entry to the audit log;
5. once that has committed, when mappers ran, evaluate again the stored compliance findings of the treaties
   whose agreement or evidence the source wrote (:mod:`detente.compliance.reload`), at the dates the store
   holds findings for: they rested on the rows the load just replaced. Before that, on PostgreSQL, the
   tables the load wrote are analysed (:mod:`detente.store.planner_statistics`) so that the first queries
   after a load are planned on real row counts.

If anything fails or the process is killed, the transaction never commits and the database is exactly as
it was. Step 5 runs in transactions of its own: should it fail, the load stands, the findings stay as they
were (none half-stored) and the error reaches the caller; ``detente compliance evaluate`` puts them right.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from detente.sources.datasets import dataset_table_name, drop_dataset_tables, write_dataset
from detente.sources.fetch import resolve_source
from detente.sources.mapping import run_mappers
from detente.sources.registry import Source as SourceEntry
from detente.sources.registry import get_source, list_sources
from detente.sources.spec import SourceSpec
from detente.store.audit_log import append
from detente.store.database import Store
from detente.store.models import Source, SourceVersion
from detente.store.planner_statistics import analyse_tables, domain_tables

__all__ = ["LOAD_ORDER", "LoadReport", "load_all", "load_source", "ordered_source_names"]

LOAD_ORDER = ("countrycode", "isard", "peacesciencer")
"""Sources loaded first by ``--all``: together they make the country crosswalk the others map to."""

Progress = Callable[[str], None]


@dataclass
class LoadReport:
    """What a load did (or why it did nothing)."""

    source: str
    version: str
    status: str
    source_version_id: int | None = None
    tables: dict[str, int] = field(default_factory=dict)
    domain: dict[str, dict[str, int]] = field(default_factory=dict)
    unmatched: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)
    refreshed: list[dict[str, Any]] = field(default_factory=list)
    """Treaties whose stored findings were evaluated again after the load (what that stored)."""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "version": self.version,
            "status": self.status,
            "source_version_id": self.source_version_id,
            "tables": self.tables,
            "domain": self.domain,
            "unmatched": self.unmatched,
            "waiting": self.waiting,
            "refreshed": self.refreshed,
            "seconds": round(self.seconds, 3),
        }


def _loaded_version(connection: Connection, name: str, version: str) -> int | None:
    return connection.execute(
        select(SourceVersion.id)
        .join(Source, Source.id == SourceVersion.source_id)
        .where(Source.name == name, SourceVersion.version == version, SourceVersion.loaded_at.is_not(None))
    ).scalar()


def _record_source(connection: Connection, spec: SourceSpec) -> int:
    """Insert or refresh the ``sources`` row from ``source.yml``; return its id."""
    values = {
        "title": spec.title,
        "publisher": spec.publisher,
        "terms": f"{spec.licence.name}: {spec.licence.terms}",
        "citation": spec.citation.text,
        "redistribution": spec.redistribution.value,
    }
    found = connection.execute(select(Source.id).where(Source.name == spec.name)).scalar()
    if found is None:
        return int(
            connection.execute(insert(Source).values(name=spec.name, **values).returning(Source.id)).scalar_one()
        )
    connection.execute(update(Source).where(Source.id == found).values(**values))
    return int(found)


def load_source(
    store: Store,
    name: str,
    *,
    mirror: Path | str | None = None,
    supplied: Mapping[str, Path] | None = None,
    download: bool = False,
    actor: str = "detente",
    progress: Progress | None = None,
) -> LoadReport:
    """Load one source into ``store`` (see the module docstring). Raises on any problem, changing nothing."""
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    source: SourceEntry = get_source(name)
    spec = source.spec
    with store.engine.connect() as connection:
        existing = _loaded_version(connection, spec.name, spec.version)
    if existing is not None:
        return LoadReport(spec.name, spec.version, "unchanged", existing, seconds=time.perf_counter() - started)

    say(f"{spec.name}: verifying files")
    files = resolve_source(spec, mirror=mirror, supplied=supplied, download=download)
    say(f"{spec.name}: parsing")
    tables = source.parse(files)
    report = LoadReport(spec.name, spec.version, "loaded")
    with store.engine.begin() as connection:
        source_id = _record_source(connection, spec)
        now = datetime.now(UTC)
        previous = (
            connection.execute(
                select(SourceVersion.id).where(
                    SourceVersion.source_id == source_id, SourceVersion.loaded_at.is_not(None)
                )
            )
            .scalars()
            .all()
        )
        version_id = int(
            connection.execute(
                insert(SourceVersion)
                .values(
                    source_id=source_id,
                    version=spec.version,
                    retrieved_at=now,
                    files={
                        entry.path: {"sha256": entry.sha256, "bytes": entry.size, "origin": str(files[entry.path])}
                        for entry in spec.files
                    },
                )
                .returning(SourceVersion.id)
            ).scalar_one()
        )
        for old in previous:
            drop_dataset_tables(connection, old)
        for table_name, frame in tables.items():
            say(f"{spec.name}: storing {table_name} ({frame.height:,} rows)")
            report.tables[table_name] = write_dataset(connection, version_id, spec.name, table_name, frame)
        connection.execute(
            update(SourceVersion)
            .where(SourceVersion.id == version_id)
            .values(loaded_at=datetime.now(UTC), row_counts=report.tables)
        )
        say(f"{spec.name}: mapping into the domain model")
        results, report.waiting = run_mappers(connection, {spec.name: tables}, {spec.name: files})
        for result in results:
            report.domain[result.mapper] = result.rows
            if result.unmatched:
                report.unmatched[result.mapper] = result.unmatched
        report.source_version_id = version_id
        append(
            connection,
            actor=actor,
            action="load",
            object_type="source_version",
            object_id=str(version_id),
            before={"replaced_versions": list(previous)} if previous else None,
            after={
                "source": spec.name,
                "version": spec.version,
                "files": {entry.path: entry.sha256 for entry in spec.files},
                "tables": report.tables,
                "domain": report.domain,
                "unmatched": report.unmatched,
            },
        )
    # PostgreSQL plans from statistics that autovacuum may gather late or never: gather them now.
    analyse_tables(
        store.engine,
        [dataset_table_name(spec.name, table_name) for table_name in tables] + (domain_tables() if results else []),
    )
    if report.domain:  # domain rows were replaced: findings resting on the old ones are evaluated again
        from detente.compliance.reload import reevaluate_after_load

        say(f"{spec.name}: evaluating stored compliance findings again")
        report.refreshed = [r.as_dict() for r in reevaluate_after_load(store, spec.name, actor=actor)]
    report.seconds = time.perf_counter() - started
    return report


def load_all(
    store: Store,
    *,
    mirror: Path | str | None = None,
    download: bool = False,
    actor: str = "detente",
    progress: Progress | None = None,
) -> list[LoadReport]:
    """Load every source, the crosswalk's three first; each source is its own transaction."""
    return [
        load_source(store, name, mirror=mirror, download=download, actor=actor, progress=progress)
        for name in ordered_source_names()
    ]


def ordered_source_names() -> list[str]:
    """Every source in the order ``--all`` loads them: the crosswalk's three first, then by name."""
    names = [s.name for s in list_sources()]
    return [n for n in LOAD_ORDER if n in names] + [n for n in names if n not in LOAD_ORDER]
