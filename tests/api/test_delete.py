"""DELETE routes: the rules of an update (role, visibility, version, guards), one audit entry, nothing half done."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from detente.domain.markings import Role
from detente.store.database import Store
from detente.store.models import AuditEntry, Engagement, ReleaseRequest
from tests.api.conftest import MakePerson, fresh_tag
from tests.api.test_lifecycles import _case, _ok, _refused


def _engagement(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {"kind": "visit", "title": f"{fresh_tag()} visit", **extra}
    return _ok(client.post("/engagements", json=body, headers=headers), 201)


def _last_audit(store: Store, object_type: str, object_id: int) -> AuditEntry:
    with store.sessions() as session:
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id))
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert entry is not None
        session.expunge(entry)
        return entry


def test_delete_follows_the_rules_of_an_update(client: TestClient, make_person: MakePerson, real_store: Store) -> None:
    editor = make_person(Role.EDITOR, "FRA", "SECRET")
    viewer = make_person(Role.VIEWER, "FRA", "SECRET")
    outsider = make_person(Role.EDITOR, "GBR", "SECRET")
    engagement = _engagement(client, editor.headers)
    path = f"/engagements/{engagement['id']}"
    objective = _ok(
        client.post(
            "/engagement-objectives", json={"engagement_id": engagement["id"], "text": "x"}, headers=editor.headers
        ),
        201,
    )
    _refused(client.delete(path, headers=editor.headers), 422, "version")
    _refused(client.delete(path, params={"version": 7}, headers=editor.headers), 409, "changed by someone else")
    _refused(client.delete(path, params={"version": 1}, headers=viewer.headers), 403, "editor role")
    _refused(client.delete(path, params={"version": 1}, headers=outsider.headers), 404, "may see")
    _refused(client.delete(path, params={"version": 1}, headers=editor.headers), 409, "delete them first")

    child = f"/engagement-objectives/{objective['id']}"
    _refused(client.delete(child, headers=editor.headers), 422, "version")  # a child's version is required too
    _refused(client.delete(child, params={"version": 2}, headers=editor.headers), 409, "changed by someone else")
    gone = _ok(client.delete(child, params={"version": 1}, headers=editor.headers))
    assert gone["id"] == objective["id"]
    deleted = _ok(client.delete(path, params={"version": 1}, headers=editor.headers))
    assert deleted["title"] == engagement["title"]
    assert client.get(path, headers=editor.headers).status_code == 404
    entry = _last_audit(real_store, "engagement", engagement["id"])
    assert (entry.action, entry.actor, json.loads(entry.after)) == ("delete", editor.principal.actor, None)
    assert json.loads(entry.before)["title"] == engagement["title"]


def test_delete_refuses_records_that_stay_on_record(
    client: TestClient, make_person: MakePerson, real_store: Store, state_ids: dict[str, int]
) -> None:
    editor, colleague = make_person(Role.EDITOR, "USA", "SECRET"), make_person(Role.EDITOR, "USA", "SECRET")
    approved = _engagement(client, editor.headers)
    _ok(client.post(f"/engagements/{approved['id']}/transition", json={"to": "approved"}, headers=colleague.headers))
    _refused(
        client.delete(f"/engagements/{approved['id']}", params={"version": 2}, headers=editor.headers),
        409,
        "only a proposed engagement",
    )
    with real_store.engine.connect() as connection:
        sourced = connection.execute(
            select(Engagement.id).where(Engagement.source_version_id.is_not(None)).limit(1)
        ).scalar()
    if sourced is not None:
        _refused(client.delete(f"/engagements/{sourced}", params={"version": 1}, headers=editor.headers), 403, "source")

    fresh = _case(client, editor, state_ids["FRA"], state_ids["EGY"], None)
    _ok(client.delete(f"/cases/{fresh['id']}", params={"version": 1}, headers=editor.headers))
    closed = _case(client, editor, state_ids["FRA"], state_ids["EGY"], None)
    line = _ok(
        client.post(
            "/case-lines",
            json={"case_id": closed["id"], "line_number": 1, "description": "boots", "quantity": 1},
            headers=editor.headers,
        ),
        201,
    )
    for step in ("offer", "accepted", "implementing", "delivered", "closed"):
        _ok(client.post(f"/cases/{closed['id']}/transition", json={"to": step}, headers=editor.headers))
    _refused(
        client.delete(f"/case-lines/{line['id']}", params={"version": 1}, headers=editor.headers),
        409,
        "AECA-CLOSED-CASE gate",
    )
    _refused(client.delete(f"/cases/{closed['id']}", params={"version": 6}, headers=editor.headers), 409, "gate")
    closure = _ok(
        client.get(
            "/approvals", params={"kind": "case_closure", "subject": closed["reference"]}, headers=editor.headers
        )
    )["items"][0]
    _refused(
        client.delete(f"/approvals/{closure['id']}", params={"version": closure["version"]}, headers=editor.headers),
        409,
        "case closure",
    )


def test_delete_withdraws_a_pending_release(client: TestClient, make_person: MakePerson, real_store: Store) -> None:
    author = make_person(Role.EDITOR, "FRA", "SECRET")
    shared = _engagement(client, author.headers, marking={"classification": "CONFIDENTIAL", "releasable_to": ["GBR"]})
    assert shared["release_pending"]
    _ok(client.delete(f"/engagements/{shared['id']}", params={"version": 1}, headers=author.headers))
    with real_store.engine.connect() as connection:
        statuses = connection.execute(
            select(ReleaseRequest.status).where(
                ReleaseRequest.object_type == "engagement", ReleaseRequest.object_id == shared["id"]
            )
        ).scalars()
        assert list(statuses) == ["withdrawn"]
