"""The registry of entity types the services can write, by name.

An entity's name is its class name in snake case (``State`` -> ``state``, ``AgreementParty`` ->
``agreement_party``); the audit log uses the same name as its ``object_type``. The audit tables themselves are
not entities: nothing outside :mod:`detente.store.audit_log` writes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import ColumnProperty, Mapper

from detente.domain.audit_chain import jsonable
from detente.domain.dates import DateRangeError, PartialDate
from detente.store import models
from detente.store.base import Base

__all__ = [
    "ENTITIES",
    "SECRET_FIELDS",
    "RecordError",
    "coerce",
    "entity",
    "entity_name",
    "row_snapshot",
]

SECRET_FIELDS = frozenset({"password_hash", "token_hash"})
"""Columns whose values never reach the audit log or an export."""

_NOT_ENTITIES = {"AuditEntry", "AuditHead", "DatasetTable", "MapperRun"}
"""Bookkeeping the store keeps for itself: the audit log and the loader's catalogs."""


class RecordError(ValueError):
    """A write that cannot be made as asked: names the entity, field and what to do."""

    def __init__(self, entity: str, field: str | None, problem: str) -> None:
        self.entity, self.field, self.problem = entity, field, problem
        where = f"{entity}.{field}" if field else entity
        super().__init__(f"{where}: {problem}")


@cache
def entity_name(model: type[Base]) -> str:
    """``AgreementParty`` -> ``agreement_party``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()


ENTITIES: dict[str, type[Base]] = {
    entity_name(cls): cls
    for cls in (getattr(models, name) for name in models.__all__)
    if cls.__name__ not in _NOT_ENTITIES
}


def entity(name: str | type[Base]) -> type[Base]:
    """The model class for an entity name (or the class itself); a clear error for unknown names."""
    if not isinstance(name, str):
        if name.__name__ in _NOT_ENTITIES:
            raise RecordError(name.__name__, None, "this table is written only by detente itself")
        return name
    try:
        return ENTITIES[name]
    except KeyError:
        raise RecordError(name, None, f"unknown entity; known entities are: {', '.join(sorted(ENTITIES))}") from None


def _mapper(model: type[Base]) -> Mapper[Any]:
    return inspect(model)


@cache
def _columns(model: type[Base]) -> dict[str, ColumnProperty[Any]]:
    return {attr.key: attr for attr in _mapper(model).column_attrs}


_PLAIN = frozenset({type(None), bool, int, str, float, dict, list})
"""Types of a row's values passed on as they are, without :func:`~detente.domain.audit_chain.jsonable`: the
plain scalars it gives back unchanged, and the objects and lists of JSON columns. A row holds a ``dict`` or a
``list`` only where the driver decoded a JSON column, so everything in it is already a JSON value (text keys;
text, numbers, booleans, nulls, lists and objects). Walking them again to copy them cost a third of an
alliance's read, whose every party and provision carries its source row (``original``)."""


def row_snapshot(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A database row as a JSON-able dict (secrets hidden), the one shape every face and the audit log use.

    ``row`` is a row as the database returned it (fresh objects for each read): its JSON objects and lists
    are handed on, not copied."""
    return {
        key: "<hidden>"
        if key in SECRET_FIELDS and value is not None
        else (value if type(value) in _PLAIN else jsonable(value))
        for key, value in row.items()
    }


def _coerce_value(name: str, field: str, python_type: type[Any], value: Any) -> Any:
    if value is None:
        return None
    try:
        if python_type is date and isinstance(value, str):
            parsed = PartialDate.parse(value)
            if parsed.precision.value != "day":
                raise DateRangeError(f"{value!r} is not a full date; write YYYY-MM-DD")
            return parsed.first_day()
        if python_type is datetime:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else value
            if isinstance(moment, datetime):
                if moment.tzinfo is None:
                    raise ValueError("it has no time zone; give times in UTC, e.g. 2024-05-01T12:00:00Z")
                return moment.astimezone(UTC)
        if python_type is Decimal and isinstance(value, str | int | float):
            return Decimal(str(value))
        if python_type is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
    except (ValueError, InvalidOperation) as error:
        raise RecordError(name, field, f"{value!r} is not a valid {python_type.__name__}: {error}") from None
    if python_type in (dict, list):
        if not isinstance(value, python_type):
            raise RecordError(name, field, f"expected a JSON {python_type.__name__}, got {type(value).__name__}")
        return value
    if python_type is int and isinstance(value, bool):
        raise RecordError(name, field, "expected a whole number, got true/false")
    if not isinstance(value, python_type):
        raise RecordError(name, field, f"expected {python_type.__name__}, got {type(value).__name__} {value!r}")
    return value


def coerce(model: type[Base], values: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Check ``values`` against the model's columns and convert ISO text to dates, decimals, ...

    Unknown fields, wrong types, text longer than its column and (unless ``partial``) missing required fields
    raise :class:`RecordError`.
    """
    name = entity_name(model)
    columns = _columns(model)
    out: dict[str, Any] = {}
    for field, value in values.items():
        if field not in columns or field == "id":
            raise RecordError(name, field, f"no such field; fields are: {', '.join(sorted(columns))}")
        column = columns[field].columns[0]
        if value is None and not column.nullable:
            raise RecordError(name, field, "is required and cannot be empty")
        out[field] = _coerce_value(name, field, column.type.python_type, value)
        length = getattr(column.type, "length", None)
        if isinstance(out[field], str) and length is not None and len(out[field]) > length:
            # SQLite would store it anyway and PostgreSQL refuse it: the same answer on both, naming the field.
            raise RecordError(name, field, f"is {len(out[field])} characters long; at most {length} fit")
    if not partial:
        for key, attr in columns.items():
            column = attr.columns[0]
            required = not column.nullable and column.default is None and column.server_default is None
            if required and not column.primary_key and key not in out:
                raise RecordError(name, key, "is required")
    return out
