"""Alembic environment: run migrations on the connection detente hands over (see detente.store.schema)."""

from __future__ import annotations

from alembic import context

from detente.store import models  # noqa: F401  (registers every table on Base.metadata)
from detente.store.base import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
