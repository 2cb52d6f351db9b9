"""The security-assistance forms: open a case with its lines, add a line, record a delivery (and be refused
by the vetting gate until the unit is cleared) and an end-use check; refusals store nothing."""

from __future__ import annotations

from typing import Any

from detente.domain.markings import Role
from detente.services.writing import Writer
from detente.web.viewmodels import cases
from tests.web_forms.conftest import Browser, MakeBrowser, created_id, fresh_tag, refused


def _case_form(who: Browser, reference: str, **extra: str) -> dict[str, Any]:
    return {
        "reference": reference,
        "title": "Patrol boats and spares",
        "programme": "fms",
        "provider_state_id": str(who.ctx.state_id("USA")),
        "recipient_state_id": str(who.ctx.state_id("SEN")),
        "requested_on": "2025-01-15",
        "value": "1250000.50",
        "currency": "usd",
        "line-1-description": "Patrol boat",
        "line-1-quantity": "4",
        "line-2-description": "Spare engines",
        "line-2-quantity": "8",
        "line-2-recipient_unit": "",
        "classification": "CONFIDENTIAL",
        **extra,
    }


def _cases_with(who: Browser, reference: str) -> list[dict[str, Any]]:
    return who.ctx.reader.list(who.ctx.principal, "cases", filters={"reference": reference}).items


def test_a_case_opened_on_the_form_is_stored_as_entered_with_its_lines(person: MakeBrowser) -> None:
    editor = person(Role.EDITOR, "USA")
    reference = fresh_tag()
    case_id = created_id(editor.post("/ui/cases", _case_form(editor, reference)), "/ui/cases/")
    record = editor.ctx.reader.get(editor.ctx.principal, "cases", case_id)
    assert (record["reference"], record["title"], record["programme"], record["status"]) == (
        reference,
        "Patrol boats and spares",
        "fms",
        "request",
    )
    assert (record["provider_state_id"], record["recipient_state_id"]) == (
        editor.ctx.state_id("USA"),
        editor.ctx.state_id("SEN"),
    )
    assert (str(record["requested_on"])[:10], float(record["value"]), record["currency"]) == (
        "2025-01-15",
        1250000.5,
        "USD",
    )
    assert record["marking"]["classification"] == "CONFIDENTIAL" and record["marking"]["releasable_to"] == ["USA"]
    lines = [(x["line_number"], x["description"], x["quantity"], x["recipient_unit"]) for x in record["case_lines"]]
    assert lines == [(1, "Patrol boat", 4, None), (2, "Spare engines", 8, None)]
    board = editor.get("/ui/cases").text
    assert f'<a href="/ui/cases/{case_id}">{reference}</a>' in board


def test_bad_input_on_the_case_form_is_shown_beside_its_field_and_stores_nothing(person: MakeBrowser) -> None:
    editor = person(Role.EDITOR, "USA")
    reference = fresh_tag()
    usa = str(editor.ctx.state_id("USA"))
    for extra, field, words in (
        ({"line-2-quantity": "many"}, "line-2-quantity", "'many' is not a whole number"),
        ({"line-1-quantity": "0"}, "line-1-quantity", "give a number at least 1"),
        ({"recipient_state_id": usa}, "recipient_state_id", "must differ from the provider"),
        ({"requested_on": "15/01/2025"}, "requested_on", "is not a date; write YYYY-MM-DD"),
        ({"value": "a lot"}, "value", "is not an amount"),
        ({"currency": "dollars"}, "currency", "three-letter ISO 4217 code"),
        ({"programme": "loan"}, "programme", "'loan' is not one of fms, dcs, grant, training, other"),
        ({"provider_state_id": "999999"}, "provider_state_id", "choose a state from the list"),
        ({"title": "x" * 301}, "title", "at most 300 fit"),
        ({"classification": "TOP_SECRET"}, "classification", "above your clearance"),
    ):
        page = refused(editor.post("/ui/cases", _case_form(editor, reference, **extra)), 400, field, words)
        assert 'role="alert">Not saved.' in page
        assert f'value="{reference}"' in page  # what was typed is kept
        assert _cases_with(editor, reference) == []
    created_id(editor.post("/ui/cases", _case_form(editor, reference)), "/ui/cases/")
    again = refused(editor.post("/ui/cases", _case_form(editor, reference)), 400, "reference", "another case")
    assert again and len(_cases_with(editor, reference)) == 1


