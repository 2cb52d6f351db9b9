"""Pydantic schemas of the API, split by direction (Create / Update / Public), derived from the catalog.

Each writable resource gets three models, generated once at import from its table and its
:class:`~detente.services.catalog.Resource` declaration, so the API can never drift from the store:

* ``<Name>Create``: every column a caller may set (not ids, versions, markings, provenance or the fields the
  services set), with the column's type, length, nullability and documentation, the allowed values of coded
  fields (:data:`~detente.services.writing.CHOICES`) as enums, database-safe ranges for numbers, and text that
  may not contain NUL characters; unknown fields are refused. A marked resource also takes a ``marking``.
* ``<Name>Update``: the same fields, all optional (send only what changes), plus the required ``version`` the
  change was made against (every writable record has one: marked records and their children alike).
* ``<Name>Public``: what a read returns: every column (secrets excluded), the marking shown in words, and for
  a single record its children (an agreement's parties and provisions, an engagement's participants ...).

Intervals take partial dates: ``valid_from: "1949"`` means known to the year.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model
from sqlalchemy import String, inspect

from detente.services.catalog import RESOURCES, Resource, resource, service_fields
from detente.services.entities import SECRET_FIELDS
from detente.services.writing import CHOICES

__all__ = [
    "AuditEntryOut",
    "ErrorBody",
    "FieldProblem",
    "MarkingIn",
    "MarkingOut",
    "create_schema",
    "detail_schema",
    "page_schema",
    "public_schema",
    "update_schema",
]

INT32 = 2**31 - 1
TEXT_LIMIT = 100_000
NO_NUL = r"^[^\x00]*$"
PARTIAL_DATE = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"


class FieldProblem(BaseModel):
    """One thing wrong with a request, and where."""

    field: str | None = Field(description="the field at fault (dotted path), or null for the request as a whole")
    message: str


class ErrorBody(BaseModel):
    """Every 4xx answer: what kind of error, a sentence saying what to do, and the fields at fault."""

    error: str = Field(description="not_found, forbidden, unauthorized, conflict, invalid, too_large, rate_limited")
    message: str
    fields: list[FieldProblem] = Field(default_factory=list)


class MarkingIn(BaseModel):
    """The marking asked for: classification and the partners (ISO3, ORG:X, GROUP:X) to release to.

    Releasing beyond your own state takes effect only after a second editor approves it."""

    model_config = ConfigDict(extra="forbid")

    classification: Literal["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET", "TOP SECRET"] = "UNCLASSIFIED"
    releasable_to: list[Annotated[str, Field(pattern=r"^(?:[A-Z]{3}|(?:ORG|GROUP):[A-Z0-9][A-Z0-9_.-]{0,39})$")]] = (
        Field(default_factory=list, max_length=50)
    )
    caveat: Annotated[str, Field(max_length=100, pattern=NO_NUL)] | None = None


class MarkingOut(BaseModel):
    """A record's marking as the reader sees it."""

    classification: str
    releasable_to: list[str]
    caveat: str | None = None


class AuditEntryOut(BaseModel):
    """One entry of the hash-chained audit log."""

    seq: int
    at: str
    actor: str
    action: str
    object_type: str
    object_id: str
    before: Any = Field(description="the record before the change (null for a create or a read)")
    after: Any = Field(description="the record after the change")
    hash: str


def audit_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """An audit entry from :func:`detente.services.audit_trail.entries` with ``before``/``after`` parsed."""
    return {**entry, "before": json.loads(entry["before"]), "after": json.loads(entry["after"])}


def _class_name(res: Resource) -> str:
    return "".join(part.capitalize() for part in res.name.split("-"))


def _columns(res: Resource) -> list[Any]:
    return [attr for attr in inspect(res.model).column_attrs if attr.key not in SECRET_FIELDS]


def _input_type(res: Resource, key: str, column: Any) -> Any:
    """The Pydantic type of one writable column."""
    choices = CHOICES.get((res.name, key))
    if choices is not None:
        return Literal[choices]
    python_type = column.type.python_type
    if key in ("valid_from", "valid_to"):
        return Annotated[str, Field(pattern=PARTIAL_DATE, description="YYYY, YYYY-MM or YYYY-MM-DD")]
    if column.foreign_keys:
        return Annotated[int, Field(ge=1, le=INT32)]
    if python_type is bool:
        return bool
    if python_type is int:
        return Annotated[int, Field(ge=-INT32, le=INT32)]
    if python_type is float:
        limit = 90 if "latitude" in key else 180 if "longitude" in key else 1e15
        return Annotated[float, Field(ge=-limit, le=limit, allow_inf_nan=False)]
    if python_type is Decimal:
        return Annotated[Decimal, Field(max_digits=16, decimal_places=2, allow_inf_nan=False)]
    if python_type is date:
        return Annotated[date, Field(ge=date(1, 1, 1))]
    if python_type is datetime:
        return AwareDatetime
    if python_type is dict:
        return dict[str, Any]
    if python_type is list:
        return Annotated[list[Any], Field(max_length=10_000)]
    length = column.type.length if isinstance(column.type, String) and column.type.length else TEXT_LIMIT
    return Annotated[str, Field(max_length=length, pattern=NO_NUL)]


