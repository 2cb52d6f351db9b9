"""Lifecycles, gates and four-eyes rules through the API: each allowed path and each refused one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from detente.domain.markings import Role
from tests.api.conftest import MakePerson, Person, fresh_tag


@pytest.fixture
def editors(make_person: MakePerson) -> tuple[Person, Person]:
    return make_person(Role.EDITOR, "USA", "SECRET"), make_person(Role.EDITOR, "USA", "SECRET")


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _refused(response: Any, status: int, words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert words in body["message"], body
    return body


def test_engagement_lifecycle(
    client: TestClient, editors: tuple[Person, Person], make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    proposer, approver = editors
    engagement = _ok(
        client.post(
            "/engagements",
            json={"kind": "training", "title": f"{fresh_tag()} course", "host_state_id": state_ids["USA"]},
            headers=proposer.headers,
        ),
        201,
    )
    path = f"/engagements/{engagement['id']}"
    assert engagement["status"] == "proposed"
    assert engagement["proposed_by_id"] == proposer.id
    objective = _ok(
        client.post(
            "/engagement-objectives",
            json={"engagement_id": engagement["id"], "text": "interoperable radios", "indicator": "link established"},
            headers=proposer.headers,
        ),
        201,
    )

    _refused(client.post(f"{path}/transition", json={"to": "planned"}, headers=approver.headers), 409, "only move")
    _refused(
        client.post(f"{path}/transition", json={"to": "approved"}, headers=proposer.headers), 409, "another editor"
    )
    viewer = make_person(Role.VIEWER, "USA", "SECRET")
    _refused(client.post(f"{path}/transition", json={"to": "approved"}, headers=viewer.headers), 403, "editor role")
    approved = _ok(client.post(f"{path}/transition", json={"to": "approved", "version": 1}, headers=approver.headers))
    assert (approved["status"], approved["approved_by_id"], approved["version"]) == ("approved", approver.id, 2)

    _refused(
        client.post(f"{path}/transition", json={"to": "planned", "version": 1}, headers=proposer.headers),
        409,
        "changed",
    )
    _ok(client.post(f"{path}/transition", json={"to": "planned"}, headers=proposer.headers))
    assessment = {"version": 4, "scores": [{"objective_id": objective["id"], "score": 2, "assessment": "partly"}]}
    _refused(client.post(f"{path}/assessment", json=assessment, headers=proposer.headers), 409, "'executed'")
    executed = _ok(client.post(f"{path}/transition", json={"to": "executed"}, headers=proposer.headers))
    assert executed["version"] == 4
    _refused(
        client.post(
            f"{path}/assessment",
            json={**assessment, "scores": [{"objective_id": objective["id"] + 10_000, "score": 2}]},
            headers=proposer.headers,
        ),
        422,
        "score every objective",
    )
    _refused(
        client.post(
            f"{path}/assessment",
            json={**assessment, "scores": [{"objective_id": objective["id"], "score": 4}]},
            headers=proposer.headers,
        ),
        422,
        "not valid",
    )
    assessed = _ok(client.post(f"{path}/assessment", json=assessment, headers=proposer.headers))
    assert assessed["status"] == "assessed"
    assert assessed["engagement_objectives"][0]["score"] == 2
    _refused(client.post(f"{path}/transition", json={"to": "executed"}, headers=proposer.headers), 409, "final status")


def _case(client: TestClient, who: Person, provider: int, recipient: int, value: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reference": fresh_tag(),
        "title": "Patrol boats",
        "programme": "fms",
        "provider_state_id": provider,
        "recipient_state_id": recipient,
        "requested_on": "2025-01-15",
    }
    if value is not None:
        body["value"] = value
    return _ok(client.post("/cases", json=body, headers=who.headers), 201)


def _notify(client: TestClient, who: Person, sender: int, case: dict[str, Any], days_ago: int) -> dict[str, Any]:
    """Record the 36(b) congressional notification of ``case`` (the engine reads it by the case reference)."""
    sent = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
    body = {"kind": "congressional_notification_36b", "sender_state_id": sender, "sent_at": sent}
    return _ok(client.post("/notifications", json={**body, "reference": case["reference"]}, headers=who.headers), 201)


def _vet(client: TestClient, who: Person, party: int, unit: str, result: str, days_ago: int) -> dict[str, Any]:
    decided = (datetime.now(UTC) - timedelta(days=days_ago)).date().isoformat()
    body = {"kind": "vetting", "party_state_id": party, "subject": unit, "decided_on": decided, "result": result}
    return _ok(client.post("/approvals", json=body, headers=who.headers), 201)


def test_case_offer_waits_for_the_36b_period(
    client: TestClient, editors: tuple[Person, Person], state_ids: dict[str, int]
) -> None:
    """The AECA 36(b) gates of the compliance engine, through the API: each refused and allowed path."""
    editor, _ = editors
    usa, egy, fra, jpn = state_ids["USA"], state_ids["EGY"], state_ids["FRA"], state_ids["JPN"]
    unknown_value = _case(client, editor, usa, egy, None)
    path = f"/cases/{unknown_value['id']}/transition"
    _refused(client.post(path, json={"to": "offer"}, headers=editor.headers), 409, "record the case value")

    early = _case(client, editor, usa, egy, "60000000")
    path = f"/cases/{early['id']}/transition"
    _refused(client.post(path, json={"to": "offer"}, headers=editor.headers), 409, "AECA-36B-GENERAL gate: no ")
    notice = _notify(client, editor, usa, early, 5)
    assert notice["agreement_id"] is not None, "gate evidence is linked to the pack's agreement"
    body = _refused(client.post(path, json={"to": "offer"}, headers=editor.headers), 409, "before the period")
    assert f"notification:{notice['id']}" in body["message"]

    served = _case(client, editor, usa, egy, "60000000")
    _notify(client, editor, usa, served, 31)
    offered = _ok(client.post(f"/cases/{served['id']}/transition", json={"to": "offer"}, headers=editor.headers))
    assert offered["status"] == "offer"

    ally = _case(client, editor, usa, jpn, "150000000")
    _notify(client, editor, usa, ally, 20)  # 20 days: past the 15-day NATO-plus period, not the general 30
    assert _ok(client.post(f"/cases/{ally['id']}/transition", json={"to": "offer"}, headers=editor.headers))

    small = _case(client, editor, usa, egy, "1000000.00")
    assert _ok(client.post(f"/cases/{small['id']}/transition", json={"to": "offer"}, headers=editor.headers))

    not_us = _case(client, editor, fra, egy, None)
    assert _ok(client.post(f"/cases/{not_us['id']}/transition", json={"to": "offer"}, headers=editor.headers))


def test_a_later_vetting_denial_revokes_the_clearance(
    client: TestClient, editors: tuple[Person, Person], state_ids: dict[str, int]
) -> None:
    """AECA-VETTING's ``revoked_by``: cleared, then denied, blocks the case again; a new clearance reopens it."""
    editor, _ = editors
    case = _case(client, editor, state_ids["FRA"], state_ids["EGY"], None)
    unit = f"{fresh_tag()} battalion"
    line = {"case_id": case["id"], "line_number": 1, "description": "radios", "quantity": 2, "recipient_unit": unit}
    _ok(client.post("/case-lines", json=line, headers=editor.headers), 201)
    path = f"/cases/{case['id']}/transition"
    for step in ("offer", "accepted"):
        _ok(client.post(path, json={"to": step}, headers=editor.headers))
    cleared = _vet(client, editor, state_ids["FRA"], unit, "cleared", 20)
    denied = _vet(client, editor, state_ids["FRA"], unit, "denied", 5)
    body = _refused(client.post(path, json={"to": "implementing"}, headers=editor.headers), 409, "revoked")
    assert f"approval:{cleared['id']}" in body["message"] and f"approval:{denied['id']}" in body["message"]
    _vet(client, editor, state_ids["FRA"], unit, "cleared", 1)
    assert _ok(client.post(path, json={"to": "implementing"}, headers=editor.headers))["status"] == "implementing"


