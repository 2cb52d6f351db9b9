"""Alembic environment: run migrations on the connection detente hands over (see detente.store.schema)."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.types import TypeDecorator

from detente.store import models  # noqa: F401  (registers every table on Base.metadata)
from detente.store.base import Base
from detente.store.schema import managed_name


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write detente's column types as the plain SQLAlchemy types they are stored as."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    include_name=managed_name,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
