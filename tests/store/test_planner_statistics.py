"""A source load leaves PostgreSQL with planner statistics for what it wrote (see
:mod:`detente.store.planner_statistics`): without them the first queries after a load are planned blind."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from detente.sources.datasets import dataset_table_name
from detente.sources.load import LOAD_ORDER, load_source
from detente.store.database import Store
from detente.store.planner_statistics import analyse_tables, domain_tables
from tests.conftest import MIRROR, loaded_store


def _analysed(store: Store) -> dict[str, bool]:
    """Each table of the store's schema: whether an explicit ANALYZE has run on it (autovacuum's own
    analyses are counted apart, in ``last_autoanalyze``, so they cannot make this pass)."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT relname, last_analyze IS NOT NULL FROM pg_catalog.pg_stat_user_tables"
                " WHERE schemaname = current_schema()"
            )
        ).all()
    return {str(name): bool(done) for name, done in rows}


def test_a_load_analyses_its_dataset_and_domain_tables(backend: str, tmp_path: Path) -> None:
    with loaded_store(backend, tmp_path, LOAD_ORDER) as store:
        report = load_source(store, "new_start", mirror=MIRROR)
        assert report.status == "loaded" and report.domain, "new_start maps its treaty: its mappers must run"
        if backend == "sqlite":
            with store.engine.connect() as connection:
                stats = connection.execute(text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")).all()
            assert stats == [], "SQLite is left to its own heuristics"
            return
        analysed = _analysed(store)
        for table in report.tables:
            assert analysed[dataset_table_name("new_start", table)], table
        assert analysed["agreements"] and analysed["states"]
        with store.engine.connect() as connection:
            planned = connection.execute(
                text("SELECT reltuples FROM pg_catalog.pg_class WHERE oid = to_regclass('states')")
            ).scalar_one()
        assert planned >= 190, "the planner now knows how many states there are"


def test_analyse_tables_skips_missing_names_and_does_nothing_on_sqlite(store: Store, backend: str) -> None:
    done = analyse_tables(store.engine, ["states", "no_such_table", "states"])
    assert done == ([] if backend == "sqlite" else ["states"])


def test_domain_tables_are_the_models_tables() -> None:
    names = domain_tables()
    assert {"states", "engagements", "reports", "audit_entries"} <= set(names)
    assert not any(name.startswith("ds_") for name in names)
