"""Findings in the store: written through the audited services, so that evaluating twice stores the same.

A stored finding is identified by obligation, party, as-of date and subject (the event judged, or the
period). :func:`store_findings` compares what the engine found with what is stored for the same
obligations, parties and dates: new findings are created, changed ones updated, ones the engine no longer
finds deleted, and unchanged ones left alone -- all in one transaction, one audit entry per write, written
in bulk (a few statements for thousands of findings). :func:`store_scopes` does the same for several sets of
obligations and parties at once (the incremental refresh after new evidence uses it).

Each finding is stored with the most restrictive marking of the evidence it rests on (given by a
:class:`~detente.compliance.visibility.FindingMarker`); the marking is part of what is compared, so a
finding whose evidence was marked (or released) since is updated, and an unchanged one is not written.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Table, select

from detente.compliance.visibility import FindingMarker, finding_refs
from detente.domain.audit_chain import jsonable
from detente.services.entities import row_snapshot
from detente.services.records import Records
from detente.store.database import Store
from detente.store.models import Finding

__all__ = ["Scope", "StoreReport", "finding_values", "store_findings", "store_scopes"]

Key = tuple[int, int | None, str, str | None]


@dataclass(frozen=True)
class StoreReport:
    """What storing a set of findings changed."""

    created: int
    updated: int
    deleted: int
    unchanged: int

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "deleted": self.deleted, "unchanged": self.unchanged}


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), 6)


def finding_values(row: Mapping[str, Any], obligation_id: int, marking_id: int | None = None) -> dict[str, Any]:
    """A finding row of the engine's frame as the values of a stored :class:`Finding` (with its marking)."""
    due = row.get("due")
    figures: dict[str, float | str | None] = {
        str(row["measure_name"]): _number(row["measured"]),
        str(row["limit_name"]): _number(row["limit"]),
        "margin": _number(row["margin"]),
    }
    if isinstance(due, datetime):
        figures["due"] = due.isoformat()
    return {
        "obligation_id": obligation_id,
        "party_state_id": row["party"],
        "as_of": row["as_of"],
        "status": row["status"],
        "measured": _number(row["measured"]),
        "limit_value": _number(row["limit"]),
        "margin": _number(row["margin"]),
        "evidence": list(row["evidence"] or []),
        "explanation": row["explanation"],
        "verified": bool(row["verified"]),
        "period_from": row["period_from"],
        "period_to": row["period_to"],
        "subject": row["subject"],
        "figures": figures,
        "marking_id": marking_id,
    }


def _key(values: Mapping[str, Any]) -> Key:
    as_of = values["as_of"]
    return (
        int(values["obligation_id"]),
        values["party_state_id"],
        as_of.isoformat() if isinstance(as_of, date) else str(as_of),
        values["subject"],
    )


