"""Create or upgrade a database to the current schema with Alembic, and read its schema version.

The migrations live inside the package (``detente/store/migrations``) so that an installed detente can
upgrade a database without a checkout. ``detente init`` calls :func:`upgrade`.

Every command checks the schema version when it opens the store, so that check must be cheap: it reads the
``alembic_version`` table with one query and compares it with :data:`SCHEMA_HEAD`, without importing Alembic
or parsing the migration scripts. A test holds :data:`SCHEMA_HEAD` equal to the newest migration.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["SCHEMA_HEAD", "alembic_config", "current_revision", "head_revision", "managed_name", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"

SCHEMA_HEAD = "0006"
"""The newest migration this version of detente ships (write a migration, then move this)."""


DATASET_PREFIX = "ds_"
SEARCH_OBJECTS = ("reports_fts", "ix_reports_search")
"""Full-text search objects that SQLAlchemy cannot describe (an FTS5 table and its shadow tables, a GIN
expression index); migration 0005 creates them by hand."""


def managed_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Is this database object one the models describe? (Alembic's ``include_name`` hook.)

    Left out: the loader's dataset tables (``ds_*``, created at load time, not by migrations) and the report
    search objects of :data:`SEARCH_OBJECTS`.
    """
    if name is None:
        return True
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
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        found = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(found) > 1:
        raise RuntimeError(f"the database has several schema heads {found}; repair it with Alembic")
    return found[0] if found else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database up to ``revision`` (default: the newest), in one transaction per migration."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
