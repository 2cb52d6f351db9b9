"""Citations written by users over REST (issue 6), on SQLite and PostgreSQL, with the real data loaded.

A citation ties a user's record to a loaded source version, with where in it (``locator``) and a note.
Analysts and up write them; citing a record needs the role that changes it, and the record must be one the
writer may see (a hidden record is a 404 naming ``object_id``, word for word the answer for one that does
not exist). What it cites is fixed once written; the locator and note change with the version read (409
when stale). Every write is one audit entry. A citation of a child record (an engagement's participant) is
seen exactly when its parent is: absent from list, count and export, and a 404 on get, for anyone else.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from detente.domain.markings import Role
from detente.store.database import Store
from detente.store.models import AuditEntry, Citation, SourceVersion
from tests.api.conftest import MakePerson, Person, fresh_tag


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _source_version(store: Store) -> int:
    """A source version the real data loaded (the lowest id)."""
    with store.engine.connect() as connection:
        found = connection.scalar(select(func.min(SourceVersion.id)))
    assert found is not None
    return int(found)


def _engagement(client: TestClient, who: Person) -> dict[str, Any]:
    """An engagement marked with the default marking: UNCLASSIFIED, releasable to the writer's state only."""
    return _ok(client.post("/engagements", json={"kind": "visit", "title": fresh_tag()}, headers=who.headers), 201)


def _cite(client: TestClient, who: Person, kind: str, ident: int, version: int, locator: str = "table 2, row 7") -> Any:
    body = {"object_type": kind, "object_id": ident, "source_version_id": version, "locator": locator}
    return client.post("/citations", json=body, headers=who.headers)


def _audit(store: Store, citation_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(action, actor, after) of every audit entry of the citation, oldest first."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(AuditEntry.action, AuditEntry.actor, AuditEntry.after)
            .where(AuditEntry.object_type == "citation", AuditEntry.object_id == str(citation_id))
            .order_by(AuditEntry.seq)
        ).all()
    return [(action, actor, json.loads(after)) for action, actor, after in rows]


def _stored(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Citation)) or 0)


def test_create_change_and_delete_a_citation_audited(
    client: TestClient, make_person: MakePerson, real_store: Store
) -> None:
    editor = make_person(Role.EDITOR, "FRA", "SECRET")
    version = _source_version(real_store)
    engagement = _engagement(client, editor)

    made = _ok(_cite(client, editor, "engagement", engagement["id"], version), 201)
    assert (made["object_type"], made["object_id"], made["source_version_id"]) == (
        "engagement",
        engagement["id"],
        version,
    )
    assert made["locator"] == "table 2, row 7" and made["version"] == 1
    assert _ok(client.get(f"/citations/{made['id']}", headers=editor.headers))["locator"] == "table 2, row 7"
    found = _ok(client.get("/citations", params={"object_type": "engagement", "object_id": engagement["id"]},
                           headers=editor.headers))  # fmt: skip
    assert [row["id"] for row in found["items"]] == [made["id"]]

    changed = _ok(
        client.patch(
            f"/citations/{made['id']}", json={"locator": "p. 12", "note": "second edition", "version": 1},
            headers=editor.headers,
        )
    )  # fmt: skip
    assert (changed["locator"], changed["note"], changed["version"]) == ("p. 12", "second edition", 2)
    stale = client.patch(f"/citations/{made['id']}", json={"locator": "p. 99", "version": 1}, headers=editor.headers)
    assert stale.status_code == 409, stale.text
    no_version = client.patch(f"/citations/{made['id']}", json={"locator": "p. 99"}, headers=editor.headers)
    assert no_version.status_code == 422 and no_version.json()["fields"][0]["field"] == "version"
    # what it cites is fixed: the API's schema does not take it, the service refuses it too
    moved = client.patch(f"/citations/{made['id']}", json={"object_id": 1, "version": 2}, headers=editor.headers)
    assert moved.status_code == 422 and moved.json()["fields"][0]["field"] == "object_id"
    assert _ok(client.get(f"/citations/{made['id']}", headers=editor.headers))["locator"] == "p. 12"

    # the cited engagement cannot be deleted while the citation stands
    refused = client.delete(f"/engagements/{engagement['id']}", params={"version": 1}, headers=editor.headers)
    assert refused.status_code == 409 and "cited by 1 citations" in refused.text

    unversioned = client.delete(f"/citations/{made['id']}", headers=editor.headers)
    assert unversioned.status_code == 422 and unversioned.json()["fields"][0]["field"] == "version"
    stale_delete = client.delete(f"/citations/{made['id']}", params={"version": 1}, headers=editor.headers)
    assert stale_delete.status_code == 409, stale_delete.text
    gone = _ok(client.delete(f"/citations/{made['id']}", params={"version": 2}, headers=editor.headers))
    assert gone["locator"] == "p. 12"
    assert client.get(f"/citations/{made['id']}", headers=editor.headers).status_code == 404
    _ok(client.delete(f"/engagements/{engagement['id']}", params={"version": 1}, headers=editor.headers))

    entries = _audit(real_store, made["id"])
    assert [action for action, _, _ in entries] == ["create", "update", "delete"]
    assert {actor for _, actor, _ in entries} == {editor.principal.username}
    assert entries[0][2] is not None and entries[0][2]["locator"] == "table 2, row 7"
    assert entries[1][2] is not None and entries[1][2]["locator"] == "p. 12"


