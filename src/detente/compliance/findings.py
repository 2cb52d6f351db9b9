"""Findings in the store: written through the audited services, so that evaluating twice stores the same.

A stored finding is identified by obligation, party, as-of date and subject (the event judged, or the
period). :func:`store_findings` compares what the engine found with what is stored for the same
obligations, parties and dates: new findings are created, changed ones updated, ones the engine no longer
finds deleted, and unchanged ones left alone -- all in one transaction, one audit entry per write.

Each finding is stored with the most restrictive marking of the evidence it rests on (given by a
:class:`~detente.compliance.visibility.FindingMarker`); the marking is part of what is compared, so a
finding whose evidence was marked (or released) since is updated, and an unchanged one is not written.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Table, select

from detente.compliance.visibility import FindingMarker, finding_refs
from detente.domain.audit_chain import jsonable
from detente.services.entities import row_snapshot
from detente.services.records import Records
from detente.store.database import Store
from detente.store.models import Finding

__all__ = ["StoreReport", "finding_values", "store_findings"]

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


def store_findings(
    store: Store,
    findings: pl.DataFrame,
    obligation_ids: Mapping[str, int],
    *,
    parties: Iterable[int] | None = None,
    actor: str,
    marker: FindingMarker | None = None,
) -> StoreReport:
    """Store the engine's findings idempotently (see the module docstring); without a ``marker``, every
    finding is stored unmarked (for findings known to rest on public evidence alone)."""
    wanted: dict[Key, dict[str, Any]] = {}
    rows = list(findings.iter_rows(named=True))
    markings = (
        marker.marking_ids([finding_refs(r["evidence"], r["subject"]) for r in rows], actor=actor)
        if marker is not None
        else [None] * len(rows)
    )
    for row, marking_id in zip(rows, markings, strict=True):
        values = finding_values(row, obligation_ids[row["code"]], marking_id)
        key = _key(values)
        if key in wanted:
            raise ValueError(
                f"{row['code']}: two findings for party {row['party_code']} as of {row['as_of']} on subject "
                f"{row['subject']!r}; a finding's subject must tell them apart (nothing was stored)"
            )
        wanted[key] = values
    dates = sorted(set(findings["as_of"].to_list())) if findings.height else []
    table = Finding.__table__
    assert isinstance(table, Table)
    query = select(table).where(table.c.obligation_id.in_(list(obligation_ids.values())), table.c.as_of.in_(dates))
    if parties is not None:
        query = query.where(table.c.party_state_id.in_(list(parties)))
    with store.engine.connect() as connection:
        stored = {_key(row): row for row in (dict(r._mapping) for r in connection.execute(query))}
    created = updated = deleted = unchanged = 0
    with Records(store).batch(actor=actor) as batch:
        for key, values in wanted.items():
            current = stored.pop(key, None)
            if current is None:
                batch.create("finding", values)
                created += 1
            elif _same(current, values):
                unchanged += 1
            else:
                batch.update("finding", int(current["id"]), values)
                updated += 1
        for current in stored.values():
            batch.delete("finding", int(current["id"]))
            deleted += 1
    return StoreReport(created, updated, deleted, unchanged)
