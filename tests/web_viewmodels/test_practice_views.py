"""View models of the reports, cases, negotiations and peacekeeping pages, with markings applied."""

from __future__ import annotations

import pytest

from detente.domain.markings import Role
from detente.services.errors import GateError, NotFoundError
from detente.services.writing import Writer
from detente.web.viewmodels import cases, negotiations, peacekeeping, reports
from detente.web.viewmodels.common import every
from tests.web_viewmodels.conftest import MakeContext, fresh_tag


def test_a_report_is_found_by_search_and_leaves_no_trace_for_others(person: MakeContext) -> None:
    author = person(Role.ANALYST, "FRA", "SECRET")
    colleague = person(Role.VIEWER, "FRA", "SECRET")
    uncleared = person(Role.VIEWER, "FRA", "UNCLASSIFIED")
    foreigner = person(Role.VIEWER, "DEU", "TOP_SECRET")
    tag = fresh_tag()
    form = {
        "title": f"Naval exercise {tag}",
        "body": f"Observed the {tag} squadron leaving port.",
        "region": "Baltic",
        "reported_on": "2025-02-03",
        "reliability": "B",
        "credibility": "2",
        "classification": "SECRET",
    }
    created = reports.write(author, form)
    for reader in (author, colleague):
        found = reports.search(reader, query=f"{tag} squadron")
        assert [row.id for row in found.rows] == [created["id"]] and found.total == 1
        assert found.rows[0].grade == "B2" and found.rows[0].marking == "SECRET // REL TO FRA"
    by_filters = reports.search(colleague, region="Baltic", reliability="B", since="2025-02-01", until="2025-02-28")
    assert created["id"] in {row.id for row in by_filters.rows}
    for reader in (uncleared, foreigner):
        assert reports.search(reader, query=tag).total == 0
        assert reports.search(reader, region="Baltic", since="2025-02-03", until="2025-02-03").total == 0
        assert reader.reader.count(reader.principal, "reports", search=tag) == 0
        with pytest.raises(NotFoundError):
            reports.report_detail(reader, created["id"])
    assert reports.search(colleague, since="not a date").error == "since: 'not a date' is not a date; write YYYY-MM-DD"


def test_journal_notes_on_a_report(person: MakeContext) -> None:
    author = person(Role.ANALYST, "FRA", "SECRET")
    form = {
        "title": fresh_tag(),
        "body": "First paragraph.\n\nSecond paragraph.",
        "reliability": "C",
        "credibility": "3",
        "classification": "SECRET",
    }
    created = reports.write(author, form)
    reports.add_note(author, created["id"], {"body": "Second source confirms.", "kind": "success"})
    detail = reports.report_detail(author, created["id"])
    assert detail.paragraphs == ["First paragraph.", "Second paragraph."]
    assert [(n.kind, n.body, n.author) for n in detail.notes] == [("success", "Second source confirms.", "you")]
    notes = author.reader.list(
        author.principal, "journal", filters={"object_type": "report", "object_id": created["id"]}
    )
    assert notes.items[0]["marking"]["classification"] == "SECRET"  # as classified as the report


def test_case_board_and_the_gate_that_blocks_an_offer(person: MakeContext) -> None:
    editor, outsider = person(Role.EDITOR, "USA"), person(Role.EDITOR, "DEU")
    usa, sau = editor.state_id("USA"), editor.state_id("SAU")
    case = Writer(editor.store).create(
        editor.principal,
        "cases",
        {
            "reference": fresh_tag(),
            "title": "Patrol boats",
            "programme": "fms",
            "provider_state_id": usa,
            "recipient_state_id": sau,
            "requested_on": "2025-01-15",
            "value": "60000000",
        },
    )
    board = cases.case_board(editor)
    requests = next(column for column in board.columns if column.status == "request")
    assert case["id"] in {card.id for card in requests.cards}
    assert [column.status for column in board.columns][:3] == ["request", "offer", "accepted"]
    assert case["id"] not in {card.id for column in cases.case_board(outsider).columns for card in column.cards}
    detail = cases.case_detail(editor, case["id"])
    assert detail.next_status == "offer" and not detail.can_move
    assert [(g.name, g.passed) for g in detail.gates] == [("AECA-36B-GENERAL", False)]  # SAU: not NATO, 30 days
    assert "no congressional_notification_36b" in detail.gates[0].reason
    with pytest.raises(GateError):
        cases.move_case(editor, case["id"], "offer", detail.version)
    with pytest.raises(NotFoundError):
        cases.case_detail(outsider, case["id"])