def test_roles_gate_citations(client: TestClient, make_person: MakePerson, real_store: Store) -> None:
    version = _source_version(real_store)
    editor = make_person(Role.EDITOR, "FRA", "SECRET")
    analyst = make_person(Role.ANALYST, "FRA", "SECRET")
    viewer = make_person(Role.VIEWER, "FRA", "SECRET")
    engagement = _engagement(client, editor)
    report = _ok(
        client.post(
            "/reports",
            json={"reported_on": "2025-03-01", "title": fresh_tag(), "body": "talks", "reliability": "B",
                  "credibility": 2},
            headers=analyst.headers,
        ),
        201,
    )  # fmt: skip
    before = _stored(real_store)

    # a viewer writes no citation; an analyst cites what an analyst writes (a report), not an engagement
    assert _cite(client, viewer, "report", report["id"], version).status_code == 403
    refused = _cite(client, analyst, "engagement", engagement["id"], version)
    assert refused.status_code == 403 and "editor role" in refused.text
    assert _stored(real_store) == before
    made = _ok(_cite(client, analyst, "report", report["id"], version), 201)
    assert made["object_type"] == "report"
    assert client.delete(f"/citations/{made['id']}", params={"version": 1}, headers=viewer.headers).status_code == 403
    _ok(client.delete(f"/citations/{made['id']}", params={"version": 1}, headers=analyst.headers))


def test_refusals_name_the_field_and_store_nothing(
    client: TestClient, make_person: MakePerson, real_store: Store
) -> None:
    version = _source_version(real_store)
    french = make_person(Role.EDITOR, "FRA", "SECRET")
    american = make_person(Role.EDITOR, "USA", "SECRET")
    hidden = _engagement(client, french)  # releasable to France only
    before = _stored(real_store)

    unknown_kind = _cite(client, french, "spaceship", 1, version)
    assert unknown_kind.status_code == 422
    [problem] = unknown_kind.json()["fields"]
    assert problem["field"] == "object_type"
    assert "engagement" in problem["message"] and "assistance_line" in problem["message"]
    # public records carry their source version themselves: they are not cited through this route
    assert _cite(client, french, "state", 1, version).status_code == 422

    no_version = _cite(client, french, "engagement", hidden["id"], 2_000_000_000)
    assert no_version.status_code == 422, no_version.text
    assert no_version.json()["fields"][0]["field"] == "source_version_id"
    assert "no source version with id 2000000000" in no_version.text

    # hidden from the American: a 404 naming object_id, the same words as for a record that does not exist
    unseen = _cite(client, american, "engagement", hidden["id"], version)
    missing = _cite(client, american, "engagement", 2_000_000_000, version)
    assert unseen.status_code == missing.status_code == 404
    assert unseen.json()["fields"][0]["field"] == "object_id"
    assert unseen.json()["message"].replace(str(hidden["id"]), "N") == missing.json()["message"].replace(
        "2000000000", "N"
    )
    assert _stored(real_store) == before

    # the French editor's citation cannot be changed or deleted by the American (a 404: they may not see it)
    made = _ok(_cite(client, french, "engagement", hidden["id"], version), 201)
    assert client.patch(f"/citations/{made['id']}", json={"note": "x", "version": 1},
                        headers=american.headers).status_code == 404  # fmt: skip
    refused_delete = client.delete(f"/citations/{made['id']}", params={"version": 1}, headers=american.headers)
    assert refused_delete.status_code == 404
    _ok(client.delete(f"/citations/{made['id']}", params={"version": 1}, headers=french.headers))


def test_citations_of_child_records_follow_their_parent(
    client: TestClient, make_person: MakePerson, real_store: Store, state_ids: dict[str, int]
) -> None:
    version = _source_version(real_store)
    french = make_person(Role.EDITOR, "FRA", "SECRET")
    american = make_person(Role.ANALYST, "USA", "TOP SECRET")
    engagement = _engagement(client, french)  # releasable to France only
    participant = _ok(
        client.post(
            "/engagement-participants",
            json={"engagement_id": engagement["id"], "state_id": state_ids["FRA"], "name_as_given": "France"},
            headers=french.headers,
        ),
        201,
    )
    locator = fresh_tag()
    child = _ok(_cite(client, french, "engagement_participant", participant["id"], version, locator), 201)
    parent = _ok(_cite(client, french, "engagement", engagement["id"], version, locator), 201)
    mine = {child["id"], parent["id"]}

    def seen(who: Person) -> tuple[set[int], int, set[int]]:
        params: dict[str, Any] = {"source_version_id": version, "limit": 500}
        listed = {
            row["id"]
            for row in _ok(client.get("/citations", params=params, headers=who.headers))["items"]
            if row["locator"] == locator
        }
        counted = _ok(
            client.get(
                "/citations/count",
                params={"object_type": "engagement_participant", "object_id": participant["id"]},
                headers=who.headers,
            )
        )
        exported = client.get("/citations/export", params={**params, "format": "json"}, headers=who.headers)
        assert exported.status_code == 200, exported.text
        in_export = {row["id"] for row in json.loads(exported.text) if row["locator"] == locator}
        return listed, int(counted["count"]), in_export  # fmt: skip

    assert seen(french) == (mine, 1, mine)
    assert seen(american) == (set(), 0, set())
    for citation in mine:
        assert client.get(f"/citations/{citation}", headers=french.headers).status_code == 200
        assert client.get(f"/citations/{citation}", headers=american.headers).status_code == 404

    # the participant cannot go while it is cited
    refused = client.delete(
        f"/engagement-participants/{participant['id']}",
        params={"version": participant["version"]},
        headers=french.headers,
    )
    assert refused.status_code == 409 and "cited by 1 citations" in refused.text
