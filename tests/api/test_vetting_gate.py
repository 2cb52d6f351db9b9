"""AECA-VETTING on training engagements: no training for a unit whose vetting has not cleared.

A participant row naming a ``unit`` is a unit the engagement trains; the host and the other states taking
part (not as observers, without a unit) train it, and each must have cleared it. The gate is judged when a
training engagement is approved, planned or executed, and when a unit is added to one already approved --
through the compliance engine, as a case's delivery to a unit is.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from detente.domain.markings import Role
from tests.api.conftest import MakePerson, fresh_tag
from tests.api.test_lifecycles import _ok, _refused, _vet


def test_training_waits_for_the_unit_s_vetting(
    client: TestClient, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    proposer, approver = make_person(Role.EDITOR, "USA", "SECRET"), make_person(Role.EDITOR, "USA", "SECRET")
    senior = make_person(Role.EDITOR, "USA", "TOP SECRET")
    usa, egy = state_ids["USA"], state_ids["EGY"]
    unit, second = f"{fresh_tag()} battalion", f"{fresh_tag()} company"
    body: dict[str, Any] = {"kind": "training", "title": f"{fresh_tag()} course", "host_state_id": usa}
    engagement = _ok(client.post("/engagements", json=body, headers=proposer.headers), 201)
    trainee = {"engagement_id": engagement["id"], "state_id": egy, "unit": unit}
    _ok(client.post("/engagement-participants", json=trainee, headers=proposer.headers), 201)  # proposed: no gate
    path = f"/engagements/{engagement['id']}/transition"

    refused = _refused(client.post(path, json={"to": "approved"}, headers=approver.headers), 409, "AECA-VETTING")
    assert f"trains {unit}" in refused["message"] and f"no vetting for {unit}" in refused["message"]
    _vet(client, proposer, egy, unit, "cleared", 5)  # cleared by the unit's own state: not the trainer's vetting
    _refused(client.post(path, json={"to": "approved"}, headers=approver.headers), 409, "AECA-VETTING")
    _vet(client, proposer, usa, unit, "cleared", 5)
    assert _ok(client.post(path, json={"to": "approved"}, headers=approver.headers))["status"] == "approved"

    # a unit added to the approved engagement is judged at once, and nothing is stored when it is refused
    more = {**trainee, "unit": second}
    _refused(client.post("/engagement-participants", json=more, headers=proposer.headers), 409, f"trains {second}")
    stored = _ok(client.get(f"/engagements/{engagement['id']}", headers=proposer.headers))
    assert [p["unit"] for p in stored["engagement_participants"]] == [unit]

    # a later denial the editor may not see still blocks the next step, without being named
    decided = "2026-11-26"
    denial = {"kind": "vetting", "party_state_id": usa, "subject": unit, "decided_on": decided, "result": "denied",
              "marking": {"classification": "TOP SECRET"}}  # fmt: skip
    denied = _ok(client.post("/approvals", json=denial, headers=senior.headers), 201)
    blocked = _refused(client.post(path, json={"to": "planned"}, headers=proposer.headers), 409, "revoked")
    assert f"approval:{denied['id']}" not in blocked["message"] and "a record you may not see" in blocked["message"]
    _vet(client, senior, usa, unit, "cleared", 0)
    assert _ok(client.post(path, json={"to": "planned"}, headers=proposer.headers))["status"] == "planned"


def test_other_engagements_and_untrained_units_pass(
    client: TestClient, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    proposer, approver = make_person(Role.EDITOR, "USA", "SECRET"), make_person(Role.EDITOR, "USA", "SECRET")
    usa, egy = state_ids["USA"], state_ids["EGY"]
    exercise = _ok(
        client.post("/engagements", json={"kind": "exercise", "title": fresh_tag(), "host_state_id": usa},
                    headers=proposer.headers),
        201,
    )  # fmt: skip
    participant = {"engagement_id": exercise["id"], "state_id": egy, "unit": f"{fresh_tag()} battalion"}
    _ok(client.post("/engagement-participants", json=participant, headers=proposer.headers), 201)
    path = f"/engagements/{exercise['id']}/transition"
    assert _ok(client.post(path, json={"to": "approved"}, headers=approver.headers))["status"] == "approved"

    nobody = _ok(
        client.post("/engagements", json={"kind": "training", "title": fresh_tag()}, headers=proposer.headers), 201
    )
    unit = f"{fresh_tag()} battalion"
    _ok(client.post("/engagement-participants", json={"engagement_id": nobody["id"], "state_id": egy, "unit": unit},
                    headers=proposer.headers), 201)  # fmt: skip
    _refused(
        client.post(f"/engagements/{nobody['id']}/transition", json={"to": "approved"}, headers=approver.headers),
        409,
        "no state that gives the training is recorded",
    )
