"""Missions users record carry a marking, and the requirements and pledges naming them follow it.

A mission loaded from a source is public; a user's own mission is marked like any other user record: a reader
it is not released to (wrong state, or a clearance below its level) gets 404 for it and never finds it in a
list, a count or an export, and a release to partners takes effect only once a second editor approves it. A
requirement or a pledge for a hidden mission (and a pledge's verification visits) is hidden with it, even
when its own marking would let the reader see it, and nobody can name a mission they may not see.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from detente.domain.markings import Role
from detente.services.exports import export_frame
from detente.store.database import Store
from tests.api.conftest import MakePerson, Person, fresh_tag

SHARED = {"classification": "UNCLASSIFIED", "releasable_to": ["GBR"]}


def _created(client: TestClient, who: Person, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _request(client: TestClient, who: Person, object_id: int, object_type: str = "mission") -> int:
    """The id of the pending release request of one record, as ``who`` lists them."""
    pending = client.get("/releases", headers=who.headers).json()
    [request] = [r for r in pending if (r["object_type"], r["object_id"]) == (object_type, object_id)]
    return int(request["id"])


def _approve(client: TestClient, approver: Person, object_type: str, object_id: int) -> None:
    """The second editor approves the pending release of one record."""
    request_id = _request(client, approver, object_id, object_type)
    response = client.post(f"/releases/{request_id}/approve", headers=approver.headers)
    assert response.status_code == 200, response.text


def _sees(client: TestClient, who: Person, name: str, record_id: int, filters: dict[str, Any]) -> set[str]:
    """Where ``who`` finds record ``record_id`` of ``name``: get, list, count and export (empty: nowhere)."""
    found = set()
    got = client.get(f"/{name}/{record_id}", headers=who.headers)
    assert got.status_code in (200, 404), got.text
    if got.status_code == 200:
        found.add("get")
    listed = client.get(f"/{name}", params=filters, headers=who.headers)
    assert listed.status_code == 200, listed.text
    if record_id in {row["id"] for row in listed.json()["items"]}:
        found.add("list")
    counted = client.get(f"/{name}/count", params=filters, headers=who.headers)
    assert counted.status_code == 200, counted.text
    if counted.json()["count"]:
        found.add("count")
    exported = client.get(f"/{name}/export", params={"format": "json", **filters}, headers=who.headers)
    assert exported.status_code == 200, exported.text
    if record_id in {row["id"] for row in exported.json()}:
        found.add("export")
    return found


EVERYWHERE = {"get", "list", "count", "export"}


def test_a_user_mission_is_marked_and_seen_only_by_those_it_is_released_to(
    client: TestClient, make_person: MakePerson, real_store: Store
) -> None:
    author, colleague = make_person(Role.EDITOR, "FRA", "SECRET"), make_person(Role.EDITOR, "FRA", "SECRET")
    partner = make_person(Role.ANALYST, "GBR", "SECRET")
    uncleared = make_person(Role.ANALYST, "GBR", "RESTRICTED")
    outsider = make_person(Role.ANALYST, "ESP", "SECRET")
    code = fresh_tag()
    mission = _created(
        client,
        author,
        "/missions",
        {
            "code": code,
            "name": "Planned stabilisation force",
            "kind": "multinational",
            "marking": {"classification": "SECRET", "releasable_to": ["GBR"]},
        },
    )
    # the release to GBR waits for a second editor: until then the mission is France's alone
    assert mission["release_pending"] is True
    assert mission["marking"]["classification"] == "SECRET"
    assert mission["marking"]["releasable_to"] == ["FRA"]
    by_code = {"code": code}
    assert _sees(client, colleague, "missions", mission["id"], by_code) == EVERYWHERE
    assert _sees(client, partner, "missions", mission["id"], by_code) == set()

    refused = client.post(f"/releases/{_request(client, author, mission['id'])}/approve", headers=author.headers)
    assert refused.status_code == 409 and "four-eyes" in refused.text
    assert _sees(client, partner, "missions", mission["id"], by_code) == set()
    _approve(client, colleague, "mission", mission["id"])
    assert _sees(client, partner, "missions", mission["id"], by_code) == EVERYWHERE
    assert _sees(client, uncleared, "missions", mission["id"], by_code) == set()
    assert _sees(client, outsider, "missions", mission["id"], by_code) == set()

    # the command line's export is public data only
    assert code not in export_frame(real_store, "missions")["mission"].to_list()


def test_requirements_and_pledges_of_a_hidden_mission_are_hidden_with_it(
    client: TestClient, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    author, colleague = make_person(Role.EDITOR, "FRA", "SECRET"), make_person(Role.EDITOR, "FRA", "SECRET")
    partner = make_person(Role.ANALYST, "GBR", "SECRET")
    uncleared = make_person(Role.EDITOR, "GBR", "RESTRICTED")
    outsider = make_person(Role.EDITOR, "ESP", "SECRET")
    mission = _created(
        client,
        author,
        "/missions",
        {
            "code": fresh_tag(),
            "name": "Planned observer mission",
            "kind": "multinational",
            "marking": {"classification": "SECRET", "releasable_to": ["GBR"]},
        },
    )
    _approve(client, colleague, "mission", mission["id"])
    requirement = _created(
        client,
        author,
        "/requirements",
        {"mission_id": mission["id"], "capability_type": "level2_hospital", "size": 1, "marking": SHARED},
    )
    _approve(client, colleague, "requirement", requirement["id"])
    pledge = _created(
        client,
        author,
        "/pledges",
        {
            "state_id": state_ids["FRA"],
            "mission_id": mission["id"],
            "requirement_id": requirement["id"],
            "capability_type": "level2_hospital",
            "size": 1,
            "readiness_level": "L3",
            "pledged_on": "2024-02-01",
            "marking": SHARED,
        },
    )
    _approve(client, colleague, "pledge", pledge["id"])
    visit = _created(
        client,
        author,
        "/pledge-verifications",
        {"pledge_id": pledge["id"], "visited_on": "2024-06-01", "kind": "other", "outcome": "verified"},
    )
    of_mission = {"mission_id": mission["id"]}
    of_pledge = {"pledge_id": pledge["id"]}

    # the partner cleared for the mission sees all of it
    assert _sees(client, partner, "requirements", requirement["id"], of_mission) == EVERYWHERE
    assert _sees(client, partner, "pledges", pledge["id"], of_mission) == EVERYWHERE
    assert _sees(client, partner, "pledge-verifications", visit["id"], of_pledge) == EVERYWHERE

    # a GBR reader below SECRET may see UNCLASSIFIED // REL TO FRA, GBR records, but not the SECRET mission:
    # its requirement, its pledge and the pledge's visits are hidden with it
    assert _sees(client, uncleared, "missions", mission["id"], {"code": mission["code"]}) == set()
    assert _sees(client, uncleared, "requirements", requirement["id"], of_mission) == set()
    assert _sees(client, uncleared, "pledges", pledge["id"], of_mission) == set()
    assert _sees(client, uncleared, "pledge-verifications", visit["id"], of_pledge) == set()
    by_state = client.get("/pledges", params={"state_id": state_ids["FRA"]}, headers=uncleared.headers).json()
    assert pledge["id"] not in {row["id"] for row in by_state["items"]}

    # and nobody can name a mission they may not see: it is answered as one that does not exist
    for who in (uncleared, outsider):
        named = client.post(
            "/requirements",
            json={"mission_id": mission["id"], "capability_type": "infantry_battalion", "size": 1},
            headers=who.headers,
        )
        assert named.status_code == 422, named.text
        assert named.json()["fields"][0]["field"] == "mission_id"
        unknown = client.post(
            "/requirements",
            json={"mission_id": 2_000_000_000, "capability_type": "infantry_battalion", "size": 1},
            headers=who.headers,
        )
        assert unknown.status_code == 422
        assert named.json()["fields"][0]["message"] == unknown.json()["fields"][0]["message"].replace(
            "2000000000", str(mission["id"])
        )
    own = _created(
        client,
        outsider,
        "/pledges",
        {
            "state_id": state_ids["ESP"],
            "capability_type": "infantry_battalion",
            "size": 1,
            "readiness_level": "L1",
            "pledged_on": "2024-02-01",
        },
    )
    moved = client.patch(
        f"/pledges/{own['id']}", json={"mission_id": mission["id"], "version": own["version"]}, headers=outsider.headers
    )
    assert moved.status_code == 422 and moved.json()["fields"][0]["field"] == "mission_id"
