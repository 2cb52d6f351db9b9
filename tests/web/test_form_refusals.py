"""Two forms in a real browser: a report's link removed with its own button (the others stay), and an
engagement proposed with a bad partner list, refused with the message beside that field (the typed values
kept, the field marked invalid and pointing at it). Each page is scanned by axe and photographed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from detente.domain.markings import Role
from detente.services.reading import Reader
from detente.services.writing import MarkingRequest, Writer
from tests.web.conftest import Browse, Live, Person, check_page, principal_of

MakePerson = Callable[..., Person]


def test_a_report_link_is_removed_and_a_bad_engagement_is_refused_beside_its_field(
    browse: Browse, make_person: MakePerson, live: Live, backend_name: str
) -> None:
    analyst, editor = make_person(Role.ANALYST, "SECRET", "FRA"), make_person(Role.EDITOR, "SECRET", "FRA")
    principal = principal_of(live.store, analyst)
    reader = Reader(live.store)

    def state(iso3: str) -> int:
        return int(reader.list(principal, "states", filters={"iso3": iso3}).items[0]["id"])

    tag = "zq" + uuid.uuid4().hex[:8]
    report = Writer(live.store).create(
        principal,
        "reports",
        {"title": f"Harbour survey {tag}", "body": "A survey ship left Brest.", "reported_on": "2025-03-01",
         "reliability": "C", "credibility": 3},
        marking=MarkingRequest("UNCLASSIFIED"),
        children={"report-links": [{"object_type": "state", "object_id": state("SEN")},
                                   {"object_type": "state", "object_id": state("MRT")}]},
    )  # fmt: skip
    page = browse(analyst)
    page.goto(f"/ui/reports/{report['id']}")
    about = page.locator("#about")
    assert about.get_by_role("link", name="Senegal").count() == 1
    check_page(page, "report-links", backend_name)
    about.get_by_role("button", name="Remove the link to Senegal (state)").click()
    page.wait_for_url(re.compile(rf".*/ui/reports/{report['id']}#about$"))
    assert about.get_by_role("link", name="Senegal").count() == 0
    assert about.get_by_role("link", name="Mauritania").count() == 1
    links = reader.get(principal, "reports", int(report["id"]))["report_links"]
    assert [(x["object_type"], x["object_id"]) for x in links] == [("state", state("MRT"))]
    check_page(page, "report-link-removed", backend_name)

    page = browse(editor)
    page.goto("/ui/engagements?month=2031-04")
    page.fill("#n-title", f"Liaison visit {tag}")
    page.select_option("#n-kind", "visit")
    page.fill("#n-place", "Dakar")
    page.fill("#n-from", "2031-04-07")
    page.fill("#n-obj", "Meet the chief of staff")
    page.fill("#n-rel", "SEN, the navy")
    page.get_by_role("button", name="Propose").click()
    assert "Not saved." in page.locator("[role=alert]").inner_text()
    field = page.locator("#n-rel")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("aria-describedby") == "err-releasable_to"
    assert "'the navy' is not a releasability token" in page.locator("#err-releasable_to").inner_text()
    assert page.locator("#n-title").input_value() == f"Liaison visit {tag}"
    assert page.locator("#n-kind").input_value() == "visit"
    assert page.locator("#n-obj").input_value() == "Meet the chief of staff"
    check_page(page, "engagement-refused", backend_name)
    field.fill("SEN")
    page.get_by_role("button", name="Propose").click()
    page.wait_for_url(re.compile(r".*/ui/engagements/\d+$"))
    assert page.locator("h1").inner_text() == f"Liaison visit {tag}"
