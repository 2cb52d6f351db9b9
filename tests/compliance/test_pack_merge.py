"""Copies of a pack's agreement that an older release stored are folded back into one.

Before ``sync_pack`` held a lock, concurrent requests could each store the AECA 36(b) pack: the benchmark's
first clients left four agreements with the key ``compliance:aeca-36b``. A store that still has such copies
gets them merged the next time the pack is synced (by the gates' first call in a process, by a refresh):
everything that named a copy -- by a foreign key or by ``object_type``/``object_id`` -- then names the first
copy, the other copies are gone, each change is in the audit log, and the gates still judge by the moved
evidence.
"""

from __future__ import annotations

from sqlalchemy import func, select

from detente.compliance.packs import get_pack
from detente.compliance.registry import sync_pack
from detente.services import gates as gates_module
from detente.services.gates import NOTICE_36B, PACK, ComplianceGates
from detente.services.records import Records
from detente.store.audit_log import verify
from detente.store.database import Store
from detente.store.models import Agreement, AuditEntry, JournalNote, Notification, Obligation, Provision
from tests.services.samples import sample_values


def test_copies_of_the_pack_agreement_are_merged_into_the_first(store: Store) -> None:
    pack = get_pack(PACK)
    records = Records(store)
    first = sync_pack(store, pack, actor="t").agreement_id
    # what an older release could leave: a second and a third copy, each with records naming it
    copies = [
        records.create(
            "agreement", {"kind": pack.kind, "title": pack.title, "source_key": pack.agreement_key}, actor="old-release"
        )["id"]
        for _ in range(2)
    ]
    usa = records.create("state", {"name": "United States", "ccode": 2}, actor="t")["id"]
    sau = records.create("state", {"name": "Saudi Arabia", "ccode": 670}, actor="t")["id"]
    notice = records.create(
        "notification",
        {
            "agreement_id": copies[0],
            "kind": NOTICE_36B,
            "sender_state_id": usa,
            "receiver_state_id": sau,
            "sent_at": "2024-01-02T00:00:00+00:00",
        },
        actor="t",
    )["id"]
    provision = records.create(
        "provision",
        {"agreement_id": copies[1], "code": "36b", "kind": "notification", "valid_from": "2024"},
        actor="t",
    )["id"]
    note_values = {**sample_values(records, "journal_note"), "object_type": "agreement", "object_id": copies[1]}
    note = records.create("journal_note", {**note_values, "written_at": "2024-01-01T10:00:00+00:00"}, actor="t")["id"]
    with store.engine.begin() as connection:  # the obligations sat on the last copy
        connection.execute(Obligation.__table__.update().values(agreement_id=copies[1]))

    gates_module._PACK_AGREEMENTS.pop(store, None)  # a new process: the gates look the pack up again
    assert ComplianceGates(store).agreement_id() == first

    with store.engine.connect() as connection:
        assert connection.scalars(select(Agreement.id).where(Agreement.source_key == pack.agreement_key)).all() == [
            first
        ]
        assert connection.scalar(select(Notification.agreement_id).where(Notification.id == notice)) == first
        assert connection.scalar(select(Provision.agreement_id).where(Provision.id == provision)) == first
        assert connection.scalar(select(JournalNote.object_id).where(JournalNote.id == note)) == first
        assert set(connection.scalars(select(Obligation.agreement_id).where(Obligation.code.like("AECA-%")))) == {first}
        deleted = connection.scalars(
            select(AuditEntry.object_id).where(AuditEntry.action == "delete", AuditEntry.object_type == "agreement")
        ).all()
        moved = connection.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == "update", AuditEntry.object_type.in_(["notification", "provision", "journal_note"])
            )
        )
    assert sorted(int(i) for i in deleted) == copies
    assert moved == 3
    assert verify(store.engine)[1] is None  # the audit chain is whole
    # nothing left to merge: syncing again changes nothing
    assert sync_pack(store, pack, actor="t").agreement_id == first
    assert Records(store).count("agreement") == 1
