"""``GET /audit/verify`` through the API: the chain of a store written through the API verifies, and one audit
row changed behind detente's back (a real ``UPDATE``, with the append-only triggers dropped as a tamperer
with database access could) is reported, by its sequence number.

Each test has a store of its own: tampering with the shared one would break every other test's audit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from detente.api.app import create_app
from detente.domain.markings import Role
from detente.services import accounts
from detente.store.database import Store
from detente.store.models import AuditEntry
from tests.api.conftest import PASSWORD
from tests.store.test_audit_tamper import drop_guards


def _headers(store: Store, name: str, role: Role) -> dict[str, str]:
    accounts.create_user(store, actor="test", username=name, password=PASSWORD, role=role, nationality="NOR")
    return {"Authorization": f"Bearer {accounts.login(store, name, PASSWORD, client='tests').secret}"}


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store)) as test_client:
        yield test_client


def test_verify_reports_an_intact_chain_then_the_tampered_row(client: TestClient, store: Store) -> None:
    admin = _headers(store, "auditor", Role.ADMIN)
    editor = _headers(store, "writer", Role.EDITOR)
    for title in ("first visit", "second visit", "third visit"):
        made = client.post("/engagements", json={"kind": "visit", "title": title}, headers=editor)
        assert made.status_code == 201, made.text
    with store.engine.connect() as connection:
        entries = connection.execute(select(AuditEntry.seq, AuditEntry.after).order_by(AuditEntry.seq)).all()
    [(target, _)] = [(seq, after) for seq, after in entries if after and "second visit" in after]

    intact = client.get("/audit/verify", headers=admin)
    assert intact.status_code == 200
    report = intact.json()
    assert (report["ok"], report["first_bad_seq"], report["reason"]) == (True, None, None)
    assert report["entries_verified"] == report["head_seq"] == len(entries)

    refused = client.get("/audit/verify", headers=editor)
    assert refused.status_code == 403, "verifying is for admins"

    drop_guards(store)
    with store.engine.begin() as connection:
        changed = connection.execute(
            text("UPDATE audit_entries SET after = REPLACE(after, 'second visit', 'other visit') WHERE seq = :s"),
            {"s": target},
        )
        assert changed.rowcount == 1
    broken = client.get("/audit/verify", headers=admin).json()
    assert broken["ok"] is False
    assert broken["first_bad_seq"] == target
    assert broken["reason"]
