"""Every entity: create, read, update and delete through the services, each leaving exactly one audit entry."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from detente.services import audit_trail
from detente.services.entities import ENTITIES, RecordError
from detente.services.records import Records
from detente.store.database import Store
from detente.store.models import AuditEntry
from tests.services.samples import changed_field, sample_values


def _audit_count(store: Store) -> int:
    with store.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def _last_entry(store: Store) -> AuditEntry:
    with store.sessions() as session:
        return session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_crud_leaves_one_audit_entry_per_write(shared_store: Store, name: str) -> None:
    store = shared_store
    records = Records(store)
    values = sample_values(records, name, salt=sorted(ENTITIES).index(name))
    before_count = _audit_count(store)

    created = records.create(name, values, actor="alice")
    assert _audit_count(store) == before_count + 1
    entry = _last_entry(store)
    assert (entry.action, entry.object_type, entry.object_id, entry.actor) == (
        "create",
        name,
        str(created["id"]),
        "alice",
    )
    assert json.loads(entry.before) is None
    assert json.loads(entry.after) == created

    read = records.get(name, created["id"])
    assert read == created, "what is read back must equal what the create returned (types round-trip)"

    field, new_value = changed_field(ENTITIES[name])
    updated = records.update(name, created["id"], {field: new_value}, actor="bob")
    assert updated[field] == new_value
    assert _audit_count(store) == before_count + 2
    entry = _last_entry(store)
    assert (entry.action, entry.actor) == ("update", "bob")
    assert json.loads(entry.before) == created
    assert json.loads(entry.after) == updated == records.get(name, created["id"])

    deleted = records.delete(name, created["id"], actor="carol")
    assert deleted == updated
    assert _audit_count(store) == before_count + 3
    entry = _last_entry(store)
    assert (entry.action, json.loads(entry.after)) == ("delete", None)
    with pytest.raises(RecordError, match="no record"):
        records.get(name, created["id"])

    assert audit_trail.verify(store).ok


def test_snapshot_is_what_the_database_holds(shared_store: Store) -> None:
    """The create() answer is re-read from the database, so it matches get() exactly on both backends."""
    records = Records(shared_store)
    case = sample_values(records, "assistance_case", salt=1000)
    case["value"] = "1000.5"
    created = records.create("assistance_case", case, actor="alice")
    assert created["value"] == "1000.50"
    assert records.get("assistance_case", created["id"]) == created


def test_failed_write_leaves_no_trace(store: Store) -> None:
    records = Records(store)
    note = {**sample_values(records, "journal_note"), "written_at": "2024-01-01T10:00:00"}
    before = _audit_count(store)
    with pytest.raises(RecordError, match=r"agreement_party\.agreement_id: there is no agreement with id 424242"):
        records.create("agreement_party", {"agreement_id": 424242, "role": "party"}, actor="alice")
    with pytest.raises(RecordError, match=r"state\.colour: no such field"):
        records.create("state", {"name": "France", "colour": "blue"}, actor="alice")
    with pytest.raises(RecordError, match=r"state\.name: is required"):
        records.create("state", {"ccode": 220}, actor="alice")
    with pytest.raises(RecordError, match=r"state\.ccode: expected int"):
        records.create("state", {"name": "France", "ccode": "220"}, actor="alice")
    with pytest.raises(RecordError, match=r"agreement\.valid_to: .*before it starts"):
        records.create(
            "agreement", {"kind": "alliance", "title": "x", "valid_from": "2000", "valid_to": "1999"}, actor="a"
        )
    with pytest.raises(RecordError, match=r"agreement\.valid_from: month 13"):
        records.create("agreement", {"kind": "alliance", "title": "x", "valid_from": "2000-13"}, actor="a")
    with pytest.raises(RecordError, match="no time zone"):
        records.create("journal_note", note, actor="a")
    assert _audit_count(store) == before
    assert records.count("state") == 0
    assert records.count("agreement") == 0


def test_audit_tables_are_not_entities(store: Store) -> None:
    records = Records(store)
    with pytest.raises(RecordError, match="unknown entity"):
        records.create("audit_entry", {}, actor="mallory")
    with pytest.raises(RecordError, match="written only by detente itself"):
        records.create(AuditEntry, {}, actor="mallory")


def test_secrets_never_reach_the_audit_log(store: Store) -> None:
    records = Records(store)
    role = records.create("role", {"name": "admin"}, actor="setup")
    user = records.create(
        "user",
        {"username": "ana", "display_name": "Ana", "password_hash": "$argon2id$secret", "role_id": role["id"]},
        actor="setup",
    )
    assert user["password_hash"] == "<hidden>"
    entry = _last_entry(store)
    assert "argon2id" not in entry.after


def test_partial_dates_are_stored_with_their_precision(store: Store) -> None:
    records = Records(store)
    agreement = records.create(
        "agreement", {"kind": "alliance", "title": "Warsaw Pact", "valid_from": "1955-05", "valid_to": 1991}, actor="a"
    )
    assert (agreement["valid_from"], agreement["valid_from_precision"]) == ("1955-05-01", "month")
    assert (agreement["valid_to"], agreement["valid_to_precision"]) == ("1991-12-31", "year")


def test_model_defaults_fill_what_a_create_leaves_out(store: Store) -> None:
    records = Records(store)
    engagement = records.create("engagement", {"title": "Staff talks", "kind": "staff_talks"}, actor="alice")
    assert engagement["status"] == "proposed"
    assert records.get("engagement", engagement["id"]) == engagement
    explicit = records.create("engagement", {"title": "Visit", "kind": "visit", "status": "planned"}, actor="alice")
    assert explicit["status"] == "planned"


def test_an_update_without_changes_writes_nothing(store: Store) -> None:
    records = Records(store)
    state = records.create("state", {"name": "Ruritania"}, actor="alice")
    before = _audit_count(store)
    assert records.update("state", state["id"], {}, actor="bob") == state
    assert _audit_count(store) == before
    with pytest.raises(RecordError, match="no record with id"):
        records.update("state", state["id"] + 1000, {"name": "Nowhere"}, actor="bob")
    assert _audit_count(store) == before
