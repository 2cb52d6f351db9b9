"""The read services' SQL, built once per *shape* and run straight on the database driver.

A list request's SQL depends on few choices: the resource, which filters are given (and how many values each
makes), the sort, whether it searches, and how many markings the reader may see. Everything else (the filter
values, the marking ids, the page) is a bound parameter. So each shape is built and compiled once per
database engine, as a :class:`~detente.store.driver_statements.DriverStatement`, and every request only
binds its values and reads the rows: building SQLAlchemy clauses, working out cache keys and running the
statement through SQLAlchemy's execution layer cost more than the database's own work for a page of 50.

The parameters are named ``f_<filter>_<n>`` (the n-th value a filter's :attr:`~detente.services.catalog.Filter.values`
makes), ``marking_<n>`` (the reader's visible marking ids, in order), ``search_words``, ``limit_``,
``offset_``, ``record_id`` and ``parent_id``. The clauses are the catalog's own (each filter's
:attr:`~detente.services.catalog.Filter.template`, :func:`~detente.services.search.search_template`), and the
access rule is :func:`detente.services.access.visible`'s, written over parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Column, ColumnElement, Integer, and_, bindparam, false, func, or_, select, true
from sqlalchemy.engine import Dialect

from detente.domain.dates import DateRangeError
from detente.services.access import Scope
from detente.services.catalog import (
    Filter,
    Resource,
    cited_access,
    linked_access,
    noted_access,
    resource,
    seen_with,
)
from detente.services.entities import RecordError
from detente.services.records import table_of
from detente.services.search import search_template, search_values
from detente.store.driver_statements import DriverStatement

__all__ = ["LIST_OMITS", "Where", "children", "count", "export", "one", "page", "sort_key", "where"]

LIST_OMITS = frozenset({"original"})
"""Columns lists leave out (a source row's original values, large and read one record at a time)."""

_COUNT = Column("count", Integer())
"""The one output of a count."""


@cache
def filters_of(name: str) -> dict[str, Filter]:
    """The filters of resource ``name`` (:meth:`~detente.services.catalog.Resource.all_filters`), made once."""
    return resource(name).all_filters()


@dataclass(frozen=True)
class Where:
    """One request's WHERE: its shape (what the statement depends on) and the values of its parameters."""

    shape: tuple[tuple[str, int], ...]
    """The filters given, by name, each with how many values it binds (sorted by name)."""
    searched: int
    """How many values the search binds (0: no search)."""
    markings: int
    """How many marking ids the reader may see."""
    values: dict[str, Any]


def _guarded(res: Resource) -> bool:
    """Does the access clause of ``res`` depend on the reader's markings (its own, a parent's, or for citations
    those of the records cited)?"""
    return res.marked or res.parent is not None or res.name == "citations" or bool(res.seen_with)


def _markings(res: Resource, scope: Scope) -> int:
    """How many marking ids the access clause of ``res`` binds (none for a resource nobody marks)."""
    return len(scope.marking_ids) if _guarded(res) else 0


def _marking_values(scope: Scope) -> dict[str, int]:
    return {f"marking_{number}": marking_id for number, marking_id in enumerate(sorted(scope.marking_ids))}


def where(res: Resource, scope: Scope, filters: Mapping[str, Any], search: str | None, dialect: Dialect) -> Where:
    """Check the caller's filters and search and work out the values to bind; :class:`RecordError` naming
    the filter for an unknown filter or a value that cannot be used."""
    known = filters_of(res.name)
    shape: list[tuple[str, int]] = []
    values: dict[str, Any] = _marking_values(scope) if _guarded(res) else {}
    for name, value in filters.items():
        if value is None:
            continue
        spec = known.get(name)
        if spec is None:
            raise RecordError(res.name, name, f"no such filter; filters are: {', '.join(sorted(known))}")
        if spec.type is date and isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise RecordError(res.name, name, f"{value!r} is not a date; write YYYY-MM-DD") from None
        try:
            made = spec.values(value)
        except (DateRangeError, ValueError) as error:
            raise RecordError(res.name, name, str(error)) from None
        shape.append((name, len(made)))
        for number, item in enumerate(made):
            values[f"f_{name}_{number}"] = item
    searched = 0
    if search is not None:
        found = search_values(res, search, dialect.name)
        values.update(found)
        searched = len(found)
    return Where(tuple(sorted(shape)), searched, _markings(res, scope), values)


def sort_key(res: Resource, sort: str | None) -> str:
    """The sort asked for (or the resource's default); :class:`RecordError` for a field it cannot sort by."""
    key = sort or res.default_sort
    field = key.removeprefix("-")
    if field not in res.sorts:
        raise RecordError(res.name, "sort", f"cannot sort by {field!r}; sort by one of {', '.join(res.sorts)}")
    return key


def _order(res: Resource, key: str) -> list[Any]:
    table = table_of(res.model)
    field = key.removeprefix("-")
    column = table.c[field]
    primary = column.desc() if key.startswith("-") else column.asc()
    return [primary, table.c.id.asc()] if field != "id" else [primary]


def _marked_access(res: Resource, markings: int) -> ColumnElement[bool]:
    """A marked resource's own rule: :func:`detente.services.access.visible` over the marking parameters."""
    column = table_of(res.model).c.marking_id
    if not markings:
        return or_(column.is_(None), false())
    ids = [bindparam(f"marking_{number}", type_=Integer()) for number in range(markings)]
    return or_(column.is_(None), column.in_(ids))


def _access(res: Resource, markings: int) -> ColumnElement[bool]:
    """:func:`detente.reading.access_clause` over the parameters ``marking_0`` .. ``marking_<markings - 1>``."""
    return seen_with(res, _own_access(res, markings), lambda named: _access(named, markings))


def _own_access(res: Resource, markings: int) -> ColumnElement[bool]:
    if res.name == "journal":
        # a note is seen when its own marking and the record it is about both let the reader see it (a note
        # on a note: by the whole chain, see `noted_access`)
        return and_(
            _marked_access(res, markings),
            noted_access(lambda noted: _marked_access(noted, markings) if noted is res else _access(noted, markings)),
        )
    if res.marked:
        return _marked_access(res, markings)
    if res.name == "citations":
        return cited_access(lambda cited: _access(cited, markings))
    if res.parent is not None:
        parent = resource(res.parent.resource)
        inner = _access(parent, markings)
        column = table_of(res.model).c[res.parent.column]
        under = column.in_(select(table_of(parent.model).c.id).where(inner))
        if res.name == "report-links":
            # the report must be visible, and so must the record the link names
            return and_(under, linked_access(lambda linked: _access(linked, markings)))
        return under
    return true()


def _where(res: Resource, shape: tuple[tuple[str, int], ...], searched: int, markings: int, dialect: str) -> Any:
    known = filters_of(res.name)
    clauses = [_access(res, markings)]
    for name, arity in shape:
        spec = known[name]
        binds: list[Any] = [bindparam(f"f_{name}_{number}") for number in range(arity)]
        if spec.guarded is not None:
            clauses.append(spec.guarded(lambda seen: _access(seen, markings), *binds))
        else:
            clauses.append(spec.template(*binds))
    if searched:
        clauses.append(search_template(dialect, searched))
    return and_(*clauses)


def _listed(res: Resource) -> list[Column[Any]]:
    return [column for column in table_of(res.model).c if column.name not in LIST_OMITS]


@lru_cache(maxsize=4096)
def _page(name: str, shape: Any, searched: int, markings: int, key: str, dialect: Dialect) -> DriverStatement:
    res = resource(name)
    columns = _listed(res)
    statement = (
        select(*columns)
        .where(_where(res, shape, searched, markings, dialect.name))
        .order_by(*_order(res, key))
        .limit(bindparam("limit_", type_=Integer()))
        .offset(bindparam("offset_", type_=Integer()))
    )
    return DriverStatement.compile(statement, dialect, columns, plan_each_time=True)


@lru_cache(maxsize=4096)
def _count(name: str, shape: Any, searched: int, markings: int, dialect: Dialect) -> DriverStatement:
    res = resource(name)
    where_clause = _where(res, shape, searched, markings, dialect.name)
    statement = select(func.count()).select_from(table_of(res.model)).where(where_clause)
    return DriverStatement.compile(statement, dialect, [_COUNT], plan_each_time=True)


@lru_cache(maxsize=1024)
def _export(name: str, shape: Any, searched: int, markings: int, dialect: Dialect) -> DriverStatement:
    res = resource(name)
    table = table_of(res.model)
    where_clause = _where(res, shape, searched, markings, dialect.name)
    order = _order(res, res.default_sort)
    statement = (
        select(table)
        .where(where_clause)
        .order_by(*order)
        .limit(bindparam("limit_", type_=Integer()))
        .offset(bindparam("offset_", type_=Integer()))
    )
    return DriverStatement.compile(statement, dialect, list(table.c), plan_each_time=True)


@lru_cache(maxsize=1024)
def _one(name: str, markings: int, dialect: Dialect) -> DriverStatement:
    res = resource(name)
    table = table_of(res.model)
    statement = select(table).where(table.c.id == bindparam("record_id", type_=Integer()), _access(res, markings))
    return DriverStatement.compile(statement, dialect, list(table.c))


def _names_records(res: Resource) -> bool:
    """Do the child records of ``res`` name other records the reader may not see (report links)?"""
    return res.name == "report-links"


@lru_cache(maxsize=1024)
def _children(name: str, markings: int, dialect: Dialect) -> DriverStatement:
    res = resource(name)
    assert res.parent is not None, f"{name} is not a child resource"
    table = table_of(res.model)
    columns = _listed(res)
    under = table.c[res.parent.column] == bindparam("parent_id", type_=Integer())
    if _names_records(res):
        under = and_(under, linked_access(lambda linked: _access(linked, markings)))
    statement = select(*columns).where(under).order_by(*_order(res, res.default_sort))
    return DriverStatement.compile(statement, dialect, columns)


def page(res: Resource, found: Where, key: str, dialect: Dialect) -> DriverStatement:
    """A page of ``res`` matching ``found``, sorted by ``key`` (binds ``limit_`` and ``offset_`` too)."""
    return _page(res.name, found.shape, found.searched, found.markings, key, dialect)


def count(res: Resource, found: Where, dialect: Dialect) -> DriverStatement:
    """How many records of ``res`` match ``found`` (one row, ``count``)."""
    return _count(res.name, found.shape, found.searched, found.markings, dialect)


def export(res: Resource, found: Where, dialect: Dialect) -> DriverStatement:
    """Every column of the records of ``res`` matching ``found``, in its default order (binds ``limit_`` and
    ``offset_`` too)."""
    return _export(res.name, found.shape, found.searched, found.markings, dialect)


def one(res: Resource, scope: Scope, record_id: int, dialect: Dialect) -> tuple[DriverStatement, dict[str, Any]]:
    """Record ``record_id`` of ``res`` if ``scope`` may see it: the statement and its values."""
    values: dict[str, Any] = _marking_values(scope) if _guarded(res) else {}
    values["record_id"] = record_id
    return _one(res.name, _markings(res, scope), dialect), values


def children(res: Resource, scope: Scope, dialect: Dialect) -> tuple[DriverStatement, dict[str, Any]]:
    """The records of child resource ``res`` under one parent the reader may see (the caller binds
    ``parent_id``), in its default order: the statement and its values. The parent's visibility is the
    caller's check; children that name other records (report links) are also filtered by what they name."""
    if not _names_records(res):
        return _children(res.name, 0, dialect), {}
    return _children(res.name, len(scope.marking_ids), dialect), _marking_values(scope)
