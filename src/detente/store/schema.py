"""Create or upgrade a database to the current schema with Alembic, and read its schema version.

The migrations live inside the package (``detente/store/migrations``) so that an installed detente can
upgrade a database without a checkout. ``detente init`` calls :func:`upgrade`.

Every command checks the schema version when it opens the store, so that check must be cheap: it reads the
``alembic_version`` table with one query and compares it with :data:`SCHEMA_HEAD`, without importing Alembic
or parsing the migration scripts (on SQLite, without importing SQLAlchemy either: :meth:`Store.open
<detente.store.database.Store.open>`). A test holds :data:`SCHEMA_HEAD` equal to the newest migration.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

__all__ = ["SCHEMA_HEAD", "alembic_config", "current_revision", "downgrade", "head_revision", "managed_name", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"

SCHEMA_HEAD = "0014"
"""The newest migration this version of detente ships (write a migration, then move this)."""


DATASET_PREFIX = "ds_"
SEARCH_OBJECTS = ("reports_fts", "ix_reports_search")
"""Full-text search objects that SQLAlchemy cannot describe (an FTS5 table and its shadow tables, a GIN
index); migrations 0005 and 0009 create them by hand."""
SEARCH_COLUMNS = (("reports", "search_vector"),)
"""(table, column) of the columns PostgreSQL computes for full-text search (migration 0009), not in the models."""


def managed_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Is this database object one the models describe? (Alembic's ``include_name`` hook.)

    Left out: the loader's dataset tables (``ds_*``, created at load time, not by migrations) and the report
    search objects of :data:`SEARCH_OBJECTS` and :data:`SEARCH_COLUMNS`.
    """
    if name is None:
        return True
    if type_ == "column" and isinstance(parent_names, dict):
        return (parent_names.get("table_name"), name) not in SEARCH_COLUMNS
    if type_ == "table" and name.startswith(DATASET_PREFIX):
        return False
    return not name.startswith(SEARCH_OBJECTS)


def alembic_config() -> Config:
    """An Alembic configuration pointing at detente's migrations (no ini file needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest migration this version of detente ships."""
    return SCHEMA_HEAD


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or ``None`` for an empty database."""
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        found = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(found) > 1:
        raise RuntimeError(f"the database has several schema heads {found}; repair it with Alembic")
    return found[0] if found else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database up to ``revision`` (default: the newest), in one transaction."""
    _migrate(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back down to ``revision`` (columns and tables newer migrations added are dropped)."""
    _migrate(engine, "downgrade", revision)


def _migrate(engine: Engine, direction: Literal["upgrade", "downgrade"], revision: str) -> None:
    """Run Alembic ``direction`` to ``revision`` on one connection, in one transaction.

    On SQLite, Alembic changes a table's columns by copying it into a new table and dropping the old one.
    With foreign keys enforced, dropping a table that other rows still point at fails (or, with ON DELETE
    rules, would cascade), so enforcement is switched off for the migration -- the pragma only takes
    effect outside a transaction -- and every reference is checked with ``PRAGMA foreign_key_check``
    before the transaction commits: a migration that left a dangling reference is rolled back.
    """
    from alembic import command

    config = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # the driver sends no BEGIN for a pragma; this only ends SQLAlchemy's autobegin
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                getattr(command, direction)(config, revision)
                if sqlite:
                    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if dangling:
                        raise RuntimeError(
                            f"the {direction} to {revision} left {len(dangling)} rows pointing at missing rows "
                            f"(first: table {dangling[0][0]}, rowid {dangling[0][1]}, references {dangling[0][2]}); "
                            "nothing was changed"
                        )
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
