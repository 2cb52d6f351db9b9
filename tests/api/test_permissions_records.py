"""The permission matrix over the other marked user records: security-assistance cases (with their lines,
deliveries and end-use checks), attaché postings, negotiations (with their parties, rounds and issues),
peacekeeping requirements and pledges, compliance declarations, journal notes, and citations.

Every record is made in each marking of :data:`~tests.api.permission_matrix.MARKINGS` (one release still
awaiting its second editor) and read by every reader of :data:`~tests.api.permission_matrix.READERS`, through
get (404 when hidden, never 403), list, count, export, children and history. The expected answers follow the
rules written out here, apart from the code under test:

- a marked record: :meth:`~tests.api.permission_matrix.Marked.seen_by`;
- a child record (a case line, a delivery, a negotiation round ...): exactly when its parent is seen;
- a citation or a journal note names the record it is about, so it is seen only when that record is (and, for
  a note, which is marked itself, when its own marking lets the reader see it too): a note released to every
  partner on a SECRET case must not tell an uncleared reader that the case exists, nor what was noted on it.

Only reports are searchable (their matrix, search included, is in ``test_permissions.py``): these resources
offer no ``q`` parameter, so there is no search of them to leak through.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from detente.domain.markings import Role
from detente.services.records import Records
from detente.services.writing import Writer
from detente.store.database import Store
from detente.store.models import Citation, SourceVersion
from tests.api.conftest import MakePerson, fresh_tag
from tests.api.permission_matrix import MARKINGS, READERS, Marked, Reader, create_marked, ids, role_of

MARKED = ("cases", "postings", "negotiations", "missions", "requirements", "pledges", "declarations", "journal")
"""The marked resources of this matrix (each record of them made once per marking)."""

ENTITY = {"cases": "assistance_case", "negotiations": "negotiation", "case-lines": "assistance_line"}
"""How a citation or a journal note names the kind of record it is about."""

WIDE = Marked("UNCLASSIFIED", ("GBR", "DEU", "USA"), True)
"""A marking every reader of the matrix may see (each is of one of these states, or of FRA)."""

POSTING_YEAR = "1911"
"""The postings of the matrix are in force in this year only, so ``as_of`` finds them and nobody else's."""


@dataclass
class World:
    tag: str
    mission_id: int
    agreement_id: int
    marked: dict[str, dict[int, Marked]] = field(default_factory=dict)
    """resource -> record id -> its marking"""
    children: dict[str, dict[int, tuple[str, int]]] = field(default_factory=dict)
    """child resource -> child id -> (the top-level resource whose marking it takes, that record's id)"""
    child_of: dict[str, dict[int, int]] = field(default_factory=dict)
    """child resource -> its parent's id (the key it is filtered by) -> child id"""
    citations: dict[int, tuple[str, int]] = field(default_factory=dict)
    """citation id -> (the resource whose marking decides, that record's id)"""
    wide_notes: dict[int, int] = field(default_factory=dict)
    """id of a journal note marked :data:`WIDE` -> the case it is about"""

    def seen(self, reader: Reader, name: str, record_id: int) -> bool:
        return self.marked[name][record_id].seen_by(*reader)

    def expected(self, reader: Reader, name: str) -> set[int]:
        return {i for i in self.marked[name] if self.seen(reader, name, i)}


PARENT_KEYS = {
    "case-lines": "case_id",
    "deliveries": "line_id",
    "end-use-checks": "case_id",
    "negotiation-parties": "negotiation_id",
    "negotiation-rounds": "negotiation_id",
    "negotiation-issues": "negotiation_id",
}


def _add_child(world: World, name: str, child: dict[str, Any], owner: tuple[str, int]) -> None:
    world.children.setdefault(name, {})[child["id"]] = owner
    world.child_of.setdefault(name, {})[child[PARENT_KEYS[name]]] = child["id"]


