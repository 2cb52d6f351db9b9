"""The Alembic migrations and the SQLAlchemy models describe the same schema, on both backends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from detente.store.base import Base
from detente.store.database import Store
from detente.store.engine import make_engine
from detente.store.schema import current_revision, head_revision, managed_name, upgrade


def test_models_and_migrations_agree(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": managed_name})
        differences: list[Any] = compare_metadata(context, Base.metadata)
    assert differences == [], f"write a migration for: {differences}"


def test_upgrade_is_idempotent_and_reports_head(database_url: str) -> None:
    engine = make_engine(database_url)
    assert current_revision(engine) is None
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    engine.dispose()


def test_schema_head_constant_is_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    from detente.store.schema import SCHEMA_HEAD, alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_HEAD
