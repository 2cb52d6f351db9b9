"""Reading resources: get, list, count, search and export, every one filtered by the reader's markings.

Each entry point builds its query from the :mod:`~detente.services.catalog` declaration and adds
:func:`access_clause`, which calls :func:`detente.services.access.visible` for a marked resource and follows
the parent chain for a child one. A record the reader may not see is simply absent: ``get`` raises
:class:`NotFoundError`, exactly as for an id that does not exist. Reads and exports that return marked
records append one audit entry naming them, through the process's group-committing queue
(:mod:`detente.services.read_audit`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Select, and_, func, select, true

from detente.domain.audit_chain import jsonable
from detente.domain.dates import DateRangeError
from detente.domain.markings import Role
from detente.services.access import Principal, Scope, require_role, visible
from detente.services.catalog import Resource, resource
from detente.services.entities import RecordError, entity_name, row_snapshot
from detente.services.errors import NotFoundError
from detente.services.read_audit import read_audit
from detente.services.records import table_of
from detente.services.search import search_clause
from detente.store.database import Store

__all__ = ["MAX_LIMIT", "Page", "Reader", "access_clause"]

MAX_LIMIT = 500
EXPORT_LIMIT = 100_000
LIST_OMITS = frozenset({"original"})
"""Columns lists leave out (a source row's original values, large and read one record at a time)."""


@dataclass(frozen=True)
class Page:
    """One page of a list and the total number of records the reader may see that match."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


def access_clause(res: Resource, scope: Scope) -> ColumnElement[bool]:
    """What ``scope`` may see of ``res``: its own marking, or (for a child) its parent's, all the way up."""
    if res.marked:
        return visible(res.model, scope)
    if res.parent is not None:
        parent = resource(res.parent.resource)
        inner = access_clause(parent, scope)
        column = table_of(res.model).c[res.parent.column]
        return column.in_(select(table_of(parent.model).c.id).where(inner))
    return true()


class Reader:
    """Marking-filtered reads of every resource in the catalog."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- building queries ---------------------------------------------------------------------------------

    def _where(
        self, res: Resource, scope: Scope, filters: Mapping[str, Any], search: str | None, connection: Connection
    ) -> ColumnElement[bool]:
        known = res.all_filters()
        clauses = [access_clause(res, scope)]
        for name, value in filters.items():
            if value is None:
                continue
            if name not in known:
                raise RecordError(res.name, name, f"no such filter; filters are: {', '.join(sorted(known))}")
            spec = known[name]
            if spec.type is date and isinstance(value, str):
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    raise RecordError(res.name, name, f"{value!r} is not a date; write YYYY-MM-DD") from None
            try:
                clauses.append(spec.clause(value))
            except (DateRangeError, ValueError) as error:
                raise RecordError(res.name, name, str(error)) from None
        if search is not None:
            clauses.append(search_clause(res, search, connection.dialect.name))
        return and_(*clauses)

    @staticmethod
    def _order(res: Resource, sort: str | None) -> list[Any]:
        key = sort or res.default_sort
        field = key.removeprefix("-")
        if field not in res.sorts:
            raise RecordError(res.name, "sort", f"cannot sort by {field!r}; sort by one of {', '.join(res.sorts)}")
        table = table_of(res.model)
        column = table.c[field]
        primary = column.desc() if key.startswith("-") else column.asc()
        return [primary, table.c.id.asc()] if field != "id" else [primary]

    def _decorate(self, res: Resource, scope: Scope, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if res.marked:
            for row in rows:
                row["marking"] = scope.markings.get(row["marking_id"]) if row.get("marking_id") else None
        return rows

    def _audit_marked(
        self, principal: Principal, res: Resource, rows: list[dict[str, Any]], object_id: str, action: str = "read"
    ) -> None:
        """One audit entry naming the marked records a read or an export returned (none if all are public)."""
        marked = [row["id"] for row in rows if row.get("marking_id") is not None]
        if marked:
            read_audit(self.store).record(
                principal.actor, action, entity_name(res.model), object_id, {"resource": res.name, "ids": marked}
            )

    # -- entry points ---------------------------------------------------------------------------------------

    def list(
        self,
        principal: Principal,
        name: str,
        *,
        filters: Mapping[str, Any] | None = None,
        sort: str | None = None,
        limit: int = 50,
        offset: int = 0,
        search: str | None = None,
    ) -> Page:
        """A page of the records of ``name`` the principal may see, filtered and sorted (without the
        :data:`LIST_OMITS` columns, which :meth:`get` returns)."""
        res = resource(name)
        if not 1 <= limit <= MAX_LIMIT:
            raise RecordError(res.name, "limit", f"must be between 1 and {MAX_LIMIT}")
        if offset < 0:
            raise RecordError(res.name, "offset", "must be 0 or more")
        table = table_of(res.model)
        columns = [column for column in table.c if column.name not in LIST_OMITS]
        with self.store.engine.connect() as connection:
            scope = Scope.of(connection, principal)
            where = self._where(res, scope, filters or {}, search, connection)
            order = self._order(res, sort)
            query: Select[Any] = select(*columns).where(where).order_by(*order).limit(limit).offset(offset)
            rows = [row_snapshot(row._mapping) for row in connection.execute(query)]
            if offset == 0 and len(rows) < limit:
                total = len(rows)  # the whole answer fits on this page: no need to count
            else:
                total = int(connection.scalar(select(func.count()).select_from(table).where(where)) or 0)
        self._audit_marked(principal, res, rows, "list")
        return Page(self._decorate(res, scope, rows), total, limit, offset)

    def count(
        self, principal: Principal, name: str, *, filters: Mapping[str, Any] | None = None, search: str | None = None
    ) -> int:
        """How many records of ``name`` the principal may see that match."""
        res = resource(name)
        table = table_of(res.model)
        with self.store.engine.connect() as connection:
            scope = Scope.of(connection, principal)
            where = self._where(res, scope, filters or {}, search, connection)
            return int(connection.scalar(select(func.count()).select_from(table).where(where)) or 0)

    def get(self, principal: Principal, name: str, record_id: int, *, embed: bool = True) -> dict[str, Any]:
        """One record with its children embedded; :class:`NotFoundError` if absent or not visible."""
        res = resource(name)
        with self.store.engine.connect() as connection:
            scope = Scope.of(connection, principal)
            record = self._one(connection, res, scope, record_id)
            if embed:
                self._embed(connection, res, scope, record)
        self._audit_marked(principal, res, [record], str(record_id))
        return record

    def _one(self, connection: Connection, res: Resource, scope: Scope, record_id: int) -> dict[str, Any]:
        table = table_of(res.model)
        row = connection.execute(select(table).where(table.c.id == record_id, access_clause(res, scope))).one_or_none()
        if row is None:
            raise NotFoundError(f"there is no {res.name} record with id {record_id} that you may see")
        return self._decorate(res, scope, [row_snapshot(row._mapping)])[0]

    def _embed(self, connection: Connection, res: Resource, scope: Scope, record: dict[str, Any]) -> None:
        for child_name in res.children:
            child = resource(child_name)
            assert child.parent is not None
            table = table_of(child.model)
            rows = connection.execute(
                select(*(column for column in table.c if column.name not in LIST_OMITS))
                .where(table.c[child.parent.column] == record["id"])
                .order_by(*self._order(child, None))
            )
            items = [row_snapshot(row._mapping) for row in rows]
            for item in items:
                self._embed(connection, child, scope, item)
            record[child_name.replace("-", "_")] = items

    def visible_record(self, principal: Principal, name: str, record_id: int) -> dict[str, Any]:
        """The record if the principal may see it (no children, no audit): for checks before a write."""
        res = resource(name)
        with self.store.engine.connect() as connection:
            return self._one(connection, res, Scope.of(connection, principal), record_id)

    def export(
        self,
        principal: Principal,
        name: str,
        *,
        fmt: Literal["csv", "json"],
        filters: Mapping[str, Any] | None = None,
        search: str | None = None,
    ) -> str:
        """Every record of ``name`` the principal may see that matches, as CSV or JSON text (analysts and up)."""
        require_role(principal, Role.ANALYST, "exporting")
        res = resource(name)
        table = table_of(res.model)
        with self.store.engine.connect() as connection:
            scope = Scope.of(connection, principal)
            where = self._where(res, scope, filters or {}, search, connection)
            query = select(table).where(where).order_by(*self._order(res, None)).limit(EXPORT_LIMIT)
            rows = self._decorate(res, scope, [row_snapshot(row._mapping) for row in connection.execute(query)])
        self._audit_marked(principal, res, rows, "all", "export")
        if fmt == "json":
            return json.dumps(rows, ensure_ascii=False)
        buffer = io.StringIO()
        columns = [column.name for column in table.c] + (["marking"] if res.marked else [])
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    key: json.dumps(jsonable(value), ensure_ascii=False) if isinstance(value, dict | list) else value
                    for key, value in row.items()
                }
            )
        return buffer.getvalue()
