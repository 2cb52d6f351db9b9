"""The compliance board's view model on the real New START declarations, and evidence imported through it."""

from __future__ import annotations

import json
from datetime import date

import pytest

from detente.compliance.importer import EvidenceImportError
from detente.domain.markings import Role
from detente.services.errors import ForbiddenError
from detente.web.viewmodels import compliance
from tests.web_viewmodels.conftest import MakeContext, fresh_tag

LIMITS = ("NST-LIMIT-DEPLOYED", "NST-LIMIT-LAUNCHERS", "NST-LIMIT-WARHEADS")


def _column(board: compliance.Board, code: str) -> int:
    return [head.code for head in board.obligations].index(code)


def test_new_start_board_from_the_real_declarations(person: MakeContext) -> None:
    analyst = person(Role.ANALYST)
    for day in (date(2016, 3, 1), date(2019, 3, 1), date(2020, 3, 1)):
        compliance.evaluate_treaty(analyst, "new-start", day)
    board = compliance.board(analyst, "new-start", date(2020, 3, 1))
    assert board.evaluated and board.title and "new-start" in {c.value for c in board.treaties}
    parties = [row.party for row in board.rows]
    assert len(parties) == 2 and any("Russia" in p for p in parties) and any("United States" in p for p in parties)
    for row in board.rows:
        for code in LIMITS:
            cell = row.cells[_column(board, code)]
            assert cell.status in ("compliant", "at_risk"), (row.party, code, cell.explanation)
            assert cell.margin is not None and cell.margin >= 0 and cell.as_of == date(2020, 3, 1)
    # the United States declared exactly 800 launchers in March 2020: within the limit, by nothing
    usa = next(row for row in board.rows if "United States" in row.party)
    at_limit = usa.cells[_column(board, "NST-LIMIT-LAUNCHERS")]
    assert at_limit.status == "at_risk" and at_limit.margin == 0
    # the margin timeline: one series per party and limit, the 2016 finding (not in force) left out
    series = [s for s in board.margins if s.obligation == "NST-LIMIT-WARHEADS"]
    assert len(series) == 2
    assert all([day for day, _ in s.points] == [date(2019, 3, 1), date(2020, 3, 1)] for s in series)
    before = compliance.board(analyst, "new-start", date(2016, 6, 1))
    assert {row.cells[_column(before, "NST-LIMIT-WARHEADS")].status for row in before.rows} == {"not_in_force"}
    assert board.counts["compliant"] >= 5 and board.counts["at_risk"] >= 1


def _exercise_file(tag: str, start: str, sent: str | None, troops: int = 10_000) -> bytes:
    rows: dict[str, list[dict[str, object]]] = {
        "activities": [
            {
                "ref": tag,
                "kind": "exercise",
                "party": "DEU",
                "title": tag,
                "start": start,
                "end": start,
                "troops": troops,
            }
        ]
    }
    if sent is not None:
        rows["notifications"] = [
            {
                "kind": "prior_notification",
                "sender": "DEU",
                "receiver": "FRA",
                "sent_at": sent,
                "received_at": sent,
                "trigger": f"activity:{tag}",
            }
        ]
    return json.dumps(rows).encode()


def test_importing_evidence_changes_the_board(person: MakeContext) -> None:
    editor, viewer = person(Role.EDITOR), person(Role.VIEWER)
    as_of = date(2024, 7, 1)
    tag = fresh_tag()
    with pytest.raises(ForbiddenError):
        compliance.import_file(viewer, "vienna-document-2011", "x.json", _exercise_file(tag, "2024-05-01", None))
    report = compliance.import_file(
        editor,
        "vienna-document-2011",
        f"{tag}.json",
        _exercise_file(tag, "2024-05-01", "2024-04-01T00:00:00Z"),
        as_of=as_of,
    )
    assert report.stored == {"activity": 1, "notification": 1}
    board = compliance.board(viewer, "vienna-document-2011", as_of)
    germany = next(row for row in board.rows if row.party == viewer.state_name(viewer.state_id("DEU")))
    notice = germany.cells[_column(board, "VD-PRIOR-NOTICE")]
    assert notice.status == "breach" and "42 days" in notice.explanation
    assert any(e.type == "activity" and tag in e.summary for e in board.evidence)
    assert any(f.code == "VD-PRIOR-NOTICE" and f.status == "breach" for f in board.findings)


def test_a_bad_evidence_file_names_the_row_and_stores_nothing(person: MakeContext) -> None:
    editor = person(Role.EDITOR)
    as_of = date(2024, 7, 1)
    before = len(compliance.board(editor, "vienna-document-2011", as_of).evidence)
    tag = fresh_tag()
    with pytest.raises(EvidenceImportError) as raised:
        compliance.import_file(
            editor, "vienna-document-2011", "bad.json", _exercise_file(tag, "2024-05-01", None, -5), as_of=as_of
        )
    assert "bad.json" in str(raised.value) and "troops" in str(raised.value)
    after = compliance.board(editor, "vienna-document-2011", as_of)
    assert len(after.evidence) == before and not any(tag in e.summary for e in after.evidence)
    with pytest.raises(ValueError, match=r"csv or \.json"):
        compliance.import_file(editor, "vienna-document-2011", "evidence.xlsx", b"", as_of=as_of)


def test_the_due_calendar_lists_a_notice_owed_and_exports_icalendar(person: MakeContext) -> None:
    editor = person(Role.EDITOR)
    as_of = date(2025, 3, 1)
    tag = fresh_tag()
    compliance.import_file(
        editor, "vienna-document-2011", f"{tag}.json", _exercise_file(tag, "2025-05-01", None), as_of=as_of
    )
    board = compliance.board(editor, "vienna-document-2011", as_of, within_days=90)
    owed = [d for d in board.due if d.code == "VD-PRIOR-NOTICE" and d.party == "DEU"]
    assert owed and owed[0].due == date(2025, 3, 20)  # 42 days before the exercise starts
    ics = compliance.calendar_ics(editor, "vienna-document-2011", as_of, 90).decode()
    assert "BEGIN:VCALENDAR" in ics and "VD-PRIOR-NOTICE" in ics
