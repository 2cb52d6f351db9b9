"""Two clients update the same record at once: one wins, the other gets 409, and nothing is lost.

Run on both backends; on PostgreSQL the two requests really overlap (row locks, ``UPDATE ... WHERE version``),
on SQLite writers queue. Each round uses a fresh record; the two clients are separate ``TestClient``
instances (separate event loops and threads) released together by a barrier.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from detente.domain.markings import Role
from detente.store.database import Store
from detente.store.models import AuditEntry
from tests.api.conftest import MakePerson, fresh_tag

ROUNDS = 8


def _race(path: str, clients: dict[str, tuple[TestClient, dict[str, str]]]) -> dict[str, Any]:
    """Send one PATCH per client at the same moment, each claiming version 1; their responses by name."""
    barrier = threading.Barrier(len(clients))
    results: dict[str, Any] = {}

    def update(name: str, client: TestClient, headers: dict[str, str]) -> None:
        barrier.wait()
        results[name] = client.patch(path, json={"title": f"by {name}", "version": 1}, headers=headers)

    threads = [threading.Thread(target=update, args=(name, *pair)) for name, pair in clients.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_clients_one_wins(app: FastAPI, real_store: Store, make_person: MakePerson) -> None:
    first, second = make_person(Role.EDITOR, "ITA", "SECRET"), make_person(Role.EDITOR, "ITA", "SECRET")
    with TestClient(app) as one, TestClient(app) as two:
        for _ in range(ROUNDS):
            record = one.post(
                "/engagements", json={"kind": "conference", "title": fresh_tag()}, headers=first.headers
            ).json()
            path = f"/engagements/{record['id']}"
            results = _race(path, {"one": (one, first.headers), "two": (two, second.headers)})
            statuses = sorted(response.status_code for response in results.values())
            assert statuses == [200, 409], {name: r.text for name, r in results.items()}
            winner = next(name for name, response in results.items() if response.status_code == 200)
            loser = results["two" if winner == "one" else "one"].json()
            assert loser["error"] == "conflict"
            assert loser["fields"][0]["field"] == "version"

            stored = one.get(path, headers=first.headers).json()
            assert (stored["title"], stored["version"]) == (f"by {winner}", 2)
            with real_store.engine.connect() as connection:
                updates = connection.execute(
                    select(AuditEntry.after).where(
                        AuditEntry.object_type == "engagement",
                        AuditEntry.object_id == str(record["id"]),
                        AuditEntry.action == "update",
                    )
                ).all()
            assert [json.loads(after)["title"] for (after,) in updates] == [f"by {winner}"]
