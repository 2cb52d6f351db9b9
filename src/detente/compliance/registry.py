"""The packs in the store: each treaty's agreement and each obligation as a row, written through the
audited services, plus the obligations users define themselves.

:func:`sync_pack` is idempotent: it creates what is missing, updates what changed and leaves the rest
alone (no audit entry for nothing). A user-defined obligation is stored with its full declaration in
``parameters`` and is evaluated with the obligations of the treaty it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, func, select

from detente.compliance.pack_merge import merge_duplicates
from detente.compliance.packs import ObligationSpec, Pack, PackError, get_pack, load_packs
from detente.services.entities import row_snapshot
from detente.services.records import Batch, Records
from detente.store.database import Store
from detente.store.models import Agreement, Obligation

__all__ = ["PackRows", "agreement_ids", "define_obligation", "obligations_of", "pack_agreement_ids", "sync_pack"]

ACTOR = "detente-compliance"


@dataclass(frozen=True)
class PackRows:
    """Where a pack lives in the store: its agreement and its obligations' ids by code."""

    agreement_id: int
    obligation_ids: dict[str, int]


def agreement_ids(store: Store, pack: Pack) -> list[int]:
    """Every agreement in the store whose evidence counts for the pack (loaded ones first)."""
    with store.engine.connect() as connection:
        return pack_agreement_ids(connection, pack)


def pack_agreement_ids(connection: Connection, pack: Pack) -> list[int]:
    """:func:`agreement_ids` read on ``connection`` (inside a transaction, or with other reads)."""
    keys = [*pack.agreement_keys, pack.agreement_key]
    rows = connection.execute(
        select(Agreement.id, Agreement.source_key).where(Agreement.source_key.in_(keys)).order_by(Agreement.id)
    ).all()
    order = {key: n for n, key in enumerate(keys)}
    return [int(i) for i, key in sorted(rows, key=lambda r: order[str(r[1])])]


def _one_at_a_time(connection: Connection, pack: Pack) -> None:
    """Make concurrent syncs of ``pack`` wait for each other until this transaction ends.

    Without it two requests that each found the pack missing both stored it: two agreements with one key. On
    SQLite the batch already holds the database's one write lock; on PostgreSQL a transaction-scoped advisory
    lock on the pack's key does it (released at commit or rollback).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(func.hashtext(pack.agreement_key))))


def _obligation_values(pack: Pack, spec: ObligationSpec, agreement_id: int, user: bool) -> dict[str, Any]:
    return {
        "code": spec.code,
        "title": spec.title,
        "agreement_id": agreement_id,
        "kind": spec.kind,
        "article": spec.article,
        "parameters": {"pack": pack.code, "user": user, "declaration": spec.model_dump(mode="json", by_alias=True)},
        "severity": spec.severity,
        "verified": spec.verified,
        "valid_from": spec.in_force.start or pack.in_force.start,
        "valid_to": spec.in_force.end or pack.in_force.end,
    }


def _same(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    from detente.domain.audit_chain import jsonable

    return all(jsonable(current.get(k)) == jsonable(v) for k, v in wanted.items())


def sync_pack(store: Store, pack: Pack, *, actor: str = ACTOR) -> PackRows:
    """Make sure the pack's agreement and obligations (shipped and user-defined) are stored, as declared."""
    records = Records(store)
    with records.batch(actor=actor) as batch:
        _one_at_a_time(batch.connection, pack)
        merge_duplicates(batch, pack.agreement_key)  # copies stored before this lock existed
        ids = pack_agreement_ids(batch.connection, pack)
        if ids:
            agreement_id = ids[0]
        else:
            agreement_id = batch.create(
                "agreement",
                {
                    "kind": pack.kind,
                    "title": pack.title,
                    "short_name": pack.short_name,
                    "valid_from": pack.in_force.start,
                    "valid_to": pack.in_force.end,
                    "notes": pack.notes,
                    "source_key": pack.agreement_key,
                },
            )["id"]
        stored = _stored_obligations(batch.connection)
        out: dict[str, int] = {}
        for spec in pack.obligations:
            out[spec.code] = _upsert(batch, stored, _obligation_values(pack, spec, agreement_id, False))
        for spec in obligations_of(store, pack, shipped=False):
            out[spec.code] = stored[spec.code]["id"]
    return PackRows(agreement_id, out)


def _stored_obligations(connection: Connection) -> dict[str, dict[str, Any]]:
    """Every stored obligation by code, as the services show a record (one query for all)."""
    table = Obligation.__table__
    assert isinstance(table, Table)
    rows = connection.execute(select(table)).all()
    return {str(row.code): row_snapshot(row._mapping) for row in rows}


def _upsert(batch: Batch, stored: dict[str, dict[str, Any]], values: dict[str, Any]) -> int:
    current = stored.get(values["code"])
    if current is None:
        return int(batch.create("obligation", values)["id"])
    if not _same(current, values):
        batch.update("obligation", int(current["id"]), values)
    return int(current["id"])


def obligations_of(store: Store, pack: Pack, *, shipped: bool = True) -> list[ObligationSpec]:
    """The pack's obligations: those it ships (unless ``shipped=False``) and those users defined for it."""
    found = list(pack.obligations) if shipped else []
    with store.engine.connect() as connection:
        rows = connection.execute(select(Obligation.parameters)).scalars().all()
    for parameters in rows:
        if isinstance(parameters, dict) and parameters.get("user") and parameters.get("pack") == pack.code:
            found.append(ObligationSpec.model_validate(parameters["declaration"]))
    return found


def define_obligation(store: Store, declaration: dict[str, Any], *, actor: str) -> dict[str, Any]:
    """Store a user-defined obligation for a treaty pack (``treaty``: the pack code); audited, validated
    exactly like a shipped one. Returns the stored obligation row."""
    pack = get_pack(str(declaration.get("treaty", "")))
    spec = ObligationSpec.model_validate(declaration)
    if any(spec.code == s.code for p in load_packs().values() for s in p.obligations):
        raise PackError(f"{spec.code}: a shipped obligation already has this code; choose another")
    rows = sync_pack(store, pack, actor=actor)
    records = Records(store)
    with records.batch(actor=actor) as batch:
        stored = _stored_obligations(batch.connection)
        obligation_id = _upsert(batch, stored, _obligation_values(pack, spec, rows.agreement_id, True))
    return records.get("obligation", obligation_id)