def _same(stored: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """Whether a stored finding (a row as the driver returns it) already holds these values.

    Most findings are unchanged when a treaty is evaluated again, so the cheap test comes first: the
    driver's values (dates, floats, JSON lists and objects) against the new ones as they are. Only where
    that finds a difference are both sides compared as JSON, the services' form (a value the driver
    returns in another type, such as a Decimal, is not taken for a change).
    """
    if all(stored.get(k) == v for k, v in values.items()):
        return True
    snapshot = row_snapshot(stored)
    return all(snapshot.get(k) == v for k, v in jsonable(dict(values)).items())


@dataclass(frozen=True)
class Scope:
    """A set of findings to bring up to date: the engine's findings for some obligations (code -> id), at
    some dates, for some parties (``None``: every party, and findings of no party) -- every stored finding in
    the scope that the engine no longer finds is deleted."""

    findings: pl.DataFrame
    obligation_ids: Mapping[str, int]
    parties: Iterable[int] | None = None
    dates: Sequence[date] | None = None
    """The as-of dates evaluated (default: those of the findings; give them, so that a date where the engine
    now finds nothing loses its stored findings too)."""


def _wanted(scope: Scope, wanted: dict[Key, dict[str, Any]], marker: FindingMarker | None, actor: str) -> None:
    parties = None if scope.parties is None else set(scope.parties)
    rows = list(scope.findings.iter_rows(named=True))
    markings = (
        marker.marking_ids([finding_refs(r["evidence"], r["subject"]) for r in rows], actor=actor)
        if marker is not None
        else [None] * len(rows)
    )
    for row, marking_id in zip(rows, markings, strict=True):
        values = finding_values(row, scope.obligation_ids[row["code"]], marking_id)
        key = _key(values)
        if parties is not None and values["party_state_id"] not in parties:
            raise ValueError(
                f"{row['code']}: a finding for party {row['party_code']}, outside the parties evaluated "
                "(nothing was stored)"
            )
        if key in wanted:
            raise ValueError(
                f"{row['code']}: two findings for party {row['party_code']} as of {row['as_of']} on subject "
                f"{row['subject']!r}; a finding's subject must tell them apart (nothing was stored)"
            )
        wanted[key] = values


def _stored(connection: Connection, scope: Scope) -> dict[Key, dict[str, Any]]:
    """The stored findings in a scope, by key (read in the writing transaction)."""
    if scope.dates is not None:
        dates = sorted(set(scope.dates))
    else:
        dates = sorted(set(scope.findings["as_of"].to_list())) if scope.findings.height else []
    ids = sorted(set(scope.obligation_ids.values()))
    if not dates or not ids:
        return {}
    table = Finding.__table__
    assert isinstance(table, Table)
    query = select(table).where(table.c.obligation_id.in_(ids), table.c.as_of.in_(dates))
    if scope.parties is not None:
        query = query.where(table.c.party_state_id.in_(sorted(set(scope.parties))))
    return {_key(row): row for row in (dict(r._mapping) for r in connection.execute(query))}


def store_findings(
    store: Store,
    findings: pl.DataFrame,
    obligation_ids: Mapping[str, int],
    *,
    parties: Iterable[int] | None = None,
    dates: Sequence[date] | None = None,
    actor: str,
    marker: FindingMarker | None = None,
) -> StoreReport:
    """Store the engine's findings idempotently (see the module docstring): the stored findings of these
    obligations, at ``dates`` (default: the findings' dates), for ``parties`` (default all) become exactly
    ``findings``. Without a ``marker``, every finding is stored unmarked (for findings known to rest on
    public evidence alone)."""
    return store_scopes(store, [Scope(findings, obligation_ids, parties, dates)], actor=actor, marker=marker)


def store_scopes(
    store: Store, scopes: Sequence[Scope], *, actor: str, marker: FindingMarker | None = None
) -> StoreReport:
    """Bring the stored findings of every scope up to date with the engine's, in one transaction.

    The writes are bulk writes (:meth:`~detente.services.records.Batch.create_many` and its siblings): new
    findings inserted together, changed ones updated together (they keep their ids), gone ones deleted
    together, one audit entry each, in a handful of statements however many findings. A finding row carries
    every value :func:`finding_values` gives it (and any column a caller adds to those values passes through).
    Scopes must not overlap.
    """
    wanted: dict[Key, dict[str, Any]] = {}
    for scope in scopes:
        _wanted(scope, wanted, marker, actor)
    created: list[dict[str, Any]] = []
    changed: dict[int, dict[str, Any]] = {}
    unchanged = 0
    with Records(store).batch(actor=actor) as batch:
        stored: dict[Key, dict[str, Any]] = {}
        for scope in scopes:
            stored.update(_stored(batch.connection, scope))
        for key, values in wanted.items():
            current = stored.pop(key, None)
            if current is None:
                created.append(values)
            elif _same(current, values):
                unchanged += 1
            else:
                changed[int(current["id"])] = values
        gone = [int(current["id"]) for current in stored.values()]
        batch.create_many("finding", created)
        batch.update_many("finding", changed)
        batch.delete_many("finding", gone)
    return StoreReport(len(created), len(changed), len(gone), unchanged)
