"""Sample records for any entity, generated from the model's own columns.

This is the generic test base (after NetBox's): instead of a hand-written fixture per entity, every column
gets a value of its type and every foreign key gets a parent record created first (through the services,
so parents are audited too). A new table is covered by the CRUD tests the moment it is added to the models.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, inspect

from detente.services.entities import ENTITIES, entity_name
from detente.services.records import Records
from detente.store.base import Base

TABLE_TO_ENTITY = {model.__tablename__: name for name, model in ENTITIES.items()}


def _value(python_type: type[Any], length: int | None, salt: int) -> Any:
    if python_type is bool:
        return salt % 2 == 0
    if python_type is int:
        return 3 + salt
    if python_type is float:
        return 1.25 + salt
    if python_type is Decimal:
        return Decimal("1234.50") + salt
    if python_type is date:
        return date(2001, 2, 3 + salt % 20)
    if python_type is datetime:
        return datetime(2001, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)
    if python_type is dict:
        return {"deployed_warheads": 1550 + salt, "note": "sample"}
    if python_type is list:
        return ["SN-001", f"SN-{salt:03d}"]
    text = f"sample {salt} é"
    return text[:length] if length else text


def sample_values(records: Records, name: str, salt: int = 0, parents: dict[str, int] | None = None) -> dict[str, Any]:
    """Values for a new ``name`` record; parents are created (or reused from ``parents``) as needed."""
    parents = {} if parents is None else parents
    model = ENTITIES[name]
    values: dict[str, Any] = {}
    for attr in inspect(model).column_attrs:
        column = attr.columns[0]
        if column.primary_key:
            continue
        if column.foreign_keys:
            target = TABLE_TO_ENTITY[next(iter(column.foreign_keys)).column.table.name]
            if target not in parents:
                parents[target] = records.create(
                    target, sample_values(records, target, salt, parents), actor="fixture"
                )["id"]
            values[attr.key] = parents[target]
            continue
        length = column.type.length if isinstance(column.type, String) else None
        values[attr.key] = _value(column.type.python_type, length, salt)
    if "valid_from" in values:
        values["valid_from"], values["valid_to"] = "1990-05", "2010"
        values.pop("valid_from_precision")
        values.pop("valid_to_precision")
    return values


def changed_field(model: type[Base]) -> tuple[str, Any]:
    """A plain text or number column of ``model`` and a new value for it, to exercise updates."""
    for attr in inspect(model).column_attrs:
        column = attr.columns[0]
        if column.primary_key or column.foreign_keys or column.unique:
            continue
        if isinstance(column.type, String) and column.type.python_type is str:
            return attr.key, "changed ü"[: column.type.length or 20]
    for attr in inspect(model).column_attrs:
        column = attr.columns[0]
        if not column.primary_key and not column.foreign_keys and column.type.python_type is int:
            return attr.key, 999
    raise AssertionError(f"{entity_name(model)} has no column a test can change")
