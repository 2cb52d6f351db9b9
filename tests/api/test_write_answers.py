"""The write path's answers and audit entries against the database itself, and the markings it finds.

A create or an update answers with the record as stored, its marking in words and whether a release is
pending; the audit entry holds the row before and after. The write path reads and locks the record with its
access rule in one statement and shows the marking the batch read or wrote (``Batch.shown_markings``) instead
of reading it again: these tests rebuild each answer from plain SQL on a connection of their own and compare
the JSON, and check that a marking made elsewhere (by another store, or by hand) is found in the database
rather than made twice.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from detente.domain.audit_chain import canonical_json, jsonable
from detente.domain.markings import Classification, Role
from detente.services.entities import row_snapshot
from detente.services.errors import ConflictError, NotFoundError
from detente.services.records import Records, table_of
from detente.services.writing import MarkingRequest, Writer
from detente.store.database import Store
from detente.store.models import AuditEntry, Engagement, Marking
from tests.api.conftest import MakePerson, fresh_tag


def _reference(store: Store, record_id: int, *, pending: bool) -> str:
    """The answer a write of engagement ``record_id`` must give, rebuilt from plain SQL, as JSON text."""
    table = table_of(Engagement)
    with store.engine.connect() as connection:
        row = row_snapshot(connection.execute(select(table).where(table.c.id == record_id)).one()._mapping)
        marking = connection.execute(
            select(Marking.classification, Marking.releasable_to, Marking.caveat).where(Marking.id == row["marking_id"])
        ).one()
    row["marking"] = {
        "classification": Classification.parse(marking.classification).label,
        "releasable_to": list(marking.releasable_to or []),
        "caveat": marking.caveat,
    }
    row["release_pending"] = pending
    return json.dumps(jsonable(row), sort_keys=True)


def _answer(record: dict[str, Any]) -> str:
    return json.dumps(jsonable(record), sort_keys=True)


def _last_entry(store: Store, record_id: int) -> Any:
    with store.engine.connect() as connection:
        return connection.execute(
            select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
            .where(AuditEntry.object_type == "engagement", AuditEntry.object_id == str(record_id))
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        ).one()


def _stored(store: Store, record_id: int) -> dict[str, Any]:
    table = table_of(Engagement)
    with store.engine.connect() as connection:
        return row_snapshot(connection.execute(select(table).where(table.c.id == record_id)).one()._mapping)


def test_create_and_update_answer_what_the_database_holds(
    real_store: Store, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    author = make_person(Role.EDITOR, "NOR", "SECRET").principal
    writer = Writer(real_store)
    tag = fresh_tag()
    asks = [None, MarkingRequest("CONFIDENTIAL", (), tag), MarkingRequest("SECRET", ("DNK",), tag)]
    for number, marking in enumerate(asks):
        made = writer.create(
            author,
            "engagements",
            {"kind": "visit", "title": f"{tag} {number}", "host_state_id": state_ids["NOR"], "valid_from": "2025-05"},
            marking=marking,
        )
        pending = marking is not None and bool(marking.releasable_to)
        assert _answer(made) == _reference(real_store, made["id"], pending=pending)
        entry = _last_entry(real_store, made["id"])
        assert (entry.action, entry.before) == ("create", "null")
        assert entry.after == canonical_json(_stored(real_store, made["id"]))

        before = _stored(real_store, made["id"])
        changed = writer.update(
            author, "engagements", made["id"], {"title": f"{tag} {number} again"}, version=made["version"]
        )
        assert changed["version"] == made["version"] + 1
        assert _answer(changed) == _reference(real_store, made["id"], pending=False)
        entry = _last_entry(real_store, made["id"])
        assert entry.action == "update"
        assert entry.before == canonical_json(before)
        assert entry.after == canonical_json(_stored(real_store, made["id"]))

        # a new marking on update: narrower (no release) or wider (a release request)
        remarked = writer.update(
            author,
            "engagements",
            made["id"],
            {},
            version=changed["version"],
            marking=MarkingRequest("SECRET", ("SWE",), tag + "x"),
        )
        assert _answer(remarked) == _reference(real_store, made["id"], pending=True)


def test_writes_refuse_as_before(real_store: Store, make_person: MakePerson, state_ids: dict[str, int]) -> None:
    author = make_person(Role.EDITOR, "NOR", "SECRET").principal
    outsider = make_person(Role.EDITOR, "FRA", "SECRET").principal
    writer = Writer(real_store)
    made = writer.create(
        author,
        "engagements",
        {"kind": "visit", "title": fresh_tag(), "host_state_id": state_ids["NOR"]},
        marking=MarkingRequest("CONFIDENTIAL", ()),
    )
    with pytest.raises(NotFoundError, match=f"no engagements record with id {made['id']} that you may see"):
        writer.update(outsider, "engagements", made["id"], {"title": "not mine"}, version=made["version"])
    with pytest.raises(NotFoundError, match="that you may see"):
        writer.update(author, "engagements", 2_000_000_000, {"title": "nothing"}, version=1)
    writer.update(author, "engagements", made["id"], {"title": "first"}, version=made["version"])
    with pytest.raises(ConflictError, match="changed by someone else"):
        writer.update(author, "engagements", made["id"], {"title": "stale"}, version=made["version"])
    assert _stored(real_store, made["id"])["title"] == "first"


def _markings_saying(store: Store, caveat: str) -> list[int]:
    with store.engine.connect() as connection:
        return sorted(connection.execute(select(Marking.id).where(Marking.caveat == caveat)).scalars())


def test_a_marking_made_by_another_store_is_used_not_made_again(
    real_store: Store, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    """Another process (here: another store, with caches of its own) made the marking after this process last
    wrote: the write finds it and makes no second one."""
    author = make_person(Role.EDITOR, "NOR", "SECRET").principal
    writer = Writer(real_store)
    values = {"kind": "visit", "host_state_id": state_ids["NOR"]}
    writer.create(author, "engagements", {**values, "title": fresh_tag()})  # this process's book is current
    caveat = "elsewhere " + fresh_tag()
    other = Store.open(real_store.engine.url.render_as_string(hide_password=False))
    try:
        first = Writer(other).create(
            author, "engagements", {**values, "title": fresh_tag()}, marking=MarkingRequest("SECRET", (), caveat)
        )
    finally:
        other.close()
    second = writer.create(
        author, "engagements", {**values, "title": fresh_tag()}, marking=MarkingRequest("SECRET", (), caveat)
    )
    assert second["marking_id"] == first["marking_id"]
    assert _markings_saying(real_store, caveat) == [first["marking_id"]]
    assert second["marking"] == {"classification": "SECRET", "releasable_to": ["NOR"], "caveat": caveat}


def test_a_marking_written_by_hand_is_looked_up_in_the_database(
    real_store: Store, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    """A marking written without an audit entry leaves the audit log's data head (the key of every per-process
    markings cache) as it was: a write that asks for it still finds it in the database."""
    author = make_person(Role.EDITOR, "NOR", "SECRET").principal
    writer = Writer(real_store)
    values = {"kind": "visit", "host_state_id": state_ids["NOR"]}
    writer.create(author, "engagements", {**values, "title": fresh_tag()})
    caveat = "by hand " + fresh_tag()
    with real_store.engine.begin() as connection:
        by_hand = connection.execute(
            insert(Marking)
            .values(classification="CONFIDENTIAL", releasable_to=["NOR"], caveat=caveat)
            .returning(Marking.id)
        ).scalar_one()
    made = writer.create(
        author, "engagements", {**values, "title": fresh_tag()}, marking=MarkingRequest("CONFIDENTIAL", (), caveat)
    )
    assert made["marking_id"] == by_hand
    assert made["marking"] == {"classification": "CONFIDENTIAL", "releasable_to": ["NOR"], "caveat": caveat}
    assert _markings_saying(real_store, caveat) == [by_hand]


def test_a_changed_marking_is_shown_as_it_is_now(
    real_store: Store, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    """Markings can change through an audited write (the records service): the next write's answer shows the
    marking as it is then, not as an earlier read of it had it."""
    author = make_person(Role.EDITOR, "NOR", "TOP SECRET").principal
    writer = Writer(real_store)
    caveat = "changing " + fresh_tag()
    made = writer.create(
        author,
        "engagements",
        {"kind": "visit", "title": fresh_tag(), "host_state_id": state_ids["NOR"]},
        marking=MarkingRequest("SECRET", (), caveat),
    )
    assert made["marking"]["classification"] == "SECRET"
    Records(real_store).update(Marking, made["marking_id"], {"classification": "TOP_SECRET"}, actor="test")
    changed = writer.update(author, "engagements", made["id"], {"title": fresh_tag()}, version=made["version"])
    assert changed["marking"] == {"classification": "TOP SECRET", "releasable_to": ["NOR"], "caveat": caveat}
    with real_store.engine.connect() as connection:
        assert connection.scalar(select(func.count()).where(Marking.caveat == caveat)) == 1


def test_an_update_given_the_wrong_locked_record_is_refused(real_store: Store) -> None:
    table = table_of(Engagement)
    with real_store.engine.connect() as connection:
        first, second = connection.execute(select(table.c.id).order_by(table.c.id).limit(2)).scalars()
    with Records(real_store).batch(actor="test") as work:
        locked = work.read(Engagement, first, lock=True)
        with pytest.raises(ValueError, match="locked record"):
            work.update(Engagement, second, {"title": "never"}, locked=locked)
