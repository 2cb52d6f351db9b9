"""Reading resources: get, list, count, search and export, every one filtered by the reader's markings.

Each entry point's query comes from the :mod:`~detente.services.catalog` declaration plus the access rule of
:func:`access_clause` (:func:`detente.services.access.visible` for a marked resource, the parent chain for a
child one), built once per shape with bound parameters and run on the driver
(:mod:`detente.services.read_plans`). A record the reader may not see is simply absent: ``get`` raises
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
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, and_, select, true

from detente.domain.audit_chain import jsonable
from detente.domain.markings import Role
from detente.services import read_plans as plans
from detente.services.access import Principal, Scope, require_role, visible
from detente.services.catalog import Resource, cited_access, linked_access, noted_access, resource, seen_with
from detente.services.entities import RecordError, entity_name, row_snapshot
from detente.services.errors import NotFoundError
from detente.services.read_audit import read_audit
from detente.services.read_plans import LIST_OMITS
from detente.services.records import table_of
from detente.store.database import Store
from detente.store.read_connection import read_connection

__all__ = ["LIST_OMITS", "MAX_LIMIT", "Page", "Reader", "access_clause"]

MAX_LIMIT = 500
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class Page:
    """One page of a list and the total number of records the reader may see that match."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


def access_clause(res: Resource, scope: Scope) -> ColumnElement[bool]:
    """What ``scope`` may see of ``res``: its own marking, or (for a child) its parent's, all the way up, and
    the records it must be seen with (:attr:`~detente.services.catalog.Resource.seen_with`)."""
    return seen_with(res, _own_access(res, scope), lambda named: access_clause(named, scope))


def _own_access(res: Resource, scope: Scope) -> ColumnElement[bool]:
    if res.name == "journal":
        # a note is seen when its own marking and the record it is about both let the reader see it (a note
        # on a note: by the whole chain, see `noted_access`)
        return and_(
            visible(res.model, scope),
            noted_access(lambda noted: visible(noted.model, scope) if noted is res else access_clause(noted, scope)),
        )
    if res.marked:
        return visible(res.model, scope)
    if res.name == "citations":
        return cited_access(lambda cited: access_clause(cited, scope))
    if res.parent is not None:
        parent = resource(res.parent.resource)
        inner = access_clause(parent, scope)
        column = table_of(res.model).c[res.parent.column]
        under = column.in_(select(table_of(parent.model).c.id).where(inner))
        if res.name == "report-links":
            # the report must be visible, and so must the record the link names
            return and_(under, linked_access(lambda linked: access_clause(linked, scope)))
        return under
    return true()


class Reader:
    """Marking-filtered reads of every resource in the catalog."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _decorate(self, res: Resource, scope: Scope, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if res.marked:
            shown = scope.markings
            for row in rows:
                marking = shown.get(row["marking_id"]) if row.get("marking_id") else None
                # a copy: the scope's markings are shared with other requests
                row["marking"] = None if marking is None else {**marking, "releasable_to": [*marking["releasable_to"]]}
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
        with read_connection(self.store.engine) as connection:
            scope = Scope.of(connection, principal)
            dialect = connection.dialect
            found = plans.where(res, scope, filters or {}, search, dialect)
            statement = plans.page(res, found, plans.sort_key(res, sort), dialect)
            values = {**found.values, "limit_": limit, "offset_": offset}
            rows = [row_snapshot(row) for row in statement.all(connection, values)]
            # when the whole answer fits on this page there is no need to count
            total = len(rows) if offset == 0 and len(rows) < limit else self._count(connection, res, found)
        self._audit_marked(principal, res, rows, "list")
        return Page(self._decorate(res, scope, rows), total, limit, offset)

    @staticmethod
    def _count(connection: Connection, res: Resource, found: plans.Where) -> int:
        counted = plans.count(res, found, connection.dialect).all(connection, found.values)
        return int(counted[0]["count"] or 0)

    def count(
        self, principal: Principal, name: str, *, filters: Mapping[str, Any] | None = None, search: str | None = None
    ) -> int:
        """How many records of ``name`` the principal may see that match."""
        res = resource(name)
        with read_connection(self.store.engine) as connection:
            scope = Scope.of(connection, principal)
            return self._count(connection, res, plans.where(res, scope, filters or {}, search, connection.dialect))

    def get(self, principal: Principal, name: str, record_id: int, *, embed: bool = True) -> dict[str, Any]:
        """One record with its children embedded; :class:`NotFoundError` if absent or not visible."""
        res = resource(name)
        with read_connection(self.store.engine) as connection:
            scope = Scope.of(connection, principal)
            record = self._one(connection, res, scope, record_id)
            if embed:
                self._embed(connection, res, scope, record)
        self._audit_marked(principal, res, [record], str(record_id))
        return record

    def _one(self, connection: Connection, res: Resource, scope: Scope, record_id: int) -> dict[str, Any]:
        statement, values = plans.one(res, scope, record_id, connection.dialect)
        row = statement.one_or_none(connection, values)
        if row is None:
            raise NotFoundError(f"there is no {res.name} record with id {record_id} that you may see")
        return self._decorate(res, scope, [row_snapshot(row)])[0]

    def _embed(self, connection: Connection, res: Resource, scope: Scope, record: dict[str, Any]) -> None:
        """Put the children of a record the reader may see into it (those that name other records, such as
        report links, only where the reader may see the record named)."""
        for child_name in res.children:
            child = resource(child_name)
            statement, values = plans.children(child, scope, connection.dialect)
            items = [row_snapshot(row) for row in statement.all(connection, {**values, "parent_id": record["id"]})]
            for item in items:
                self._embed(connection, child, scope, item)
            record[child_name.replace("-", "_")] = items

    def visible_record(self, principal: Principal, name: str, record_id: int) -> dict[str, Any]:
        """The record if the principal may see it (no children, no audit): for checks before a write."""
        res = resource(name)
        with read_connection(self.store.engine) as connection:
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
        with read_connection(self.store.engine) as connection:
            scope = Scope.of(connection, principal)
            found = plans.where(res, scope, filters or {}, search, connection.dialect)
            statement = plans.export(res, found, connection.dialect)
            values = {**found.values, "limit_": EXPORT_LIMIT, "offset_": 0}
            rows = self._decorate(res, scope, [row_snapshot(row) for row in statement.all(connection, values)])
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
