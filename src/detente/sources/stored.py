"""What is stored of each source: loaded versions, and a re-check of the stored tables against ``source.yml``.

``detente sources versions`` and ``detente sources check`` read from here. The check runs in SQL (row counts,
year ranges, columns from the catalog), so it is fast even for tables of millions of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, MetaData, Table, func, select

from detente.sources.registry import get_source
from detente.store.models import DatasetTable, Source, SourceVersion

__all__ = ["CheckResult", "check_source", "loaded_versions"]


def _year(value: Any) -> int | None:
    """A year from what the database returns for a year or date column (SQLite keeps dates as text)."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.year
    if isinstance(value, str):
        return int(value[:4])
    return int(value)


def loaded_versions(engine: Engine) -> list[dict[str, Any]]:
    """Every source version recorded, newest load first, with its files and row counts."""
    query = (
        select(
            Source.name,
            SourceVersion.id,
            SourceVersion.version,
            SourceVersion.retrieved_at,
            SourceVersion.loaded_at,
            SourceVersion.files,
            SourceVersion.row_counts,
        )
        .join(SourceVersion, SourceVersion.source_id == Source.id)
        .order_by(Source.name, SourceVersion.id.desc())
    )
    with engine.connect() as connection:
        current = set(connection.execute(select(DatasetTable.source_version_id).distinct()).scalars())
        return [
            {
                "source": name,
                "source_version_id": version_id,
                "version": version,
                "retrieved_at": retrieved.isoformat(),
                "loaded_at": loaded.isoformat() if loaded else None,
                "current": version_id in current,
                "files": files,
                "row_counts": rows,
            }
            for name, version_id, version, retrieved, loaded, files, rows in connection.execute(query)
        ]


@dataclass
class CheckResult:
    """The outcome of checking one source's stored tables."""

    source: str
    version: str | None
    problems: list[str] = field(default_factory=list)
    checked_tables: int = 0

    @property
    def ok(self) -> bool:
        return self.version is not None and not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "version": self.version,
            "ok": self.ok,
            "checked_tables": self.checked_tables,
            "problems": self.problems,
        }


def check_source(engine: Engine, name: str) -> CheckResult:
    """Compare the stored tables of ``name`` with every expectation its ``source.yml`` declares."""
    spec = get_source(name).spec
    with engine.connect() as connection:
        catalog = {
            table: (db_table, [c for c, _ in columns], version)
            for table, db_table, columns, version in connection.execute(
                select(DatasetTable.name, DatasetTable.db_table, DatasetTable.columns, SourceVersion.version)
                .join(SourceVersion, SourceVersion.id == DatasetTable.source_version_id)
                .join(Source, Source.id == SourceVersion.source_id)
                .where(Source.name == name)
            )
        }
        if not catalog:
            return CheckResult(name, None, [f"{name} is not loaded: run `detente sources load {name}`"])
        result = CheckResult(name, next(iter(catalog.values()))[2])
        if result.version != spec.version:
            result.problems.append(f"stored version {result.version} differs from the declared {spec.version}")
        for expected in spec.expectations():
            if expected.table not in catalog:
                result.problems.append(f"table {expected.table} is declared but not stored")
                continue
            db_table, columns, _ = catalog[expected.table]
            table = Table(db_table, MetaData(), autoload_with=connection)
            result.checked_tables += 1
            missing = [c for c in expected.columns if c not in columns]
            if missing:
                result.problems.append(f"{expected.table}: columns {missing} are missing")
            rows = connection.execute(select(func.count()).select_from(table)).scalar_one()
            if expected.rows is not None and rows != expected.rows:
                result.problems.append(f"{expected.table}: {rows} rows stored, {expected.rows} declared")
            if expected.year_column and expected.years:
                column = table.c[expected.year_column]
                low, high = (_year(v) for v in connection.execute(select(func.min(column), func.max(column))).one())
                if (low, high) != tuple(expected.years):
                    result.problems.append(
                        f"{expected.table}: years {low}-{high} stored, {expected.years[0]}-{expected.years[1]} declared"
                    )
    return result