@pytest.fixture(scope="module")
def world(real_store: Store, make_person: MakePerson, state_ids: dict[str, int]) -> World:
    author = make_person(Role.EDITOR, "FRA", "TOP SECRET")
    second = make_person(Role.EDITOR, "FRA", "TOP SECRET")
    writer = Writer(real_store)
    tag = fresh_tag()
    me = author.principal
    # the requirements and pledges of the matrix are for a mission every reader may see (a hidden mission hides
    # them whatever their own marking: tests/api/test_mission_marks.py); the marked missions are made below
    shared_mission = {"code": tag[:12].upper(), "name": f"{tag} mission", "kind": "un_pko"}
    mission = create_marked(writer, author, second, "missions", shared_mission, WIDE)
    agreement = writer.create(me, "agreements", {"kind": "arms_control", "title": f"{tag} treaty"})
    world = World(tag, mission["id"], agreement["id"], {name: {} for name in MARKED})
    with real_store.engine.connect() as connection:
        version = connection.scalar(select(SourceVersion.id).order_by(SourceVersion.id).limit(1))
    assert version is not None, "the store holds loaded sources to cite"

    def make(name: str, values: dict[str, Any], marked: Marked) -> dict[str, Any]:
        record = create_marked(writer, author, second, name, values, marked)
        world.marked[name][record["id"]] = marked
        return record

    def cite(kind: str, object_id: int, owner: tuple[str, int]) -> None:
        row = Records(real_store).create(
            Citation,
            {"object_type": ENTITY[kind], "object_id": object_id, "source_version_id": version, "locator": tag},
            actor="test",
        )
        world.citations[int(row["id"])] = owner

    for number, marked in enumerate(MARKINGS):
        case = make(
            "cases",
            {
                "reference": f"{tag}-{number}",
                "title": f"{tag} patrol boats",
                "programme": "fms",
                "provider_state_id": state_ids["FRA"],
                "recipient_state_id": state_ids["SEN"],
                "requested_on": "2024-02-01",
            },
            marked,
        )
        owner = ("cases", case["id"])
        line = writer.create(
            me, "case-lines", {"case_id": case["id"], "line_number": 1, "description": "boat", "quantity": 2}
        )
        _add_child(world, "case-lines", line, owner)
        delivery = writer.create(me, "deliveries", {"line_id": line["id"], "delivered_on": "2024-06-01", "quantity": 1})
        _add_child(world, "deliveries", delivery, owner)
        check = writer.create(
            me, "end-use-checks", {"case_id": case["id"], "checked_on": "2024-09-01", "result": "compliant"}
        )
        _add_child(world, "end-use-checks", check, owner)
        cite("cases", case["id"], owner)
        cite("case-lines", line["id"], owner)
        make("journal", {"object_type": "assistance_case", "object_id": case["id"], "body": f"{tag} noted"}, marked)
        note = {"object_type": "assistance_case", "object_id": case["id"], "body": f"{tag} for all"}
        wide_note = create_marked(writer, author, second, "journal", note, WIDE)
        world.wide_notes[wide_note["id"]] = case["id"]

        make(
            "postings",
            {
                "person_name": f"{tag} attaché {number}",
                "sending_state_id": state_ids["FRA"],
                "host_state_id": state_ids["SEN"],
                "title": "Defence Attaché",
                "valid_from": f"{POSTING_YEAR}-01-01",
                "valid_to": f"{POSTING_YEAR}-12-31",
            },
            marked,
        )

        negotiation = make("negotiations", {"title": f"{tag} ceasefire talks {number}"}, marked)
        owner = ("negotiations", negotiation["id"])
        key = {"negotiation_id": negotiation["id"]}
        party = {**key, "state_id": state_ids["SEN"], "actor_name": "Senegal", "role": "party"}
        _add_child(world, "negotiation-parties", writer.create(me, "negotiation-parties", party), owner)
        rounds = writer.create(me, "negotiation-rounds", {**key, "number": 1, "venue": "Dakar"})
        _add_child(world, "negotiation-rounds", rounds, owner)
        issue = writer.create(me, "negotiation-issues", {**key, "issue": "withdrawal", "positions": {"SEN": "yes"}})
        _add_child(world, "negotiation-issues", issue, owner)
        cite("negotiations", negotiation["id"], owner)

        make(
            "missions",
            {
                "code": f"{tag[:8]}-{number}".upper(),
                "name": f"{tag} observer mission {number}",
                "kind": "multinational",
                "host_state_id": state_ids["SEN"],
            },
            marked,
        )
        requirement = make(
            "requirements",
            {"mission_id": mission["id"], "capability_type": "level2_hospital", "size": 60 + number},
            marked,
        )
        make(
            "pledges",
            {
                "state_id": state_ids["SEN"],
                "mission_id": mission["id"],
                "requirement_id": requirement["id"],
                "capability_type": "level2_hospital",
                "size": 60 + number,
                "readiness_level": "L2",
                "pledged_on": "2024-03-01",
            },
            marked,
        )
        make(
            "declarations",
            {
                "agreement_id": agreement["id"],
                "party_state_id": state_ids["FRA"],
                "as_of": f"2024-0{number + 1}-01",
                "counts": {"warheads": 290 + number},
            },
            marked,
        )
    return world


