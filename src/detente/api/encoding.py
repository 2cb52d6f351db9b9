"""JSON answers written straight from the services' output, the same bytes the response models would write.

A route declared with ``response_model=`` has FastAPI validate whatever the endpoint returns against that model
(rebuilding every record as a Pydantic object: text to dates, nested lists to models) and then serialise the
objects. The services already return plain JSON-able dicts (:func:`detente.services.entities.row_snapshot`:
dates as ISO text, decimals as text), checked when they were written, so the round trip only repeats work: a
tenth of a millisecond for a page of 50 records, more for a record with many parts.

:func:`encoder` builds, once per response model, a function from such a dict to the bytes the model would
produce: the model's fields in the model's order (keys the model does not declare are left out, a missing
optional field gets its default), nested models and lists of them encoded the same way, and :mod:`orjson` for
the writing. Values pass through as they are where the model would give them back unchanged (whole numbers,
text, ``YYYY-MM-DD`` dates, JSON objects and lists); where it would not, the field's value goes through Pydantic
itself (a time stamp becomes ``...Z``; a whole number in a decimal-number field becomes ``5.0``). Routes keep
their ``response_model`` for the OpenAPI document and return :func:`json_response`, which FastAPI sends as is.
``tests/api/test_encoding.py`` compares the bytes with Pydantic's on real records of every changed route.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any, Union, get_args, get_origin

import orjson
from fastapi import Response
from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo

__all__ = ["JSON_MEDIA_TYPE", "encoder", "json_response"]

JSON_MEDIA_TYPE = "application/json"

Convert = Callable[[Any], Any]
_UNCHANGED: frozenset[Any] = frozenset({int, str, bool, date, Any, dict, list})
"""Types whose JSON-able values Pydantic writes back unchanged (``dict``/``list`` of ``Any`` included)."""


def _optional_inner(annotation: Any) -> Any:
    """``X`` for ``X | None``; the annotation itself otherwise."""
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def _through_pydantic(annotation: Any) -> Convert:
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)

    def convert(value: Any) -> Any:
        return adapter.dump_python(adapter.validate_python(value), mode="json")

    return convert


def _float(value: Any) -> Any:
    return float(value) if type(value) is int else value


def _converter(annotation: Any) -> Convert | None:
    """How a value of ``annotation`` must change to match Pydantic's output; ``None``: it need not."""
    inner = _optional_inner(annotation)
    origin = get_origin(inner)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        nested = _fields_encoder(inner)
        return lambda value: None if value is None else nested(value)
    if origin is list:
        (item,) = get_args(inner) or (Any,)
        each = _converter(item)
        if each is None:
            return None
        return lambda value: None if value is None else [each(element) for element in value]
    if origin is dict:
        key, item = get_args(inner) or (str, Any)
        return None if key is str and item is Any else _through_pydantic(annotation)
    if inner in _UNCHANGED:
        return None
    if inner is float:
        return _float
    return _through_pydantic(annotation)


def _default(info: FieldInfo) -> Callable[[], Any]:
    if info.default_factory is not None:
        factory = info.default_factory
        return lambda: factory()  # type: ignore[call-arg]
    value = info.default
    return lambda: value


@cache
def _fields_encoder(model: type[BaseModel]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function from a service's dict to the JSON-able dict ``model`` would dump (fields in order)."""
    plan: list[tuple[str, Convert | None, Callable[[], Any] | None]] = []
    for name, info in model.model_fields.items():
        plan.append((name, _converter(info.annotation), None if info.is_required() else _default(info)))

    def encode(record: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, convert, default in plan:
            if name in record:
                value = record[name]
            elif default is not None:
                value = default()
            else:
                raise ValueError(f"{model.__name__}: the answer has no {name!r}")
            out[name] = value if convert is None or value is None else convert(value)
        return out

    return encode


@cache
def encoder(model: Any) -> Callable[[Any], bytes]:
    """A function from a service's output to the JSON bytes FastAPI would send for ``response_model=model``
    (a Pydantic model, or ``list[...]`` of one)."""
    convert = _converter(model)

    def encode(value: Any) -> bytes:
        return orjson.dumps(value if convert is None else convert(value))

    return encode


def json_response(model: Any, value: Any, status_code: int = 200) -> Response:
    """``value`` as the JSON answer of a route declared with ``response_model=model``."""
    return Response(encoder(model)(value), status_code=status_code, media_type=JSON_MEDIA_TYPE)