def test_a_viewer_or_a_form_without_its_token_stores_no_case(person: MakeBrowser) -> None:
    viewer, editor = person(Role.VIEWER, "USA"), person(Role.EDITOR, "USA")
    reference = fresh_tag()
    assert "Open the case" not in viewer.get("/ui/cases").text
    refused(viewer.post("/ui/cases", _case_form(viewer, reference)), 403, words="needs the editor role")
    assert editor.post("/ui/cases", _case_form(editor, reference), csrf=False).status_code == 403
    assert _cases_with(editor, reference) == []


def _implementing_case(editor: Browser) -> int:
    """A small US case (no 36(b) notice owed) moved to implementing through the case page's own form."""
    case_id = created_id(editor.post("/ui/cases", _case_form(editor, fresh_tag())), "/ui/cases/")
    for step in ("offer", "accepted", "implementing"):
        version = cases.case_detail(editor.ctx, case_id).version
        answer = editor.post(f"/ui/cases/{case_id}/transition", {"to": step, "version": str(version)})
        assert answer.status_code == 303, answer.text[:500]
    return case_id


def test_a_delivery_waits_for_the_vetting_of_its_unit_then_is_stored_with_its_serials(person: MakeBrowser) -> None:
    editor = person(Role.EDITOR, "USA")
    case_id = _implementing_case(editor)
    line = editor.post(
        f"/ui/cases/{case_id}/lines", {"description": "Rifles", "quantity": "3", "recipient_unit": "3rd Battalion"}
    )
    assert line.status_code == 303
    detail = cases.case_detail(editor.ctx, case_id)
    rifles = next(x for x in detail.lines if x.description == "Rifles")
    assert (rifles.number, rifles.quantity, rifles.unit) == (3, 3, "3rd Battalion")
    page = editor.get(f"/ui/cases/{case_id}").text
    assert "AECA-VETTING: blocks this step" in page and "no vetting for 3rd Battalion" in page
    delivery = {"line_id": str(rifles.id), "delivered_on": "2025-06-01", "quantity": "2", "serial_numbers": "R-1 R-2"}
    blocked = refused(editor.post(f"/ui/cases/{case_id}/deliveries", delivery), 409, words="no vetting for 3rd")
    assert "AECA-VETTING: blocks this step" in blocked
    assert cases.case_detail(editor.ctx, case_id).lines[2].delivered == 0

    Writer(editor.ctx.store).create(
        editor.ctx.principal,
        "approvals",
        {
            "kind": "vetting",
            "party_state_id": editor.ctx.state_id("USA"),
            "subject": "3rd Battalion",
            "decided_on": "2025-05-01",
            "result": "cleared",
        },
    )
    for bad, field, words in (
        ({"quantity": "4"}, "quantity", "3 items and 0 are delivered: at most 3 more"),
        ({"serial_numbers": "R-1"}, "serial_numbers", "one serial number per item: 2 delivered, 1 given"),
        ({"serial_numbers": "R-1, R-1"}, "serial_numbers", "R-1 is given twice"),
        ({"line_id": "999999"}, "line_id", "choose one of the case's lines"),
    ):
        refused(editor.post(f"/ui/cases/{case_id}/deliveries", {**delivery, **bad}), 400, field, words)
    assert cases.case_detail(editor.ctx, case_id).lines[2].delivered == 0
    assert editor.post(f"/ui/cases/{case_id}/deliveries", delivery).status_code == 303
    stored = cases.case_detail(editor.ctx, case_id).lines[2]
    assert (stored.delivered, stored.serials) == (2, ["R-1", "R-2"])


