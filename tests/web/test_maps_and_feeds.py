"""In a real browser: the peacekeeping page's headquarters pins (reached and opened with the keyboard) and
force generation, the compliance calendar's subscribe address (read without a session, then revoked), and
the peacekeeping co-deployment network. Each page scanned by axe and photographed at 1280 and 390 px.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from detente.domain.markings import Role
from detente.services.reading import Reader
from detente.services.writing import Writer
from tests.web.conftest import Browse, Live, Person, check_page, principal_of

MakePerson = Callable[..., Person]


def test_peacekeeping_pins_and_force_generation(
    browse: Browse, make_person: MakePerson, live: Live, backend_name: str
) -> None:
    planner = make_person(Role.EDITOR)
    principal = principal_of(live.store, planner)
    reader = Reader(live.store)
    unifil = reader.list(principal, "missions", filters={"code": "UNIFIL"}).items[0]
    france = reader.list(principal, "states", filters={"iso3": "FRA"}).items[0]
    capability = "zq" + uuid.uuid4().hex[:10]
    writer = Writer(live.store)
    writer.create(
        principal,
        "requirements",
        {"mission_id": unifil["id"], "capability_type": capability, "size": 850, "readiness_required": "L2"},
    )
    pledge = writer.create(
        principal,
        "pledges",
        {
            "state_id": france["id"],
            "capability_type": capability,
            "size": 600,
            "readiness_level": "L3",
            "pledged_on": "2024-01-01",
        },
    )
    page = browse(planner)
    page.goto("/ui/peacekeeping")
    pins = page.locator("#missions-map svg .map-pins a")
    assert pins.count() > 50
    # The table view lists every mission; one without coordinates is "location unknown", not dropped.
    rows = page.locator("#missions-map table tbody tr")
    assert rows.count() == pins.count() + page.locator("#location-unknown a").count()
    assert "location unknown" in (page.locator("#missions-map table tbody tr", has_text="UNMC").text_content() or "")
    check_page(page, "peacekeeping-pins", backend_name)
    # A pin is a link: reached with the keyboard, opened with Enter.
    pin = page.locator("#missions-map svg a[aria-label^='UNIFIL (']")
    assert "headquarters in Lebanon" in (pin.get_attribute("aria-label") or "")
    pin.focus()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith("UNIFIL (")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*mission={unifil['id']}$"))
    assert page.locator("h1").inner_text() == "Peacekeeping: UNIFIL"
    assert page.locator("#missions-map svg circle[r='6.5']").count() == 1  # the chosen mission's pin
    # Its deployment sites (Geo-PKO) on a map zoomed to them, for a year chosen in the form.
    assert page.locator("#sites-map svg .map-pin").count() > 20
    page.select_option("#sites-year", "2000")
    page.get_by_role("button", name="Show sites").click()
    page.wait_for_url(re.compile(r".*year=2000"))
    assert "deployment sites in 2000" in page.locator("#sites-map figcaption").inner_text()
    assert page.locator("#sites-map table tbody tr").count() == page.locator("#sites-map svg .map-pin").count()
    # Force generation: France's L3 pledge of 600 proposed for the 850 asked, 250 left uncovered.
    row = page.locator("#force-h ~ .table-wrap tbody tr", has_text=capability)
    cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
    assert cells[:4] == ["UNIFIL", capability, "850", "L2"]
    assert f"France 600 of 600 (L3, pledge {pledge['id']})" in cells[4]
    assert cells[5:7] == ["600", "250"]
    assert "(mean personnel deployed" in cells[7]  # leads from IPI history
    assert page.locator("#force-h ~ ul.citations li", has_text="IPI Peacekeeping Database").count() >= 1
    check_page(page, "peacekeeping-force", backend_name)


def test_subscribe_to_the_compliance_calendar_without_a_session(
    browse: Browse, make_person: MakePerson, backend_name: str
) -> None:
    page = browse(make_person(Role.VIEWER))
    page.goto("/ui/compliance?treaty=new-start")
    page.get_by_role("button", name="Make a subscribe address").click()
    address = page.locator("#new-feed").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/ui/compliance/calendar/dt_[\w-]+\.ics\?treaty=new-start", address)
    check_page(page, "compliance-feed", backend_name)
    outsider = browse(None)  # a calendar program: no session cookie
    answer = outsider.request.get(address)
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/calendar")
    assert answer.text().startswith("BEGIN:VCALENDAR")
    page.goto("/ui/compliance?treaty=new-start")
    assert page.locator("#new-feed").count() == 0  # shown once only
    page.locator("#feeds").get_by_role("button", name="Revoke").click()
    page.wait_for_url(re.compile(r".*/ui/compliance\?treaty=new-start"))
    assert "You have no subscribe address." in page.locator("#feeds").inner_text()
    gone = outsider.request.get(address)
    assert gone.status == 404 and "dt_" not in gone.text()


def test_the_peacekeeping_network_of_a_real_year(browse: Browse, make_person: MakePerson, backend_name: str) -> None:
    page = browse(make_person(Role.VIEWER))
    page.goto("/ui/network?kind=pko&year=2012")
    assert page.locator("#network svg circle").count() > 50
    assert re.search(r"\d+ states, [\d,]+ ties", page.locator("main p").first.inner_text())
    check_page(page, "network-pko", backend_name)
    node = page.locator("#network svg a[aria-label^='France,']")
    node.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/ui/country/FRA")
