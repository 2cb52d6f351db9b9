"""The peacekeeping forms: a new mission, a requirement and a pledge (readiness level, verification visit,
renewal date), seen in the force-generation table; refusals store nothing."""

from __future__ import annotations

import re
from typing import Any

from detente.domain.markings import Role
from tests.web_forms.conftest import Browser, MakeBrowser, fresh_tag, refused


def _mission_id(answer: Any) -> int:
    assert answer.status_code == 303, answer.text[:800]
    found = re.search(r"mission=(\d+)", answer.headers["location"])
    assert found is not None
    return int(found.group(1))


def _mission(who: Browser, code: str, **extra: str) -> dict[str, str]:
    return {
        "code": code,
        "name": f"Test stabilization mission {code}",
        "kind": "multinational",
        "host_state_id": str(who.ctx.state_id("CAF")),
        "valid_from": "2024-04-01",
        "hq_latitude": "4.3612",
        "hq_longitude": "18.5550",
        **extra,
    }


def _pledges(who: Browser, mission_id: int) -> list[dict[str, Any]]:
    return who.ctx.reader.list(who.ctx.principal, "pledges", filters={"mission_id": mission_id}).items


def test_a_mission_requirement_and_pledge_show_in_force_generation(person: MakeBrowser) -> None:
    editor = person(Role.EDITOR, "RWA")
    code = fresh_tag()
    mission_id = _mission_id(editor.post("/ui/peacekeeping/missions", _mission(editor, code)))
    mission = editor.ctx.reader.get(editor.ctx.principal, "missions", mission_id)
    assert (mission["code"], mission["kind"], mission["host_state_id"]) == (
        code.upper(),
        "multinational",
        editor.ctx.state_id("CAF"),
    )
    assert (str(mission["valid_from"])[:10], mission["hq_latitude"], mission["hq_longitude"]) == (
        "2024-04-01",
        4.3612,
        18.555,
    )
    requirement = {
        "mission_id": str(mission_id),
        "capability_type": "Infantry battalion",
        "size": "850",
        "readiness_required": "L2",
        "classification": "RESTRICTED",
    }
    assert _mission_id(editor.post("/ui/peacekeeping/requirements", requirement)) == mission_id
    (stored,) = editor.ctx.reader.list(editor.ctx.principal, "requirements", filters={"mission_id": mission_id}).items
    assert (stored["capability_type"], stored["size"], stored["readiness_required"], stored["status"]) == (
        "infantry_battalion",
        850,
        "L2",
        "open",
    )
    pledge = {
        "state_id": str(editor.ctx.state_id("RWA")),
        "requirement_id": str(stored["id"]),
        "capability_type": "infantry battalion",
        "size": "600",
        "readiness_level": "L3",
        "pledged_on": "2025-01-10",
        "last_verified_on": "2025-03-04",
        "renewal_due_on": "2026-01-10",
    }
    assert _mission_id(editor.post("/ui/peacekeeping/pledges", pledge)) == mission_id
    (made,) = _pledges(editor, mission_id)
    assert (made["state_id"], made["requirement_id"], made["capability_type"], made["size"]) == (
        editor.ctx.state_id("RWA"),
        stored["id"],
        "infantry_battalion",
        600,
    )
    assert (made["readiness_level"], made["pledged_on"], made["last_verified_on"], made["renewal_due_on"]) == (
        "L3",
        "2025-01-10",
        "2025-03-04",
        "2026-01-10",
    )
    page = editor.get(f"/ui/peacekeeping?mission={mission_id}").text
    # Mission, capability, size, readiness asked, pledges proposed (detente forcegen's allocation), covered, uncovered
    row = (
        f'<th scope="row"><a href="/ui/peacekeeping?mission={mission_id}">{code.upper()}</a></th>'
        "<td>infantry_battalion</td><td>850</td><td>L2</td>"
        f"<td>Rwanda 600 of 600 (L3, pledge {made['id']})</td><td>600</td><td>250</td>"
    )
    assert row in page


def test_bad_peacekeeping_input_is_refused_beside_its_field_and_stores_nothing(person: MakeBrowser) -> None:
    editor = person(Role.EDITOR, "RWA")
    code = fresh_tag()
    for extra, field, words in (
        ({"hq_latitude": "95"}, "hq_latitude", "degrees from -90 to 90"),
        ({"hq_longitude": ""}, "hq_longitude", "give both or neither"),
        ({"kind": "crusade"}, "kind", "'crusade' is not one of"),
        ({"valid_to": "2020-01-01"}, "valid_to", "before it starts"),
    ):
        refused(editor.post("/ui/peacekeeping/missions", _mission(editor, code, **extra)), 400, field, words)
    assert editor.ctx.reader.list(editor.ctx.principal, "missions", filters={"code": code.upper()}).items == []
    mission_id = _mission_id(editor.post("/ui/peacekeeping/missions", _mission(editor, code)))
    requirement = {"mission_id": str(mission_id), "capability_type": "level2_hospital", "size": "60"}
    refused(
        editor.post("/ui/peacekeeping/requirements", requirement), 400, "readiness_required", "choose the readiness"
    )
    refused(
        editor.post("/ui/peacekeeping/requirements", {**requirement, "mission_id": "0", "readiness_required": "L1"}),
        400,
        "mission_id",
        "choose a mission from the list",
    )
    assert _mission_id(editor.post("/ui/peacekeeping/requirements", {**requirement, "readiness_required": "L1"}))
    (hospital,) = editor.ctx.reader.list(editor.ctx.principal, "requirements", filters={"mission_id": mission_id}).items
    pledge = {
        "state_id": str(editor.ctx.state_id("RWA")),
        "requirement_id": str(hospital["id"]),
        "capability_type": "level2_hospital",
        "size": "60",
        "readiness_level": "RDL",
        "pledged_on": "2025-01-10",
    }
    for extra, field, words in (
        ({"readiness_level": "L4"}, "readiness_level", "'L4' is not one of L1, L2, L3, RDL"),
        ({"capability_type": "engineer company"}, "capability_type", "asks for level2_hospital, not engineer_company"),
        ({"renewal_due_on": "2024-12-31"}, "renewal_due_on", "falls due after the pledge"),
        ({"last_verified_on": "2024-12-31"}, "last_verified_on", "between the pledge and today"),
        ({"size": "-5"}, "size", "at least 1"),
        ({"state_id": ""}, "state_id", "choose the pledging state"),
        ({"classification": "SECRETISH"}, "", "SECRETISH"),
    ):
        page = refused(editor.post("/ui/peacekeeping/pledges", {**pledge, **extra}), 400, field or None, words)
        assert "Not saved." in page
    assert _pledges(editor, mission_id) == []

    viewer = person(Role.VIEWER, "RWA")
    assert "Only editors record" in viewer.get("/ui/peacekeeping/record").text
    refused(viewer.post("/ui/peacekeeping/pledges", pledge), 403, words="needs the editor role")
    refused(viewer.post("/ui/peacekeeping/missions", _mission(viewer, fresh_tag())), 403, words="needs the editor")
    assert editor.post("/ui/peacekeeping/pledges", pledge, csrf=False).status_code == 403
    assert _pledges(editor, mission_id) == []
