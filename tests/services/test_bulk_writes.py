"""Bulk writes (``Batch.create_many`` / ``update_many`` / ``delete_many``) store what one write per row stores.

For every entity, three records are written in bulk, changed in bulk and deleted in bulk; each write leaves
exactly one audit entry with the same before and after that the single-row write leaves, the rows read back
equal what the bulk call returned, and the hash chain still verifies. A bad row anywhere stores nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from detente.services import audit_trail
from detente.services.entities import ENTITIES, RecordError
from detente.services.errors import NotFoundError
from detente.services.records import Batch, Records
from detente.store.audit_log import Pending, append_many
from detente.store.base import Marked
from detente.store.database import Store
from detente.store.models import AuditEntry
from tests.services.samples import changed_field, sample_values


def _entries(store: Store, after_seq: int) -> list[AuditEntry]:
    with store.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq)))


def _head(store: Store) -> int:
    with store.sessions() as session:
        return int(session.scalar(select(func.max(AuditEntry.seq))) or 0)


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_bulk_writes_leave_one_audit_entry_per_row(shared_store: Store, name: str) -> None:
    store = shared_store
    records = Records(store)
    salt = 100 + 3 * sorted(ENTITIES).index(name)
    parents: dict[str, int] = {}
    rows = [sample_values(records, name, salt + i, parents) for i in range(3)]
    start = _head(store)

    with records.batch(actor="alice") as work:
        created = work.create_many(name, rows)
    assert [records.get(name, row["id"]) for row in created] == created
    entries = _entries(store, start)
    assert [(e.action, e.object_type, e.object_id, e.actor) for e in entries] == [
        ("create", name, str(row["id"]), "alice") for row in created
    ]
    assert [json.loads(e.after) for e in entries] == created
    assert all(json.loads(e.before) is None for e in entries)

    field, new_value = changed_field(ENTITIES[name])
    start = _head(store)
    # a distinct new value per row (a column may be part of a unique key)
    news = [new_value + i if isinstance(new_value, int) else new_value[:-1] + str(i) for i in range(2)]
    changes: dict[int, dict[str, Any]] = {row["id"]: {field: new} for row, new in zip(created, news, strict=False)}
    with records.batch(actor="bob") as work:
        updated = work.update_many(name, {**changes, created[2]["id"]: {}})
    assert len(updated) == 2, "a record given no change is not written"
    assert [records.get(name, row["id"]) for row in updated] == updated
    assert [row[field] for row in updated] == news
    entries = _entries(store, start)
    assert [(e.action, e.object_id, e.actor) for e in entries] == [("update", str(i), "bob") for i in changes]
    assert [json.loads(e.before) for e in entries] == created[:2]
    assert [json.loads(e.after) for e in entries] == updated
    if issubclass(ENTITIES[name], Marked):
        assert [row["version"] for row in updated] == [row["version"] + 1 for row in created[:2]]

    start = _head(store)
    ids = [row["id"] for row in created]
    with records.batch(actor="carol") as work:
        deleted = work.delete_many(name, ids)
    assert deleted == [*updated, created[2]]
    entries = _entries(store, start)
    assert [(e.action, e.object_id) for e in entries] == [("delete", str(i)) for i in ids]
    assert [json.loads(e.before) for e in entries] == deleted
    for record_id in ids:
        with pytest.raises(RecordError, match="no record"):
            records.get(name, record_id)

    assert audit_trail.verify(store).ok


def _in_batch(records: Records, write: Callable[[Batch], object]) -> None:
    with records.batch(actor="alice") as work:
        write(work)


def test_a_bad_row_in_a_bulk_write_stores_nothing(store: Store) -> None:
    records = Records(store)
    start = _head(store)
    good = {"name": "France", "iso3": "FRA"}

    def parent_missing(work: Batch) -> None:
        work.create_many("state", [good])
        work.create_many("agreement_party", [{"agreement_id": 424242, "role": "party"}])

    with pytest.raises(RecordError, match=r"agreement_party\.agreement_id: there is no agreement with id 424242"):
        _in_batch(records, parent_missing)
    with pytest.raises(RecordError, match=r"state\.ccode: expected int"):
        _in_batch(records, lambda work: work.create_many("state", [good, {"name": "Spain", "ccode": "230"}]))
    state = records.create("state", good, actor="alice")
    changes = {state["id"]: {"name": "République française"}, 999999: {"name": "x"}}
    with pytest.raises(NotFoundError, match="no state with id 999999"):
        _in_batch(records, lambda work: work.update_many("state", changes))
    with pytest.raises(NotFoundError, match="no state with id 999999"):
        _in_batch(records, lambda work: work.delete_many("state", [state["id"], 999999]))
    assert records.get("state", state["id"]) == state
    assert records.count("state") == 1
    assert _head(store) == start + 1
    assert audit_trail.verify(store).ok


def test_append_many_checks_its_input(store: Store) -> None:
    with store.engine.begin() as connection:
        with pytest.raises(ValueError, match="audit action 'steal'"):
            append_many(connection, [Pending("a", "steal", "state", "1", None, None)])
        with pytest.raises(ValueError, match="needs an actor"):
            append_many(connection, [Pending("", "create", "state", "1", None, {})])
        assert append_many(connection, []) == []


def test_many_bulk_rows_chain_like_single_appends(store: Store) -> None:
    """Five thousand rows in one bulk write (several INSERT statements): ids in order, the chain intact."""
    records = Records(store)
    start = _head(store)
    rows = [{"name": f"State {i}", "ccode": i} for i in range(5_000)]
    with records.batch(actor="loader") as work:
        created = work.create_many("state", rows)
    assert [row["ccode"] for row in created] == list(range(5_000))
    assert [row["id"] for row in created] == sorted(row["id"] for row in created)
    assert records.count("state") == 5_000
    assert _head(store) == start + 5_000
    report = audit_trail.verify(store)
    assert report.ok and report.entries_verified == start + 5_000
