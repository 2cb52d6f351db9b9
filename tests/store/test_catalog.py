"""The light Core tables of fast read paths say exactly what the ORM models say."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import TypeDecorator, TypeEngine

from detente.panels import tables as panel_tables
from detente.store.base import Base
from detente.store.models import SourceVersion  # noqa: F401  (registers every model's table)

LIGHT: list[TableClause] = [getattr(panel_tables, name) for name in panel_tables.__all__]


def test_every_light_table_is_checked() -> None:
    names = {table.name for table in LIGHT}
    assert {"sources", "source_versions", "agreements", "state_codes"} <= names


def _stored_type(type_: TypeEngine[Any]) -> type:
    """The SQL type a column is stored as: a decorator's underlying type (UTCDateTime -> DateTime)."""
    return type(type_.impl) if isinstance(type_, TypeDecorator) else type(type_)


@pytest.mark.parametrize("light", LIGHT, ids=lambda table: table.name)
def test_light_table_matches_the_model(light: TableClause) -> None:
    model = Base.metadata.tables[light.name]
    for column in light.columns:
        assert column.name in model.c, f"{light.name}.{column.name} is not a column of the model"
        expected = _stored_type(model.c[column.name].type)
        assert _stored_type(column.type) is expected, f"{light.name}.{column.name}: {column.type} vs {expected}"
