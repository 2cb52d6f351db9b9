"""The create forms in a real browser: a case opened on the assistance board's form lands on the board, and a
requirement and a pledge recorded on the peacekeeping record page land in the force-generation table; a
refused pledge shows its message beside the field. Every page is scanned by axe and photographed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from detente.domain.markings import Role
from detente.services.reading import Reader
from tests.web.conftest import Browse, Live, Person, check_page, principal_of

MakePerson = Callable[..., Person]


def test_a_case_and_a_pledge_created_through_the_forms(
    browse: Browse, make_person: MakePerson, live: Live, backend_name: str
) -> None:
    editor = make_person(Role.EDITOR, "SECRET", "USA")
    principal = principal_of(live.store, editor)
    reader = Reader(live.store)

    def state(iso3: str) -> str:
        return str(reader.list(principal, "states", filters={"iso3": iso3}).items[0]["id"])

    reference = "zq" + uuid.uuid4().hex[:8]
    page = browse(editor)
    page.goto("/ui/cases")
    page.fill("#c-ref", reference)
    page.fill("#c-title", "Coastal radars")
    page.select_option("#c-prog", "fms")
    page.select_option("#c-provider", state("USA"))
    page.select_option("#c-partner", state("SEN"))
    page.fill("#c-req", "2025-02-01")
    page.fill("#c-value", "2400000")
    page.fill("#c-cur", "USD")
    page.fill("#c-l1-d", "Coastal radar")
    page.fill("#c-l1-q", "2")
    page.fill("#c-l1-u", "Senegalese Navy")
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_url(re.compile(r".*/ui/cases/\d+$"))
    assert page.locator("h1").inner_text() == f"Case {reference}: Coastal radars"
    assert "Coastal radar" in page.locator("table").first.inner_text()
    check_page(page, "case-created", backend_name)
    page.goto("/ui/cases")
    assert page.locator(f"#col-request ~ ul >> text={reference}").count() == 1
    check_page(page, "cases-with-form", backend_name)

    unifil = reader.list(principal, "missions", filters={"code": "UNIFIL"}).items[0]
    capability = "zq" + uuid.uuid4().hex[:8] + "_engineer_company"
    page.goto("/ui/peacekeeping")
    page.get_by_role("link", name="Record a mission, requirement or pledge").click()
    page.wait_for_url("**/ui/peacekeeping/record")
    check_page(page, "peacekeeping-record", backend_name)
    page.select_option("#q-mission", str(unifil["id"]))
    page.fill("#q-cap", capability)
    page.fill("#q-size", "150")
    page.select_option("#q-level", "L2")
    page.get_by_role("button", name="Record the requirement").click()
    page.wait_for_url(re.compile(rf".*/ui/peacekeeping\?mission={unifil['id']}.*"))

    page.goto("/ui/peacekeeping/record")
    page.select_option("#p-state", state("USA"))
    wanted = reader.list(principal, "requirements", filters={"capability_type": capability}).items
    assert [(r["mission_id"], r["size"], r["readiness_required"]) for r in wanted] == [(unifil["id"], 150, "L2")]
    page.select_option("#p-req", str(wanted[0]["id"]))
    page.fill("#p-cap", capability)
    page.fill("#p-size", "120")
    page.select_option("#p-level", "RDL")
    page.fill("#p-on", "2025-03-01")
    page.fill("#p-visit", "2025-04-15")
    page.fill("#p-renew", "2025-02-01")  # before the pledge: refused
    page.get_by_role("button", name="Record the pledge").click()
    assert "Not saved." in page.locator("[role=alert]").inner_text()
    assert page.locator("#p-renew").get_attribute("aria-invalid") == "true"
    assert "falls due after the pledge" in page.locator("#err-renewal_due_on").inner_text()
    check_page(page, "peacekeeping-record-refused", backend_name)
    page.fill("#p-renew", "2026-03-01")
    page.get_by_role("button", name="Record the pledge").click()
    page.wait_for_url(re.compile(rf".*/ui/peacekeeping\?mission={unifil['id']}.*"))
    row = page.locator("#force-h ~ div table tr", has_text=capability)
    assert row.count() == 1
    cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
    assert cells[:4] == ["UNIFIL", capability, "150", "L2"] and "120" in cells[4:]  # pledged 120 at RDL
    check_page(page, "peacekeeping-pledged", backend_name)
