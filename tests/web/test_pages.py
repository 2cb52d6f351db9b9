"""The pages of the UI end to end in Chromium, over the real data: each also passes axe and fits 390 px."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx

from detente.domain.markings import Role
from detente.services.records import Records
from detente.services.writing import MarkingRequest, Writer
from tests.web.conftest import Browse, Live, Person, check_page, principal_of


def test_open_a_country_from_the_index(browse: Browse, make_person: Callable[..., Person], backend_name: str) -> None:
    page = browse(make_person(Role.ANALYST))
    page.click("nav#site-nav >> text=Countries")
    page.fill("#q", "France")
    page.click("form[role=search] button")
    page.click("table >> text=France")
    page.wait_for_url("**/ui/country/FRA")
    assert page.locator("h1").inner_text().startswith("France")
    alliances = page.locator("section[aria-labelledby=all-h] tbody tr")
    assert alliances.count() >= 1
    assert "none in force" not in alliances.first.inner_text()
    assert page.locator("#arms svg path").count() >= 1  # exports and imports drawn from SIPRI TIV
    assert page.locator("#locator svg a").count() > 100  # the world map, each country a link
    # every figure's source link leads to a citation on the page, and that citation to the sources page
    anchors = {a.get_attribute("href") for a in page.locator("section[aria-labelledby=fig-h] a").all()}
    assert anchors
    for href in anchors:
        assert href is not None
        assert href.startswith("#cite-")
        assert page.locator(href).count() == 1, href
    # UCDP/PRIO armed conflicts: a table whose rows cite UCDP (France fought in Mali, Afghanistan ...)
    armed = page.locator("section[aria-labelledby=acd-h]")
    assert "UCDP/PRIO ACD covers 1946-2024" in armed.locator("p.note").inner_text()
    rows = armed.locator("tbody tr")
    assert rows.count() >= 5
    assert "Mali" in armed.inner_text()
    assert rows.first.locator("a", has_text="ucdp").count() == 1
    check_page(page, "country", backend_name)


def test_open_a_pair_from_a_country(browse: Browse, make_person: Callable[..., Person], backend_name: str) -> None:
    page = browse(make_person(Role.VIEWER))
    page.goto("/ui/country/FRA")
    page.click("text=Compare with another country")
    page.fill("#b", "DEU")
    page.click("form.inline-form button")
    page.wait_for_url(re.compile(r".*/ui/pair\?a=FRA&b=DEU"))
    assert "France" in page.locator("h1").inner_text()
    events = page.locator("ol.timeline li")
    assert events.count() > 10
    kinds = set(page.locator("ol.timeline .kind").all_inner_texts())
    assert {"alliance", "dispute", "exercise"} <= kinds, kinds
    # France and Germany stood on the same side in UCDP's Afghanistan conflict (both secondary parties)
    armed = page.locator("section[aria-labelledby=acd-h] tbody tr", has_text="Afghanistan")
    assert armed.count() >= 1 and "same side" in armed.first.inner_text()
    check_page(page, "pair", backend_name)


def test_change_the_map_year_with_the_keyboard(
    browse: Browse, make_person: Callable[..., Person], backend_name: str
) -> None:
    page = browse(make_person(Role.VIEWER))
    page.goto("/ui/map?indicator=milex&year=2000")
    assert page.locator("#map figcaption").inner_text().startswith("Military expenditure, 2000")
    france_2000 = page.locator("#map table tr", has_text="France").first.text_content()
    page.focus("#year")
    page.keyboard.press("ArrowLeft")  # the slider's change submits the form
    page.wait_for_url(re.compile(r".*year=1999"))
    assert page.locator("#map figcaption").inner_text().startswith("Military expenditure, 1999")
    france_1999 = page.locator("#map table tr", has_text="France").first.text_content()
    assert france_1999 != france_2000
    shaded = page.locator("#map svg path[fill='#08306b']").count()
    assert shaded > 10  # the top class of a five-class quantile map
    check_page(page, "map", backend_name)
    page.select_option("#indicator", "alliance")
    page.wait_for_url(re.compile(r".*indicator=alliance"))
    assert page.locator("#map table tr", has_text="defence pact").count() > 10
    check_page(page, "map-alliance", backend_name)


def test_open_the_network_and_a_node(browse: Browse, make_person: Callable[..., Person], backend_name: str) -> None:
    page = browse(make_person(Role.VIEWER))
    page.goto("/ui/network?kind=alliances&year=2000")
    assert page.locator("#network svg circle").count() > 50
    assert re.search(r"\d+ states, [\d,]+ ties", page.locator("main p").first.inner_text())
    check_page(page, "network", backend_name)
    node = page.locator("#network svg a[aria-label^='France,']")
    box = node.bounding_box()
    assert box is not None
    assert page.evaluate(  # France's node is not hidden under another: the top element at its centre is its own
        "([x, y]) => document.elementFromPoint(x, y).closest('a').getAttribute('aria-label')",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    ).startswith("France,")
    node.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/ui/country/FRA")
    page.goto("/ui/network?kind=exercises&year=1970")
    assert "unknown" in page.locator("[role=alert]").inner_text()


def test_sources_and_admin(browse: Browse, make_person: Callable[..., Person], live: Live, backend_name: str) -> None:
    admin = browse(make_person(Role.ADMIN, clearance="TOP SECRET"))
    admin.goto("/ui/sources")
    atop = admin.locator("#source-atop")
    assert "loaded" in atop.inner_text()
    assert "Leeds" in atop.inner_text()  # how to cite ATOP
    check_page(admin, "sources", backend_name)
    admin.click("nav#site-nav >> text=Admin")
    admin.click("text=Verify the audit log")
    assert admin.locator("[role=status]").inner_text().startswith("Verified:")
    assert admin.locator("section[aria-labelledby=users-h] tbody tr").count() >= 1
    check_page(admin, "admin", backend_name)
    viewer = browse(make_person(Role.VIEWER))
    assert viewer.locator("nav#site-nav >> text=Admin").count() == 0
    answer = viewer.goto("/ui/admin")
    assert answer is not None
    assert answer.status == 403


def test_a_marked_report_leaves_no_trace_for_a_user_without_clearance(
    browse: Browse, make_person: Callable[..., Person], live: Live
) -> None:
    author = make_person(Role.EDITOR, clearance="SECRET", nationality="FRA")
    writer = Writer(live.store)
    principal = principal_of(live.store, author)
    title = f"Marked report {uuid.uuid4().hex[:10]}"
    report = writer.create(
        principal,
        "reports",
        {"reported_on": "2021-03-04", "title": title, "body": "troop movements", "reliability": "B", "credibility": 2},
        marking=MarkingRequest("SECRET", ("FRA",)),
    )
    assert report["release_pending"] is False
    france = next(s for s in _states(live) if s[1] == "FRA")
    writer.create(
        principal, "report-links", {"report_id": report["id"], "object_type": "state", "object_id": france[0]}
    )

    def reports_shown(person: Person) -> tuple[int, str]:
        page = browse(person)
        page.goto("/ui/country/FRA")
        heading = page.locator("h3", has_text="Attaché reports").inner_text()
        found = re.search(r"\((\d+)\)", heading)
        assert found is not None, heading
        return int(found.group(1)), page.content()

    cleared_count, cleared_html = reports_shown(make_person(Role.VIEWER, clearance="SECRET", nationality="FRA"))
    uncleared_count, uncleared_html = reports_shown(
        make_person(Role.VIEWER, clearance="UNCLASSIFIED", nationality="FRA")
    )
    foreign_count, foreign_html = reports_shown(make_person(Role.VIEWER, clearance="TOP SECRET", nationality="DEU"))
    assert title in cleared_html
    assert cleared_count >= 1
    for count, html in ((uncleared_count, uncleared_html), (foreign_count, foreign_html)):
        assert title not in html
        assert "troop movements" not in html
        assert count == cleared_count - 1


def _states(live: Live) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from detente.store.models import State

    with live.store.engine.connect() as connection:
        return [
            (int(i), str(c)) for i, c in connection.execute(select(State.id, State.iso3).where(State.iso3.is_not(None)))
        ]


def test_every_page_answers_without_a_browser_too(live: Live) -> None:
    """Signed out, every page sends to the sign-in page (never a page with data)."""
    for path in (
        "/ui/",
        "/ui/country/FRA",
        "/ui/pair?a=FRA&b=DEU",
        "/ui/map",
        "/ui/network",
        "/ui/sources",
        "/ui/admin",
    ):
        answer = httpx.get(live.base + path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/ui/login?next=")


def test_a_write_shows_on_the_cached_country_page_at_once(
    browse: Browse, make_person: Callable[..., Person], live: Live
) -> None:
    """The public dossier is cached per process, keyed on the store's data version (the audit log's head):
    ending a party's membership of an unmarked agreement -- an audited write that changes no count of
    agreements or parties and no agreement's version -- is seen on the next view, not minutes later."""
    records = Records(live.store)
    title = f"Pact {uuid.uuid4().hex[:10]}"
    pact = records.create(
        "agreement", {"title": title, "kind": "alliance", "valid_from": "2000-01-01"}, actor="page-cache-test"
    )
    codes = {iso3: sid for sid, iso3 in _states(live)}
    spells = {
        iso3: records.create(
            "agreement_party",
            {"agreement_id": pact["id"], "state_id": codes[iso3], "role": "party", "valid_from": "2000-01-01"},
            actor="page-cache-test",
        )
        for iso3 in ("FRA", "DEU")
    }
    page = browse(make_person(Role.VIEWER))
    alliances = page.locator("section[aria-labelledby=all-h]")
    page.goto("/ui/country/FRA?year=2010")
    assert title in alliances.inner_text()
    page.goto("/ui/country/FRA?year=2010")  # the cached answer, still with the pact
    assert title in alliances.inner_text()
    records.update("agreement_party", spells["FRA"]["id"], {"valid_to": "2005-12-31"}, actor="page-cache-test")
    page.goto("/ui/country/FRA?year=2010")
    assert title not in alliances.inner_text()