@pytest.mark.parametrize("reader", READERS, ids=["-".join((n, c, *a)) for n, c, a in READERS])
def test_no_leak_for_reader(
    client: TestClient, make_person: MakePerson, world: World, state_ids: dict[str, int], reader: Reader
) -> None:
    role = role_of(reader)
    person = make_person(role, *reader)
    h = person.headers

    def get(path: str, **params: Any) -> Any:
        return client.get(path, params=params, headers=h)

    filters: dict[str, dict[str, Any]] = {
        "cases": {"state_id": state_ids["SEN"], "programme": "fms"},
        "postings": {"as_of": POSTING_YEAR, "host_state_id": state_ids["SEN"]},
        "negotiations": {"title": world.tag},
        "missions": {"host_state_id": state_ids["SEN"]},
        "requirements": {"mission_id": world.mission_id},
        "pledges": {"mission_id": world.mission_id},
        "declarations": {"agreement_id": world.agreement_id},
        "journal": {"object_type": "assistance_case"},
    }
    # cases, journal notes and missions are filtered by a state or a kind others use too: only the world's ids count
    shared = {"cases", "journal", "missions"}
    visible_notes = {note for note, case in world.wide_notes.items() if world.seen(reader, "cases", case)}

    for name in MARKED:
        expected = world.expected(reader, name)
        if name == "journal":
            # a marked note on a case: seen when both it and the case are (they share a marking here)
            expected = {i for i in expected if world.seen(reader, "cases", _note_case(world, i))}
        mine = set(world.marked[name]) | (set(world.wide_notes) if name == "journal" else set())
        wanted = expected | (visible_notes if name == "journal" else set())

        # list and count
        listed = get(f"/{name}", limit=500, **filters[name])
        assert listed.status_code == 200, listed.text
        if name in shared:
            assert ids(listed.json()) & mine == wanted, name
        else:
            assert ids(listed.json()) == wanted, name
            assert listed.json()["total"] == len(wanted), name
            assert get(f"/{name}/count", **filters[name]).json() == {"count": len(wanted)}, name

        # get and history: a record one may not see is a 404, never a 403
        for record_id in mine:
            got = get(f"/{name}/{record_id}")
            history = get(f"/{name}/{record_id}/history")
            if record_id in wanted:
                assert (got.status_code, history.status_code) == (200, 200), (name, record_id, got.text)
                assert any(entry["action"] == "create" for entry in history.json())
            else:
                assert (got.status_code, history.status_code) == (404, 404), (name, record_id, got.text)
                assert got.json()["error"] == "not_found"

        # export: analysts and up, and only what they may see
        exported = get(f"/{name}/export", format="json", **filters[name])
        if role.at_least(Role.ANALYST):
            assert exported.status_code == 200, exported.text
            assert {row["id"] for row in json.loads(exported.text)} & mine == wanted, name
        else:
            assert exported.status_code == 403

    # per case: its reference finds it exactly when it may be seen; its notes count only when it is seen
    for case_id, marked in world.marked["cases"].items():
        seen = marked.seen_by(*reader)
        reference = f"{world.tag}-{list(world.marked['cases']).index(case_id)}"
        assert get("/cases/count", reference=reference).json() == {"count": int(seen)}
        notes = get("/journal/count", object_type="assistance_case", object_id=case_id).json()
        assert notes == {"count": 2 if seen else 0}, case_id

    # children: seen exactly when the record they belong to is, whichever way they are asked for
    for child_name, children in world.children.items():
        key = PARENT_KEYS[child_name]
        parents = {child: parent for parent, child in world.child_of[child_name].items()}
        for child_id, (owner, owner_id) in children.items():
            seen = world.seen(reader, owner, owner_id)
            got = get(f"/{child_name}/{child_id}")
            assert got.status_code == (200 if seen else 404), (child_name, child_id)
            counted = get(f"/{child_name}/count", **{key: parents[child_id]}).json()
            assert counted == {"count": int(seen)}, (child_name, child_id)
        if role.at_least(Role.ANALYST):
            rows = json.loads(get(f"/{child_name}/export", format="json").text)
            wanted = {c for c, (owner, owner_id) in children.items() if world.seen(reader, owner, owner_id)}
            assert {row["id"] for row in rows} & set(children) == wanted, child_name

    # a visible case embeds its lines (with their deliveries) and end-use checks
    for case_id in world.expected(reader, "cases"):
        case = get(f"/cases/{case_id}").json()
        [line] = case["case_lines"]
        assert line["id"] == world.child_of["case-lines"][case_id]
        assert [d["id"] for d in line["deliveries"]] == [world.child_of["deliveries"][line["id"]]]
        assert [c["id"] for c in case["end_use_checks"]] == [world.child_of["end-use-checks"][case_id]]

    # citations: seen exactly when the record they cite is
    wanted = {c for c, (owner, owner_id) in world.citations.items() if world.seen(reader, owner, owner_id)}
    for citation_id in world.citations:
        assert get(f"/citations/{citation_id}").status_code == (200 if citation_id in wanted else 404)
    listed_citations = ids(get("/citations", limit=500, object_type="assistance_case").json())
    listed_citations |= ids(get("/citations", limit=500, object_type="negotiation").json())
    listed_citations |= ids(get("/citations", limit=500, object_type="assistance_line").json())
    assert listed_citations & set(world.citations) == wanted
    if role.at_least(Role.ANALYST):
        rows = json.loads(get("/citations/export", format="json").text)
        assert {row["id"] for row in rows} & set(world.citations) == wanted


def _note_case(world: World, note_id: int) -> int:
    """The case a marked journal note of the world is about (made in the same order as the cases)."""
    position = list(world.marked["journal"]).index(note_id)
    return list(world.marked["cases"])[position]
