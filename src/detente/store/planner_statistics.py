"""Planner statistics after bulk writes: ``ANALYZE`` the tables a load has just filled, on PostgreSQL.

PostgreSQL chooses a query plan from the statistics ``ANALYZE`` gathers (row counts, common values,
histograms). Autovacuum gathers them in the background, but only once a minute at most, and not at all where
a database runs with ``autovacuum = off`` (as some managed and test machines do). A table filled by a source
load and queried straight away is then planned blind: PostgreSQL guesses a handful of rows where there are
thousands. On this project's REST benchmark that made "list the exercises of a state" a 20 ms nested loop
over every exercise instead of a 0.8 ms index lookup, and the report search scan every row instead of using
its full-text index.

So a load ends, after its transaction has committed, by analysing what it wrote: the dataset tables of the
new source version and, when its mappers ran, the domain tables (see :func:`domain_tables`). ``ANALYZE``
reads a bounded sample of each table (300 x ``default_statistics_target`` rows), so it costs a fraction of a
second for the domain tables and a few seconds for the largest peacesciencer tables, once per load.

SQLite is left alone: its planner uses fixed heuristics unless ``ANALYZE`` has been run once, and running it
would change the plans of every analysis query the benchmarks were measured with.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, text

__all__ = ["analyse_tables", "domain_tables"]


def domain_tables() -> list[str]:
    """The names of every table of the domain model (the ORM's tables, not the raw dataset tables)."""
    import detente.store.models  # noqa: F401  (registers every model on the metadata)
    from detente.store.base import Base

    return [table.name for table in Base.metadata.sorted_tables]


def analyse_tables(engine: Engine, tables: Iterable[str]) -> list[str]:
    """Refresh PostgreSQL's planner statistics for ``tables``; return the names analysed (none on SQLite).

    Names that do not exist (a dataset table a later load dropped) are skipped rather than failing the load
    that has already committed. Runs outside any transaction of the caller's.
    """
    if engine.dialect.name != "postgresql":
        return []
    wanted = list(dict.fromkeys(tables))
    if not wanted:
        return []
    with engine.connect() as connection:
        present = set(
            connection.execute(
                text("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()")
            ).scalars()
        )
        names = [name for name in wanted if name in present]
        if names:
            quote = engine.dialect.identifier_preparer.quote
            connection.execute(text("ANALYZE " + ", ".join(quote(name) for name in names)))
            connection.commit()
    return names