def test_an_end_use_check_records_serials_seen_and_flags_those_never_delivered(person: MakeBrowser) -> None:
    editor = person(Role.EDITOR, "USA")
    case_id = _implementing_case(editor)
    boats = cases.case_detail(editor.ctx, case_id).lines[0]
    delivered = {"line_id": str(boats.id), "delivered_on": "2025-06-01", "quantity": "2", "serial_numbers": "B-1\nB-2"}
    assert editor.post(f"/ui/cases/{case_id}/deliveries", delivered).status_code == 303
    check = {"line_id": str(boats.id), "checked_on": "2025-09-01", "kind": "enhanced", "result": "discrepancy"}
    check["serials_checked"] = "B-1, B-9"
    refused(editor.post(f"/ui/cases/{case_id}/checks", check), 400, "discrepancies", "describe the discrepancy")
    refused(
        editor.post(f"/ui/cases/{case_id}/checks", {**check, "result": "lost"}), 400, "result", "'lost' is not one of"
    )
    assert cases.case_detail(editor.ctx, case_id).checks == []
    check["discrepancies"] = "B-2 not found; B-9 seen instead"
    assert editor.post(f"/ui/cases/{case_id}/checks", check).status_code == 303
    (stored,) = cases.case_detail(editor.ctx, case_id).checks
    assert (str(stored.checked_on), stored.kind, stored.result, stored.line) == (
        "2025-09-01",
        "enhanced",
        "discrepancy",
        1,
    )
    assert (stored.serials, stored.unknown_serials, stored.discrepancies) == (
        ["B-1", "B-9"],
        ["B-9"],
        "B-2 not found; B-9 seen instead",
    )
    page = editor.get(f"/ui/cases/{case_id}").text
    assert "<td>B-1, B-9</td><td>B-9</td>" in page
    viewer = person(Role.VIEWER, "USA")
    refused(viewer.post(f"/ui/cases/{case_id}/checks", check), 403, words="needs the editor role")
    assert len(cases.case_detail(editor.ctx, case_id).checks) == 1


def test_a_request_is_edited_against_the_version_read_and_fixed_once_offered(person: MakeBrowser) -> None:
    editor = person(Role.EDITOR, "USA")
    case_id = created_id(editor.post("/ui/cases", _case_form(editor, fresh_tag())), "/ui/cases/")
    version = cases.case_detail(editor.ctx, case_id).version
    change = {"title": "Patrol boats", "requested_on": "2025-02-01", "value": "900000", "currency": "usd"}
    refused(editor.post(f"/ui/cases/{case_id}/edit", {**change, "version": str(version), "value": "-1"}), 400, "value")
    assert editor.post(f"/ui/cases/{case_id}/edit", {**change, "version": str(version)}).status_code == 303
    record = editor.ctx.reader.get(editor.ctx.principal, "cases", case_id)
    assert (record["title"], str(record["requested_on"])[:10], float(record["value"]), record["currency"]) == (
        "Patrol boats",
        "2025-02-01",
        900000.0,
        "USD",
    )
    stale = editor.post(f"/ui/cases/{case_id}/edit", {**change, "title": "Other", "version": str(version)})
    refused(stale, 409, words="was changed by someone else")
    assert editor.ctx.reader.get(editor.ctx.principal, "cases", case_id)["title"] == "Patrol boats"
    moved = editor.post(f"/ui/cases/{case_id}/transition", {"to": "offer", "version": str(version + 1)})
    assert moved.status_code == 303, moved.text[moved.text.find('role="alert"') :][:300]
    assert "Change the request" not in editor.get(f"/ui/cases/{case_id}").text
    late = editor.post(f"/ui/cases/{case_id}/edit", {**change, "title": "Late", "version": str(version + 2)})
    refused(late, 409, words="its terms are fixed once offered")