def _writable_columns(res: Resource) -> list[Any]:
    hidden = service_fields(res) | {"valid_from_precision", "valid_to_precision"}
    return [attr for attr in _columns(res) if attr.key not in hidden]


def _required(column: Any) -> bool:
    return not column.nullable and column.default is None and column.server_default is None


@cache
def create_schema(name: str) -> type[BaseModel]:
    """``<Name>Create``: the body of a POST."""
    res = resource(name)
    fields: dict[str, Any] = {}
    for attr in _writable_columns(res):
        column = attr.columns[0]
        kind = _input_type(res, attr.key, column)
        doc = column.doc or None
        if _required(column) and attr.key not in ("valid_from", "valid_to"):
            fields[attr.key] = (kind, Field(description=doc))
        else:
            fields[attr.key] = (kind | None, Field(default=None, description=doc))
    if res.marked:
        fields["marking"] = (
            MarkingIn | None,
            Field(default=None, description="default: UNCLASSIFIED, releasable to your own state"),
        )
    model: type[BaseModel] = create_model(
        f"{_class_name(res)}Create",
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"A new record: {res.title}.",
        **fields,
    )
    return model


@cache
def update_schema(name: str) -> type[BaseModel]:
    """``<Name>Update``: the body of a PATCH; only the fields sent are changed."""
    res = resource(name)
    fields: dict[str, Any] = {}
    parent_column = res.parent.column if res.parent else None
    for attr in _writable_columns(res):
        if attr.key == parent_column or attr.key in res.fixed:
            continue
        kind = _input_type(res, attr.key, attr.columns[0])
        fields[attr.key] = (kind | None, Field(default=None, description=attr.columns[0].doc or None))
    if res.versioned:
        fields["version"] = (
            Annotated[int, Field(ge=1, le=INT32)],
            Field(description="the version you read: the change is refused (409) if someone changed it since"),
        )
    if res.marked:
        fields["marking"] = (MarkingIn | None, Field(default=None, description="a new marking"))
    model: type[BaseModel] = create_model(
        f"{_class_name(res)}Update",
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"Changes to: {res.title}.",
        **fields,
    )
    return model


def _output_type(column: Any) -> Any:
    python_type = column.type.python_type
    kind: Any = {
        Decimal: str,
        dict: dict[str, Any],
        list: list[Any],
    }.get(python_type, python_type)
    return kind | None if column.nullable else kind


@cache
def public_schema(name: str) -> type[BaseModel]:
    """``<Name>Public``: one record as lists return it."""
    res = resource(name)
    fields: dict[str, Any] = {
        attr.key: (_output_type(attr.columns[0]), Field(description=attr.columns[0].doc or None))
        for attr in _columns(res)
    }
    if "original" in fields:
        fields["original"] = (
            dict[str, Any] | None,
            Field(default=None, description="the source's original values (in single-record reads only)"),
        )
    if res.marked:
        fields["marking"] = (MarkingOut | None, None)
        fields["release_pending"] = (
            bool | None,
            Field(default=None, description="after a write: a release to partners awaits a second editor"),
        )
    model: type[BaseModel] = create_model(f"{_class_name(res)}Public", __doc__=f"{res.title}.", **fields)
    return model


@cache
def detail_schema(name: str) -> type[BaseModel]:
    """``<Name>Detail``: one record with its children embedded."""
    res = resource(name)
    if not res.children:
        return public_schema(name)
    fields: dict[str, Any] = {
        child.replace("-", "_"): (list[detail_schema(child)], Field(default_factory=list))  # type: ignore[misc]
        for child in res.children
    }
    model: type[BaseModel] = create_model(
        f"{_class_name(res)}Detail", __base__=public_schema(name), __doc__=f"{res.title}, with its parts.", **fields
    )
    return model


@cache
def page_schema(name: str) -> type[BaseModel]:
    """``<Name>Page``: a page of a list, with the total the reader may see."""
    res = resource(name)
    model: type[BaseModel] = create_model(
        f"{_class_name(res)}Page",
        __doc__=f"A page of {res.name}.",
        items=(list[public_schema(name)], ...),  # type: ignore[arg-type,misc]
        total=(int, Field(description="how many records you may see match the filters")),
        limit=(int, ...),
        offset=(int, ...),
    )
    return model


def all_schemas() -> list[type[BaseModel]]:
    """Every generated schema (built eagerly so that a broken declaration fails at start-up)."""
    out = []
    for name, res in RESOURCES.items():
        out += [public_schema(name), detail_schema(name), page_schema(name)]
        if res.writable:
            out += [create_schema(name), update_schema(name)]
    return out