def test_negotiation_rounds_and_implementation_heat_map(person: MakeContext) -> None:
    editor = person(Role.EDITOR)
    writer = Writer(editor.store)
    tag = fresh_tag()
    talks = writer.create(
        editor.principal, "negotiations", {"title": f"Talks {tag}", "status": "concluded", "valid_from": "2018-01-10"}
    )
    writer.create(
        editor.principal,
        "negotiation-parties",
        {"negotiation_id": talks["id"], "actor_name": "Mediator", "role": "mediator"},
    )
    for number, day in ((1, "2018-01-10"), (2, "2018-06-02")):
        writer.create(
            editor.principal,
            "negotiation-rounds",
            {"negotiation_id": talks["id"], "number": number, "valid_from": day, "venue": "Geneva"},
        )
    accord = writer.create(
        editor.principal,
        "agreements",
        {"title": f"Accord {tag}", "kind": "peace_agreement", "negotiation_id": talks["id"]},
    )
    provision = writer.create(
        editor.principal, "provisions", {"agreement_id": accord["id"], "code": "ceasefire", "kind": "ceasefire"}
    )
    for year, score in ((2019, 1), (2021, 3)):
        writer.create(
            editor.principal, "implementation-scores", {"provision_id": provision["id"], "year": year, "score": score}
        )
    detail = negotiations.negotiation_detail(editor, talks["id"])
    assert [r.number for r in detail.rounds] == [1, 2] and detail.parties == [("Mediator", "mediator")]
    assert detail.heat.years == [2019, 2020, 2021]
    assert [cells for _, cells in detail.heat.rows] == [[1, None, 3]]  # 2020 not scored: unknown, not 0
    assert talks["id"] in {row.id for row in negotiations.negotiation_list(editor, status="concluded")}
    with pytest.raises(NotFoundError):
        negotiations.negotiation_detail(person(Role.VIEWER, "DEU"), talks["id"])


def test_peacekeeping_missions_and_contributions(person: MakeContext) -> None:
    planner = person(Role.EDITOR, "FRA")
    page = peacekeeping.peacekeeping(planner)
    assert len(page.missions) > 20  # IPI's UN missions
    unifil = next(pin for pin in page.missions if pin.code == "UNIFIL")
    assert unifil.latitude is not None and unifil.longitude is not None
    years = peacekeeping.contributions_by_year(planner, unifil.id)
    assert years and all(1 <= point.months <= 12 and point.personnel > 0 for point in years)
    listed = every(planner.reader, planner.principal, "contributions", filters={"mission_id": unifil.id})
    by_month: dict[str, int] = {}
    for row in listed:
        if row["total"] is not None:
            by_month[row["valid_from"]] = by_month.get(row["valid_from"], 0) + row["total"]
    first = min(by_month)
    in_year = [total for month, total in by_month.items() if month[:4] == first[:4]]
    assert years[0].year == int(first[:4]) and years[0].personnel == round(sum(in_year) / len(in_year), 1)
    everything = {p.year: p.personnel for p in peacekeeping.contributions_by_year(planner)}
    assert all(everything[p.year] >= p.personnel for p in years)


def test_a_case_no_gate_applies_to_moves_on(person: MakeContext) -> None:
    editor = person(Role.EDITOR, "FRA")
    case = Writer(editor.store).create(
        editor.principal,
        "cases",
        {
            "reference": fresh_tag(),
            "title": "Training",
            "programme": "training",
            "provider_state_id": editor.state_id("FRA"),
            "recipient_state_id": editor.state_id("SEN"),
            "requested_on": "2025-03-01",
        },
    )
    detail = cases.case_detail(editor, case["id"])
    assert [(g.name, g.passed) for g in detail.gates] == [("AECA-36B", True)] and detail.can_move
    cases.move_case(editor, case["id"], "offer", detail.version)
    moved = cases.case_detail(editor, case["id"])
    assert moved.status == "offer" and moved.next_status == "accepted" and moved.gates == []
