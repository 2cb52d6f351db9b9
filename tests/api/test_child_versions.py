"""Child records (a case's lines, an engagement's objectives) carry a version, as marked records do.

Before, only marked records had one: two editors of the same case line silently overwrote each other. Now
an update of a child record names the version it was made against; a stale one is refused with 409 and
changes nothing, a missing one is refused with 422 naming ``version``, and a good one raises it by one. Two
clients racing with the same version: exactly one wins (on PostgreSQL the requests really overlap). A delete
names the version too: no one deletes a line someone else has just corrected.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from detente.domain.markings import Role
from detente.services.catalog import resource
from detente.services.entities import entity_name
from detente.store.database import Store
from detente.store.models import AuditEntry
from tests.api.conftest import MakePerson, Person, fresh_tag


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _case_line(client: TestClient, who: Person, states: dict[str, int]) -> dict[str, Any]:
    case = _created(
        client.post(
            "/cases",
            json={
                "reference": fresh_tag(),
                "title": "Patrol boats",
                "programme": "fms",
                "provider_state_id": states["USA"],
                "recipient_state_id": states["ITA"],
                "requested_on": "2025-01-15",
            },
            headers=who.headers,
        )
    )
    body = {"case_id": case["id"], "line_number": 1, "description": fresh_tag(), "quantity": 10}
    return _created(client.post("/case-lines", json=body, headers=who.headers))


def _objective(client: TestClient, who: Person, _states: dict[str, int]) -> dict[str, Any]:
    engagement = _created(
        client.post("/engagements", json={"kind": "conference", "title": fresh_tag()}, headers=who.headers)
    )
    body = {"engagement_id": engagement["id"], "text": fresh_tag(), "indicator": "link established"}
    return _created(client.post("/engagement-objectives", json=body, headers=who.headers))


def _pledge_visit(client: TestClient, who: Person, states: dict[str, int]) -> dict[str, Any]:
    pledge = _created(
        client.post(
            "/pledges",
            json={
                "state_id": states["ITA"],
                "capability_type": "engineer_company",
                "size": 150,
                "readiness_level": "L2",
                "pledged_on": "2024-01-10",
            },
            headers=who.headers,
        )
    )
    body = {"pledge_id": pledge["id"], "visited_on": "2024-03-01", "kind": "other", "outcome": "verified"}
    return _created(client.post("/pledge-verifications", json=body, headers=who.headers))


Maker = Callable[[TestClient, Person, dict[str, int]], dict[str, Any]]

# each child resource, how to make one (with its parent), and a text field to change
CHILDREN: list[tuple[str, Maker, str]] = [
    ("case-lines", _case_line, "description"),
    ("engagement-objectives", _objective, "text"),
    ("pledge-verifications", _pledge_visit, "findings"),
]
IDS = [name for name, _, _ in CHILDREN]


def _updates(store: Store, name: str, record_id: int) -> list[dict[str, Any]]:
    """The ``after`` of every audited update of the record, oldest first."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(AuditEntry.after)
            .where(
                AuditEntry.object_type == entity_name(resource(name).model),
                AuditEntry.object_id == str(record_id),
                AuditEntry.action == "update",
            )
            .order_by(AuditEntry.seq)
        ).all()
    return [json.loads(after) for (after,) in rows]


@pytest.mark.parametrize(("name", "make", "field"), CHILDREN, ids=IDS)
def test_stale_update_is_refused_and_changes_nothing(
    client: TestClient,
    real_store: Store,
    make_person: MakePerson,
    state_ids: dict[str, int],
    name: str,
    make: Maker,
    field: str,
) -> None:
    first, second = make_person(Role.EDITOR, "ITA", "SECRET"), make_person(Role.EDITOR, "ITA", "SECRET")
    record = make(client, first, state_ids)
    assert record["version"] == 1, "a new record starts at version 1"
    path = f"/{name}/{record['id']}"

    won = client.patch(path, json={field: "by first", "version": 1}, headers=first.headers)
    assert won.status_code == 200, won.text
    assert (won.json()[field], won.json()["version"]) == ("by first", 2)

    stale = client.patch(path, json={field: "by second", "version": 1}, headers=second.headers)
    assert stale.status_code == 409, stale.text
    body = stale.json()
    assert body["error"] == "conflict"
    assert body["fields"][0]["field"] == "version"
    assert "version 2" in body["message"] and "read it again" in body["message"]

    stored = client.get(path, headers=first.headers).json()
    assert (stored[field], stored["version"]) == ("by first", 2), "the stale update changed nothing"
    assert [after[field] for after in _updates(real_store, name, record["id"])] == ["by first"]

    again = client.patch(path, json={field: "by second", "version": 2}, headers=second.headers)
    assert again.status_code == 200, again.text
    assert (again.json()[field], again.json()["version"]) == ("by second", 3)


