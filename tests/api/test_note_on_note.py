"""A journal note on a journal note is seen only when the whole chain is: the note, the note it is about, and the
record that one is about. A public note on a public note on a SECRET case tells an uncleared reader nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from detente.domain.markings import Role
from detente.services.writing import Writer
from detente.store.database import Store
from tests.api.conftest import MakePerson, fresh_tag
from tests.api.permission_matrix import Marked, create_marked

WIDE = Marked("UNCLASSIFIED", ("GBR", "DEU", "USA"), True)
SECRET_HOME = Marked("SECRET", (), True)


def test_a_note_on_a_note_follows_the_record_at_the_end_of_the_chain(
    client: TestClient, real_store: Store, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    author = make_person(Role.EDITOR, "FRA", "TOP SECRET")
    second = make_person(Role.EDITOR, "FRA", "TOP SECRET")
    writer = Writer(real_store)
    tag = fresh_tag()
    case = create_marked(
        writer,
        author,
        second,
        "cases",
        {
            "reference": tag,
            "title": f"{tag} patrol boats",
            "programme": "fms",
            "provider_state_id": state_ids["FRA"],
            "recipient_state_id": state_ids["SEN"],
            "requested_on": "2024-02-01",
        },
        SECRET_HOME,
    )
    on_case = create_marked(
        writer,
        author,
        second,
        "journal",
        {"object_type": "assistance_case", "object_id": case["id"], "body": tag},
        WIDE,
    )
    on_note = create_marked(
        writer,
        author,
        second,
        "journal",
        {"object_type": "journal_note", "object_id": on_case["id"], "body": f"{tag} follow-up"},
        WIDE,
    )
    mine = {on_case["id"], on_note["id"]}
    for reader, sees in (
        (author, mine),
        (make_person(Role.VIEWER, "FRA", "SECRET"), mine),
        (make_person(Role.ANALYST, "DEU", "TOP SECRET"), set()),
        (make_person(Role.VIEWER, "FRA", "CONFIDENTIAL"), set()),
    ):
        listed = client.get("/journal", params={"q": tag, "limit": 100}, headers=reader.headers)
        assert listed.status_code == 200, listed.text
        assert {item["id"] for item in listed.json()["items"]} & mine == sees
        for note in mine:
            got = client.get(f"/journal/{note}", headers=reader.headers)
            assert got.status_code == (200 if note in sees else 404), (reader.principal, note, got.text)
        about = client.get(
            "/journal/count", params={"object_type": "journal_note", "object_id": on_case["id"]}, headers=reader.headers
        )
        assert about.json() == {"count": len(sees & {on_note["id"]})}

    third = {"object_type": "journal_note", "object_id": on_note["id"], "body": f"{tag} third"}
    deeper = client.post("/journal", json=third, headers=author.headers)
    assert deeper.status_code == 422, deeper.text
    assert "notes go two deep at most" in deeper.text and f"journal note {on_case['id']}" in deeper.text