def test_a_marked_denial_blocks_without_being_named(
    client: TestClient, editors: tuple[Person, Person], make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    """A TOP SECRET vetting denial blocks a SECRET editor's step (the gate rests on every record), and the
    refusal tells them a record they may not see decided it -- not which one; a TOP SECRET editor is told."""
    editor, _ = editors
    senior = make_person(Role.EDITOR, "USA", "TOP SECRET")
    case = _case(client, editor, state_ids["FRA"], state_ids["EGY"], None)
    unit = f"{fresh_tag()} battalion"
    line = {"case_id": case["id"], "line_number": 1, "description": "radios", "quantity": 2, "recipient_unit": unit}
    _ok(client.post("/case-lines", json=line, headers=editor.headers), 201)
    path = f"/cases/{case['id']}/transition"
    for step in ("offer", "accepted"):
        _ok(client.post(path, json={"to": step}, headers=editor.headers))
    cleared = _vet(client, editor, state_ids["FRA"], unit, "cleared", 20)
    decided = (datetime.now(UTC) - timedelta(days=5)).date().isoformat()
    body = {"kind": "vetting", "party_state_id": state_ids["FRA"], "subject": unit, "decided_on": decided,
            "result": "denied", "marking": {"classification": "TOP SECRET"}}  # fmt: skip
    denied = _ok(client.post("/approvals", json=body, headers=senior.headers), 201)
    refused = _refused(client.post(path, json={"to": "implementing"}, headers=editor.headers), 409, "revoked")
    assert f"approval:{denied['id']}" not in json.dumps(refused) and "a record you may not see" in refused["message"]
    assert f"approval:{cleared['id']}" in refused["message"]
    told = _refused(client.post(path, json={"to": "implementing"}, headers=senior.headers), 409, "revoked")
    assert f"approval:{denied['id']}" in told["message"]


def test_case_vetting_delivery_and_closure(
    client: TestClient, editors: tuple[Person, Person], state_ids: dict[str, int]
) -> None:
    """AECA-VETTING and AECA-CLOSED-CASE of the compliance engine, through the API."""
    editor, _ = editors
    case = _case(client, editor, state_ids["FRA"], state_ids["EGY"], None)
    unit = f"{fresh_tag()} battalion"
    line = _ok(
        client.post(
            "/case-lines",
            json={
                "case_id": case["id"],
                "line_number": 1,
                "description": "radios",
                "quantity": 10,
                "recipient_unit": unit,
            },
            headers=editor.headers,
        ),
        201,
    )
    path = f"/cases/{case['id']}/transition"
    for step in ("offer", "accepted"):
        _ok(client.post(path, json={"to": step}, headers=editor.headers))
    today = datetime.now(UTC).date().isoformat()
    delivery = {"line_id": line["id"], "delivered_on": today, "quantity": 4, "serial_numbers": ["R-1", "R-2"]}
    _refused(client.post("/deliveries", json=delivery, headers=editor.headers), 409, "while it is implementing")
    _refused(client.post(path, json={"to": "implementing"}, headers=editor.headers), 409, "AECA-VETTING gate")
    _vet(client, editor, state_ids["FRA"], unit, "denied", 30)
    _refused(client.post(path, json={"to": "implementing"}, headers=editor.headers), 409, f"no vetting for {unit}")
    _vet(client, editor, state_ids["EGY"], unit, "cleared", 10)  # cleared by the recipient, not the provider
    _refused(client.post(path, json={"to": "implementing"}, headers=editor.headers), 409, "AECA-VETTING gate")
    cleared = _vet(client, editor, state_ids["FRA"], unit, "cleared", 10)
    moved = _ok(client.post(path, json={"to": "implementing"}, headers=editor.headers))
    assert moved["status"] == "implementing"
    _ok(client.post("/deliveries", json=delivery, headers=editor.headers), 201)
    early = {**delivery, "delivered_on": (datetime.now(UTC) - timedelta(days=20)).date().isoformat()}
    _refused(client.post("/deliveries", json=early, headers=editor.headers), 409, "AECA-VETTING gate")
    check = {"case_id": case["id"], "line_id": line["id"], "checked_on": "2025-09-01", "result": "discrepancy"}
    _ok(
        client.post(
            "/end-use-checks",
            json={**check, "serials_checked": ["R-1"], "discrepancies": "R-2 missing"},
            headers=editor.headers,
        ),
        201,
    )
    for step in ("delivered", "closed"):
        _ok(client.post(path, json={"to": step}, headers=editor.headers))
    closed = _ok(client.get(f"/cases/{case['id']}", headers=editor.headers))
    assert closed["status"] == "closed"
    assert closed["case_lines"][0]["deliveries"][0]["serial_numbers"] == ["R-1", "R-2"]
    closures = _ok(
        client.get("/approvals", params={"kind": "case_closure", "subject": case["reference"]}, headers=editor.headers)
    )
    assert [c["result"] for c in closures["items"]] == ["closed"], "closing recorded the gate's evidence"
    assert cleared["id"] != closures["items"][0]["id"]
    words = "AECA-CLOSED-CASE gate: case"
    _refused(
        client.patch(f"/cases/{case['id']}", json={"title": "x", "version": closed["version"]}, headers=editor.headers),
        409,
        words,
    )
    _refused(
        client.post(
            "/case-lines",
            json={"case_id": case["id"], "line_number": 2, "description": "more", "quantity": 1},
            headers=editor.headers,
        ),
        409,
        words,
    )
    _refused(
        client.patch(
            f"/case-lines/{line['id']}", json={"quantity": 11, "version": line["version"]}, headers=editor.headers
        ),
        409,
        words,
    )
    _refused(client.post(path, json={"to": "offer"}, headers=editor.headers), 409, words)


def test_four_eyes_release(client: TestClient, make_person: MakePerson, state_ids: dict[str, int]) -> None:
    author = make_person(Role.EDITOR, "FRA", "SECRET")
    colleague = make_person(Role.EDITOR, "FRA", "SECRET")
    analyst = make_person(Role.ANALYST, "FRA", "SECRET")
    partner = make_person(Role.VIEWER, "GBR", "SECRET")
    tag = fresh_tag()

    def create() -> dict[str, Any]:
        return _ok(
            client.post(
                "/engagements",
                json={
                    "kind": "visit",
                    "title": tag,
                    "marking": {"classification": "CONFIDENTIAL", "releasable_to": ["GBR"]},
                },
                headers=author.headers,
            ),
            201,
        )

    first, second = create(), create()
    assert first["release_pending"] and first["marking"]["releasable_to"] == ["FRA"]
    assert client.get(f"/engagements/{first['id']}", headers=partner.headers).status_code == 404
    pending = {r["object_id"]: r for r in _ok_list(client.get("/releases", headers=colleague.headers))}
    assert {first["id"], second["id"]} <= set(pending)
    seen_by_partner = {r["object_id"] for r in _ok_list(client.get("/releases", headers=partner.headers))}
    assert not seen_by_partner & {first["id"], second["id"]}
    request_id = pending[first["id"]]["id"]
    _refused(client.post(f"/releases/{request_id}/approve", headers=author.headers), 409, "four-eyes")
    _refused(client.post(f"/releases/{request_id}/approve", headers=analyst.headers), 403, "editor role")
    approved = _ok(client.post(f"/releases/{request_id}/approve", json={"note": "ok"}, headers=colleague.headers))
    assert approved["marking_id"] != first["marking_id"]
    _refused(client.post(f"/releases/{request_id}/approve", headers=colleague.headers), 409, "already approved")
    shared = _ok(client.get(f"/engagements/{first['id']}", headers=partner.headers))
    assert shared["marking"]["releasable_to"] == ["FRA", "GBR"]

    refusal = pending[second["id"]]["id"]
    _ok(client.post(f"/releases/{refusal}/refuse", headers=colleague.headers))
    assert client.get(f"/engagements/{second['id']}", headers=partner.headers).status_code == 404

    # narrowing a release needs no second pair of eyes; widening it again does
    narrowed = _ok(
        client.patch(
            f"/engagements/{first['id']}",
            json={"version": shared["version"], "marking": {"classification": "SECRET", "releasable_to": []}},
            headers=author.headers,
        )
    )
    assert narrowed["release_pending"] is False
    assert client.get(f"/engagements/{first['id']}", headers=partner.headers).status_code == 404


def _ok_list(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


def test_a_case_cannot_skip_a_step(
    client: TestClient, editors: tuple[Person, Person], state_ids: dict[str, int]
) -> None:
    """request -> offer -> accepted -> ... one step at a time: a skip is a 409 naming the step allowed, and
    leaves the case as it was."""
    editor, _ = editors
    case = _case(client, editor, state_ids["FRA"], state_ids["EGY"], None)
    path = f"/cases/{case['id']}/transition"
    _refused(
        client.post(path, json={"to": "accepted"}, headers=editor.headers),
        409,
        "a case cannot move from 'request' to 'accepted': it can only move to 'offer'",
    )
    _refused(client.post(path, json={"to": "closed"}, headers=editor.headers), 409, "it can only move to 'offer'")
    unchanged = _ok(client.get(f"/cases/{case['id']}", headers=editor.headers))
    assert (unchanged["status"], unchanged["version"]) == ("request", case["version"])
    offered = _ok(client.post(path, json={"to": "offer"}, headers=editor.headers))
    _refused(
        client.post(path, json={"to": "implementing"}, headers=editor.headers),
        409,
        "from 'offer' to 'implementing': it can only move to 'accepted'",
    )
    _refused(client.post(path, json={"to": "delivered"}, headers=editor.headers), 409, "only move to 'accepted'")
    for target in ("request", "shipped"):  # not a status a case can be moved to: the field is at fault
        refused = _refused(client.post(path, json={"to": target}, headers=editor.headers), 422, "not valid")
        assert [item["field"] for item in refused["fields"]] == ["to"]
    still = _ok(client.get(f"/cases/{case['id']}", headers=editor.headers))
    assert (still["status"], still["version"]) == ("offer", offered["version"])