@pytest.mark.parametrize(("name", "make", "field"), CHILDREN, ids=IDS)
def test_update_without_version_is_422_naming_it(
    client: TestClient,
    real_store: Store,
    make_person: MakePerson,
    state_ids: dict[str, int],
    name: str,
    make: Maker,
    field: str,
) -> None:
    editor = make_person(Role.EDITOR, "ITA", "SECRET")
    record = make(client, editor, state_ids)
    path = f"/{name}/{record['id']}"

    response = client.patch(path, json={field: "no version"}, headers=editor.headers)
    assert response.status_code == 422, response.text
    problems = {problem["field"]: problem["message"] for problem in response.json()["fields"]}
    assert "version you read" in problems["version"]

    stored = client.get(path, headers=editor.headers).json()
    assert (stored[field], stored["version"]) == (record[field], 1)
    assert _updates(real_store, name, record["id"]) == []


def _race(path: str, field: str, clients: dict[str, tuple[TestClient, Person]]) -> dict[str, Any]:
    """One PATCH per client at the same moment, each claiming version 1; their responses by name."""
    barrier = threading.Barrier(len(clients))
    results: dict[str, Any] = {}

    def update(name: str, client: TestClient, who: Person) -> None:
        barrier.wait()
        results[name] = client.patch(path, json={field: f"by {name}", "version": 1}, headers=who.headers)

    threads = [threading.Thread(target=update, args=(name, *pair)) for name, pair in clients.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize(("name", "make", "field"), CHILDREN, ids=IDS)
def test_two_clients_one_wins(
    app: FastAPI,
    real_store: Store,
    make_person: MakePerson,
    state_ids: dict[str, int],
    name: str,
    make: Maker,
    field: str,
) -> None:
    first, second = make_person(Role.EDITOR, "ITA", "SECRET"), make_person(Role.EDITOR, "ITA", "SECRET")
    with TestClient(app) as one, TestClient(app) as two:
        for _ in range(6):
            record = make(one, first, state_ids)
            path = f"/{name}/{record['id']}"
            results = _race(path, field, {"one": (one, first), "two": (two, second)})
            statuses = sorted(response.status_code for response in results.values())
            assert statuses == [200, 409], {who: response.text for who, response in results.items()}
            winner = next(who for who, response in results.items() if response.status_code == 200)
            assert results["two" if winner == "one" else "one"].json()["fields"][0]["field"] == "version"

            stored = one.get(path, headers=first.headers).json()
            assert (stored[field], stored["version"]) == (f"by {winner}", 2)
            assert [after[field] for after in _updates(real_store, name, record["id"])] == [f"by {winner}"]


@pytest.mark.parametrize(("name", "make", "field"), CHILDREN, ids=IDS)
def test_delete_names_the_version(
    client: TestClient,
    real_store: Store,
    make_person: MakePerson,
    state_ids: dict[str, int],
    name: str,
    make: Maker,
    field: str,
) -> None:
    """DELETE of a child record: 422 naming ``version`` without one, 409 after someone else's change, and
    nothing deleted by either; the version read after that change deletes it."""
    first, second = make_person(Role.EDITOR, "ITA", "SECRET"), make_person(Role.EDITOR, "ITA", "SECRET")
    record = make(client, first, state_ids)
    path = f"/{name}/{record['id']}"

    missing = client.delete(path, headers=second.headers)
    assert missing.status_code == 422, missing.text
    assert "version you read" in {p["field"]: p["message"] for p in missing.json()["fields"]}["version"]

    changed = client.patch(path, json={field: "corrected", "version": 1}, headers=first.headers)
    assert changed.status_code == 200, changed.text
    stale = client.delete(path, params={"version": 1}, headers=second.headers)
    assert stale.status_code == 409, stale.text
    assert stale.json()["fields"][0]["field"] == "version" and "version 2" in stale.json()["message"]
    stored = client.get(path, headers=first.headers).json()
    assert (stored[field], stored["version"]) == ("corrected", 2), "the refused deletes left it as it was"

    gone = client.delete(path, params={"version": 2}, headers=second.headers)
    assert gone.status_code == 200, gone.text
    assert gone.json()[field] == "corrected"
    assert client.get(path, headers=first.headers).status_code == 404
