"""Pages 6-11 in a real browser: engagements approved by a second editor, compliance evidence imported and
the board changing, a report written and found (and invisible to the uncleared), the assistance board and a
case's gates, negotiations and peacekeeping; each page scanned by axe and photographed at 1280 and 390 px.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from detente.domain.markings import Role
from detente.services import accounts
from detente.services.access import Principal
from detente.services.writing import Writer
from detente.store.database import Store
from tests.web.conftest import PASSWORD, Browse, Live, Person, check_page

MakePerson = Callable[..., Person]


def _tag() -> str:
    return "zq" + uuid.uuid4().hex[:10]


def _principal(store: Store, person: Person) -> Principal:
    issued = accounts.login(store, person.username, PASSWORD, client="tests")
    return accounts.authenticate(store, issued.secret)


def _state_id(store: Store, principal: Principal, iso3: str) -> int:
    from detente.services.reading import Reader

    return int(Reader(store).list(principal, "states", filters={"iso3": iso3}).items[0]["id"])


def test_an_engagement_proposed_by_one_editor_is_approved_by_another(
    browse: Browse, make_person: MakePerson, backend_name: str
) -> None:
    proposer, approver = make_person(Role.EDITOR), make_person(Role.EDITOR)
    title = f"Staff talks {_tag()}"
    page = browse(proposer)
    page.goto("/ui/engagements?month=2031-03")
    check_page(page, "engagements", backend_name)
    page.fill("#n-title", title)
    page.select_option("#n-kind", "staff_talks")
    page.fill("#n-from", "2031-03-04")
    page.fill("#n-to", "2031-03-05")
    page.fill("#n-obj", "Agree a training calendar\nExchange liaison officers")
    page.get_by_role("button", name="Propose").click()
    page.wait_for_url(re.compile(r".*/ui/engagements/\d+$"))
    address = page.url
    assert page.locator("h1").inner_text() == title
    assert page.locator("#status").inner_text() == "proposed"
    assert "another editor must approve" in page.locator(".note").inner_text()
    assert page.get_by_role("button", name="Move to approved").count() == 0
    check_page(page, "engagement", backend_name)
    page.goto("/ui/engagements?month=2031-03")
    assert page.locator(f"table.calendar >> text={title}").count() == 1

    other = browse(approver)
    other.goto(address)
    other.get_by_role("button", name="Move to approved").click()
    other.wait_for_url(address)
    assert other.locator("#status").inner_text() == "approved"
    assert "user" in other.locator("dl.facts").inner_text()
    other.get_by_role("button", name="Move to planned").click()
    assert other.locator("#status").inner_text() == "planned"


def _vienna_file(tag: str) -> bytes:
    sent = "2024-04-01T00:00:00Z"
    return json.dumps(
        {
            "activities": [
                {
                    "ref": tag,
                    "kind": "exercise",
                    "party": "DEU",
                    "title": tag,
                    "start": "2024-05-01",
                    "end": "2024-05-02",
                    "troops": 10000,
                }
            ],
            "notifications": [
                {
                    "kind": "prior_notification",
                    "sender": "DEU",
                    "receiver": "FRA",
                    "sent_at": sent,
                    "received_at": sent,
                    "trigger": f"activity:{tag}",
                }
            ],
        }
    ).encode()


def test_importing_compliance_evidence_changes_the_board(
    browse: Browse, make_person: MakePerson, backend_name: str
) -> None:
    editor = make_person(Role.EDITOR)
    tag = _tag()
    page = browse(editor)
    page.goto("/ui/compliance?treaty=vienna-document-2011&as_of=2024-07-01")
    assert page.locator(f"#evidence-h ~ * >> text={tag}").count() == 0
    before = page.locator("#grid-h").locator("..").inner_text()
    page.set_input_files("#file", {"name": f"{tag}.json", "mimeType": "application/json", "buffer": _vienna_file(tag)})
    page.get_by_role("button", name="Import and evaluate").click()
    page.wait_for_url(re.compile(r".*imported=activity:1,notification:1.*"))
    assert "1 activity, 1 notification" in page.locator("[role=status]").first.inner_text()
    after = page.locator("#grid-h").locator("..").inner_text()
    assert after != before
    grid_rows = page.locator("#grid table tbody tr")
    rows = [grid_rows.nth(i).text_content() or "" for i in range(grid_rows.count())]  # the chart's table view
    germany = [row for row in rows if "Germany" in row]
    assert germany and "breach" in germany[0]
    assert page.locator(f"text={tag}").count() >= 1  # the activity in the evidence table
    check_page(page, "compliance", backend_name)
    calendar = page.request.get("/ui/compliance/calendar.ics?treaty=vienna-document-2011")
    assert calendar.status == 200 and calendar.headers["content-type"].startswith("text/calendar")
    assert calendar.text().startswith("BEGIN:VCALENDAR")

    bad = json.loads(_vienna_file(_tag()))
    bad["activities"][0]["troops"] = -5
    page.set_input_files(
        "#file", {"name": "bad.json", "mimeType": "application/json", "buffer": json.dumps(bad).encode()}
    )
    page.get_by_role("button", name="Import and evaluate").click()
    alert = page.locator("[role=alert]").inner_text()
    assert "Nothing was stored" in alert and "bad.json" in alert and "troops" in alert


def test_a_report_is_found_by_search_and_leaves_no_trace_for_the_uncleared(
    browse: Browse, make_person: MakePerson, live: Live, backend_name: str
) -> None:
    author = make_person(Role.ANALYST, "SECRET", "FRA")
    uncleared = make_person(Role.VIEWER, "UNCLASSIFIED", "FRA")
    tag = _tag()
    page = browse(author)
    page.goto("/ui/reports")
    page.fill("#w-title", f"Port visit {tag}")
    page.fill("#w-date", "2025-02-03")
    page.fill("#w-region", "Baltic")
    page.select_option("#w-rel", "B")
    page.select_option("#w-cred", "2")
    page.fill("#w-body", f"The {tag} squadron left port at dawn.")
    page.select_option("#w-class", "SECRET")
    page.get_by_role("button", name="Save the report").click()
    page.wait_for_url(re.compile(r".*/ui/reports/\d+$"))
    address = page.url
    assert "SECRET // REL TO FRA" in page.locator("dl.facts").inner_text()
    page.fill("#n-body", "A second source confirms the sailing.")
    page.get_by_role("button", name="Add the note").click()
    assert "second source confirms" in page.locator(".timeline").inner_text().lower()
    check_page(page, "report", backend_name)
    page.goto(f"/ui/reports?q={tag}+squadron")
    assert page.locator("#result-count").inner_text() == "1 report found."
    assert page.locator(f"text=Port visit {tag}").count() == 1
    check_page(page, "reports", backend_name)

    hidden = browse(uncleared)
    hidden.goto(f"/ui/reports?q={tag}")
    assert hidden.locator("#result-count").inner_text() == "0 reports found."
    hidden.goto("/ui/reports?region=Baltic&since=2025-02-03&until=2025-02-03")
    assert tag not in hidden.content()
    assert hidden.goto(address).status == 404
    assert tag not in hidden.content()


def test_case_board_and_the_gate_that_blocks_an_offer(
    browse: Browse, make_person: MakePerson, live: Live, backend_name: str
) -> None:
    editor = make_person(Role.EDITOR, "SECRET", "USA")
    principal = _principal(live.store, editor)
    reference = _tag()
    case = Writer(live.store).create(
        principal,
        "cases",
        {
            "reference": reference,
            "title": "Patrol boats",
            "programme": "fms",
            "provider_state_id": _state_id(live.store, principal, "USA"),
            "recipient_state_id": _state_id(live.store, principal, "SAU"),
            "requested_on": "2025-01-15",
            "value": "60000000",
        },
    )
    page = browse(editor)
    page.goto("/ui/cases")
    assert page.locator(f"#col-request ~ ul >> text={reference}").count() == 1
    check_page(page, "cases", backend_name)
    page.click(f"text={reference}")
    page.wait_for_url(f"**/ui/cases/{case['id']}")
    gates = page.locator(".gates").inner_text()
    assert "AECA-36B-GENERAL: blocks this step" in gates and "no congressional_notification_36b" in gates
    assert page.get_by_role("button", name="Move to offer").count() == 0
    check_page(page, "case", backend_name)


def test_negotiation_and_peacekeeping_pages(
    browse: Browse, make_person: MakePerson, live: Live, backend_name: str
) -> None:
    editor = make_person(Role.EDITOR)
    principal = _principal(live.store, editor)
    writer = Writer(live.store)
    tag = _tag()
    talks = writer.create(principal, "negotiations", {"title": f"Talks {tag}", "valid_from": "2018-01-10"})
    writer.create(
        principal,
        "negotiation-rounds",
        {"negotiation_id": talks["id"], "number": 1, "valid_from": "2018-01-10", "venue": "Geneva"},
    )
    accord = writer.create(
        principal, "agreements", {"title": f"Accord {tag}", "kind": "peace_agreement", "negotiation_id": talks["id"]}
    )
    provision = writer.create(
        principal, "provisions", {"agreement_id": accord["id"], "code": "ceasefire", "kind": "ceasefire"}
    )
    for year, score in ((2019, 1), (2021, 3)):
        writer.create(
            principal, "implementation-scores", {"provision_id": provision["id"], "year": year, "score": score}
        )
    page = browse(editor)
    page.goto("/ui/negotiations")
    check_page(page, "negotiations", backend_name)
    page.click(f"text=Talks {tag}")
    assert "Geneva" in page.locator(".timeline").inner_text()
    assert page.locator("#implementation svg").count() == 1
    check_page(page, "negotiation", backend_name)

    page.goto("/ui/peacekeeping")
    assert page.locator("#missions-map svg").count() == 1
    check_page(page, "peacekeeping", backend_name)
    page.select_option("#mission", label="UNIFIL")
    page.click("form.inline-form button")
    assert page.locator("h1").inner_text() == "Peacekeeping: UNIFIL"
    assert page.locator("#contributions svg").count() == 1


def test_refused_forms_answer_with_their_reason_and_store_nothing(browse: Browse, make_person: MakePerson) -> None:
    viewer = make_person(Role.VIEWER)
    page = browse(viewer)
    page.goto("/ui/compliance?treaty=vienna-document-2011")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    csv = {"name": "a.csv", "mimeType": "text/csv", "buffer": b"kind,party,start\nexercise,DEU,2024-01-01\n"}
    refused = page.request.post(
        "/ui/compliance/evidence",
        multipart={"csrf_token": token, "treaty": "vienna-document-2011", "type": "activity", "file": csv},
    )
    assert refused.status == 403 and "needs the editor role" in refused.text()
    evaluated = page.request.post("/ui/compliance/evaluate", form={"csrf_token": token, "treaty": "no-such-treaty"})
    assert evaluated.status == 403 and "needs the analyst role" in evaluated.text()
    assert page.request.get("/ui/compliance/calendar.ics?treaty=no-such-treaty").status == 404
    no_token = page.request.post("/ui/engagements/1/transition", form={"to": "approved", "version": "1"})
    assert no_token.status == 403
    missing = page.request.post(
        "/ui/engagements/999999999/transition", form={"csrf_token": token, "to": "approved", "version": "1"}
    )
    assert missing.status == 404


def test_a_finding_on_marked_evidence_leaves_no_trace_on_the_board(
    browse: Browse, make_person: MakePerson, live: Live, tmp_path: Path
) -> None:
    """An exercise marked SECRET releasable to France, judged by the engine: its finding is marked too, so the
    board shows it (and the exercise) to a cleared French viewer and neither to an uncleared one."""
    from sqlalchemy import select

    from detente.compliance.importer import import_evidence
    from detente.compliance.packs import get_pack
    from detente.compliance.service import evaluate
    from detente.services.records import Records
    from detente.store.models import Activity, Marking

    tag = _tag()
    rows = [{"ref": tag, "kind": "exercise", "party": "POL", "title": tag, "start": "2012-05-10", "end": "2012-05-12",
             "troops": 13500}]  # fmt: skip
    path = tmp_path / "secret.json"
    path.write_text(json.dumps({"activities": rows}), encoding="utf-8")
    pack = get_pack("vienna-document-2011")
    import_evidence(live.store, path, pack, evidence_type=None, actor="tests")
    records = Records(live.store)
    secret = records.create(Marking, {"classification": "SECRET", "releasable_to": ["FRA"]}, actor="tests")
    with live.store.engine.connect() as connection:
        activity = connection.scalar(select(Activity.id).where(Activity.title == tag))
    assert activity is not None
    records.update(Activity, activity, {"marking_id": secret["id"]}, actor="tests")
    evaluate(live.store, treaty=pack.code, as_of=date(2012, 6, 1))

    def board(person: Person) -> str:
        page = browse(person)
        page.goto("/ui/compliance?treaty=vienna-document-2011&as_of=2012-06-01")
        return page.content()

    cleared = board(make_person(Role.VIEWER, clearance="SECRET", nationality="FRA"))
    assert f"activity:{activity}" in cleared and tag in cleared
    for person in (
        make_person(Role.VIEWER, clearance="UNCLASSIFIED", nationality="FRA"),
        make_person(Role.VIEWER, clearance="TOP SECRET", nationality="DEU"),
    ):
        shown = board(person)
        assert f"activity:{activity}" not in shown and tag not in shown
