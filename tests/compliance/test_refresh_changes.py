"""Changing or deleting evidence refreshes the stored findings too, and the result equals a full evaluation.

On a store with the real New START declarations, evaluated and stored at several as-of dates, evidence is
changed and deleted: a declaration's warhead figure raised above the 1,550 limit, its marking made SECRET,
the declaration moved to the other party and then deleted, an inspection deleted; a change notification
written by a user, made late, sent by the other party, marked SECRET, released more widely (approved by a
second editor) and deleted -- through the services, and made late and deleted through the REST API. After
each step the verdict that should change has changed, the refresh evaluated only the obligations and
parties the record touched (before and after the change), and a full evaluation at the same dates writes
nothing: the stored findings are exactly the full ones, markings included.

Declarations and inspections are not writable through the services (they come from sources and imports),
so their changes are written in an audited batch the way a loader would; the batch reads each record as it
was in the same transaction and refreshes the findings once it commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from detente.api.app import create_app
from detente.compliance.importer import import_evidence
from detente.compliance.packs import get_pack
from detente.compliance.refresh import Refresh
from detente.compliance.registry import agreement_ids
from detente.compliance.service import evaluate
from detente.domain.markings import Role
from detente.services import accounts, audit_trail
from detente.services.access import Principal
from detente.services.records import Records
from detente.services.writing import MarkingRequest, Writer
from detente.store.database import Store
from detente.store.models import Declaration, Finding, Inspection, Marking, Obligation, State
from detente.web.viewmodels.common import Context
from detente.web.viewmodels.compliance import Cell, board
from tests.compliance.conftest import DATES, write_file

PASSWORD = "a long enough password"
JULY = date(2022, 7, 1)
DECLARATION_READERS = {
    "NST-LIMIT-DEPLOYED",
    "NST-LIMIT-WARHEADS",
    "NST-LIMIT-LAUNCHERS",
    "NST-INITIAL-DATABASE",
    "NST-DATA-UPDATE",
    "NST-AGGREGATE-RECONCILE",
}
"""The New START obligations that read declarations."""

FindingRow = tuple[str, float | None, list[str], str | None]


def _states(store: Store) -> dict[str, int]:
    with store.engine.connect() as connection:
        rows = connection.execute(select(State.iso3, State.id).where(State.iso3.in_(["USA", "RUS"])))
        return {str(code): int(state) for code, state in rows}


def _finding(store: Store, code: str, party: str, as_of: date = JULY, subject: str | None = None) -> FindingRow:
    """One stored finding: status, measured figure, the evidence it rests on, its classification."""
    query = (
        select(Finding.status, Finding.measured, Finding.evidence, Marking.classification)
        .join(Obligation, Obligation.id == Finding.obligation_id)
        .join(State, State.id == Finding.party_state_id)
        .outerjoin(Marking, Marking.id == Finding.marking_id)
        .where(Obligation.code == code, State.iso3 == party, Finding.as_of == as_of)
    )
    query = query.where(Finding.subject.is_(None) if subject is None else Finding.subject == subject)
    with store.engine.connect() as connection:
        status, measured, evidence, classification = connection.execute(query).one()
    return str(status), measured, list(evidence or []), classification


def _releasable(store: Store, subject: str) -> list[str]:
    """Whom Russia's NST-CHANGE-NOTICE finding on ``subject`` as of 1 July 2022 is releasable to."""
    query = (
        select(Marking.releasable_to)
        .join(Finding, Finding.marking_id == Marking.id)
        .join(Obligation, Obligation.id == Finding.obligation_id)
        .where(Obligation.code == "NST-CHANGE-NOTICE", Finding.as_of == JULY, Finding.subject == subject)
    )
    with store.engine.connect() as connection:
        return sorted(connection.execute(query).scalar_one())


def _all_findings(store: Store) -> dict[tuple[int, int | None, date, str | None], tuple[Any, ...]]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(
                Finding.obligation_id,
                Finding.party_state_id,
                Finding.as_of,
                Finding.subject,
                Finding.status,
                Finding.measured,
                Finding.evidence,
                Finding.marking_id,
            )
        ).all()
    return {(r[0], r[1], r[2], r[3]): tuple(r[4:]) for r in rows}


def _full_evaluation_writes_nothing(store: Store) -> None:
    full = evaluate(store, treaty="new-start", as_of=DATES, actor="test")
    assert full.stored is not None
    assert full.stored.as_dict() == {"created": 0, "updated": 0, "deleted": 0, "unchanged": full.findings.height}


def _only(refreshes: list[Refresh]) -> Refresh:
    """The one refresh a write made (of the New START pack, at the stored dates)."""
    assert [r.treaty for r in refreshes] == ["new-start"]
    refresh = refreshes[0]
    assert refresh.dates == DATES and refresh.full_dates == []
    return refresh


def _warheads_cell(ctx: Context) -> Cell:
    """The United States' NST-LIMIT-WARHEADS cell of the compliance board as of 1 July 2022, as ``ctx`` sees it."""
    shown = board(ctx, "new-start", JULY)
    column = [head.code for head in shown.obligations].index("NST-LIMIT-WARHEADS")
    (cell,) = [row.cells[column] for row in shown.rows if "United States" in row.party]
    return cell


def _write(store: Store, kind: str, record_id: int, changes: Mapping[str, Any] | None) -> Refresh:
    """Change (``changes``) or delete (``None``) one evidence record in an audited batch: once it commits,
    the batch refreshes the findings the record bore on (as it was, read in the same transaction, and as it
    is); what that did."""
    with Records(store).batch(actor="analyst") as work:
        if changes is not None:
            work.update(kind, record_id, changes)
        else:
            work.delete(kind, record_id)
    return _only(work.refreshed)


def test_changing_and_deleting_declarations_and_inspections_refreshes_like_a_full_evaluation(
    new_start: Store, tmp_path: Path
) -> None:
    store, states = new_start, _states(new_start)
    with store.engine.connect() as connection:
        declaration, counts = connection.execute(
            select(Declaration.id, Declaration.counts).where(
                Declaration.party_state_id == states["USA"], Declaration.as_of == date(2022, 3, 1)
            )
        ).one()
    ref = f"declaration:{declaration}"
    assert _finding(store, "NST-LIMIT-WARHEADS", "USA") == ("at_risk", 1515.0, [ref], None)
    untouched = _finding(store, "NST-LIMIT-WARHEADS", "RUS")

    # the declared warheads raised above the limit: a breach, for the United States alone
    refresh = _write(store, "declaration", declaration, {"counts": {**counts, "warheads_deployed": 1600}})
    assert refresh.parties == ["USA"] and set(refresh.obligations) == DECLARATION_READERS
    assert refresh.stored.updated > 0 and refresh.stored.created == refresh.stored.deleted == 0
    assert _finding(store, "NST-LIMIT-WARHEADS", "USA") == ("breach", 1600.0, [ref], None)
    assert _finding(store, "NST-LIMIT-WARHEADS", "RUS") == untouched
    _full_evaluation_writes_nothing(store)

    # the declaration marked SECRET: every finding resting on it is SECRET too, the others stay unmarked
    secret = Records(store).create(Marking, {"classification": "SECRET", "releasable_to": ["USA"]}, actor="t")
    refresh = _write(store, "declaration", declaration, {"marking_id": secret["id"]})
    assert refresh.parties == ["USA"] and refresh.stored.updated > 0
    assert _finding(store, "NST-LIMIT-WARHEADS", "USA") == ("breach", 1600.0, [ref], "SECRET")
    assert _finding(store, "NST-LIMIT-LAUNCHERS", "USA")[3] == "SECRET"
    assert _finding(store, "NST-LIMIT-WARHEADS", "USA", date(2023, 3, 1))[3] is None, "rests on a later one"
    _full_evaluation_writes_nothing(store)
    # so the compliance board shows the breach to a reader cleared for the declaration, and not to another
    cleared = _warheads_cell(Context(store, _user(store, "board-usa", "USA", "SECRET")))
    assert cleared.status == "breach" and "1600" in cleared.explanation
    uncleared = _warheads_cell(Context(store, _user(store, "board-fra", "FRA", "SECRET")))
    assert uncleared.status != "breach" and "1600" not in uncleared.explanation

    # moved to Russia (and to 1 June): the United States' findings fall back on its earlier declaration,
    # Russia's rest on the moved one, the latest it has -- SECRET, in breach
    refresh = _write(store, "declaration", declaration, {"party_state_id": states["RUS"], "as_of": date(2022, 6, 1)})
    assert refresh.parties == ["RUS", "USA"] and set(refresh.obligations) == DECLARATION_READERS
    status, measured, evidence, classification = _finding(store, "NST-LIMIT-WARHEADS", "USA")
    assert (status, measured, classification) == ("compliant", 1389.0, None) and ref not in evidence
    assert _finding(store, "NST-LIMIT-WARHEADS", "RUS") == ("breach", 1600.0, [ref], "SECRET")
    _full_evaluation_writes_nothing(store)

    # deleted: Russia's findings rest on its own declaration again, exactly as before any of this
    refresh = _write(store, "declaration", declaration, None)
    assert refresh.parties == ["RUS"] and set(refresh.obligations) == DECLARATION_READERS
    assert _finding(store, "NST-LIMIT-WARHEADS", "RUS") == untouched
    _full_evaluation_writes_nothing(store)

    # an inspection of Russia by the United States, imported, then deleted: the quota counts it, then not
    path = write_file(
        tmp_path / "inspection.json",
        {"inspections": [{"kind": "type_one", "inspecting": "USA", "inspected": "RUS", "start": "2022-05-10",
                          "end": "2022-05-12", "site": "Vypolzovo"}]},
    )  # fmt: skip
    imported = import_evidence(store, path, get_pack("new-start"), as_of=date(2023, 9, 1), actor="analyst")
    (inspection,) = imported.ids["inspection"]
    quota = _finding(store, "NST-INSP-TYPE-ONE", "RUS", subject="period:2022-02-05")
    assert quota == ("compliant", 1.0, [f"inspection:{inspection}"], None)
    refresh = _write(store, "inspection", inspection, None)
    # the obligations that read Type One inspections, for the inspected state alone
    assert refresh.obligations == ["NST-AGGREGATE-RECONCILE", "NST-INSP-TOTAL", "NST-INSP-TYPE-ONE"]
    assert refresh.parties == ["RUS"]
    assert _finding(store, "NST-INSP-TYPE-ONE", "RUS", subject="period:2022-02-05") == ("compliant", 0.0, [], None)
    with store.engine.connect() as connection:
        assert connection.scalar(select(Inspection.id).where(Inspection.id == inspection)) is None
    _full_evaluation_writes_nothing(store)
    assert audit_trail.verify(store).ok


def _user(store: Store, name: str, nationality: str, clearance: str, role: Role = Role.ANALYST) -> Principal:
    accounts.create_user(
        store, actor="t", username=name, password=PASSWORD, role=role, nationality=nationality, clearance=clearance
    )
    return accounts.authenticate(store, accounts.login(store, name, PASSWORD, client="tests").secret)


def _editor(store: Store, name: str) -> Principal:
    return _user(store, name, "USA", "SECRET", Role.EDITOR)


def _data_change(store: Store, tmp_path: Path, ref: str) -> int:
    """A real-shaped Russian data change on 20 June 2022, imported; returns its id."""
    path = write_file(
        tmp_path / f"{ref}.json",
        {"activities": [{"ref": ref, "kind": "data_change", "party": "RUS", "start": "2022-06-20"}]},
    )
    imported = import_evidence(store, path, get_pack("new-start"), as_of=date(2023, 9, 1), actor="analyst")
    return imported.ids["activity"][0]


def _notice(store: Store, activity: int, sent_at: str) -> dict[str, Any]:
    states = _states(store)
    return {
        "kind": "change_notification",
        "agreement_id": agreement_ids(store, get_pack("new-start"))[0],
        "sender_state_id": states["RUS"],
        "receiver_state_id": states["USA"],
        "sent_at": sent_at,
        "trigger_type": "activity",
        "trigger_id": activity,
    }


def test_a_notification_changed_and_deleted_through_the_services_refreshes_its_findings(
    new_start: Store, tmp_path: Path
) -> None:
    store = new_start
    activity = _data_change(store, tmp_path, "DC-services")
    subject = f"activity:{activity}"
    assert _finding(store, "NST-CHANGE-NOTICE", "RUS", subject=subject)[0] == "overdue"
    writer = Writer(store)
    editor = _editor(store, "desk-services")

    notice = writer.create(editor, "notifications", _notice(store, activity, "2022-06-22T10:00:00Z"))
    refresh = _only(writer.refreshed)
    assert refresh.obligations == ["NST-CHANGE-NOTICE"] and refresh.parties == ["RUS"]
    ref = f"notification:{notice['id']}"
    status, _, evidence, classification = _finding(store, "NST-CHANGE-NOTICE", "RUS", subject=subject)
    assert (status, classification) == ("compliant", "UNCLASSIFIED") and ref in evidence

    # sent nine days after the change: late
    notice = writer.update(
        editor, "notifications", notice["id"], {"sent_at": "2022-06-29T10:00:00Z"}, version=notice["version"]
    )
    refresh = _only(writer.refreshed)
    assert refresh.obligations == ["NST-CHANGE-NOTICE"] and refresh.parties == ["RUS"]
    late = _finding(store, "NST-CHANGE-NOTICE", "RUS", subject=subject)
    assert late[0] == "breach" and ref in late[2]
    _full_evaluation_writes_nothing(store)

    # sent by the United States instead: both senders' findings are evaluated again (the notice still
    # answers the change it names, so the verdict on Russia's change stands)
    usa, rus = _states(store)["USA"], _states(store)["RUS"]
    notice = writer.update(editor, "notifications", notice["id"], {"sender_state_id": usa}, version=notice["version"])
    refresh = _only(writer.refreshed)
    assert refresh.obligations == ["NST-CHANGE-NOTICE"] and refresh.parties == ["RUS", "USA"]
    assert _finding(store, "NST-CHANGE-NOTICE", "RUS", subject=subject) == late
    _full_evaluation_writes_nothing(store)
    notice = writer.update(editor, "notifications", notice["id"], {"sender_state_id": rus}, version=notice["version"])

    # marked SECRET: the finding resting on it is SECRET
    notice = writer.update(
        editor, "notifications", notice["id"], {}, version=notice["version"], marking=MarkingRequest("SECRET", ("USA",))
    )
    assert _only(writer.refreshed).parties == ["RUS"]
    assert _finding(store, "NST-CHANGE-NOTICE", "RUS", subject=subject) == (*late[:3], "SECRET")
    _full_evaluation_writes_nothing(store)

    # released to the United Kingdom as well, approved by a second editor (four-eyes): until then the finding
    # stays releasable to the United States alone, afterwards to both
    wider = MarkingRequest("SECRET", ("USA", "GBR"))
    notice = writer.update(editor, "notifications", notice["id"], {}, version=notice["version"], marking=wider)
    assert notice["release_pending"] and _releasable(store, subject) == ["USA"]
    (request,) = [
        r for r in writer.releases(editor) if r["object_type"] == "notification" and r["object_id"] == notice["id"]
    ]
    second = Writer(store)
    released = second.decide_release(_editor(store, "desk-second"), request["id"], approve=True)
    assert _only(second.refreshed).parties == ["RUS"]
    assert _releasable(store, subject) == ["GBR", "USA"]
    _full_evaluation_writes_nothing(store)
    notice = {**notice, "version": released["version"]}

    # deleted: the change has no notification again
    writer.delete(editor, "notifications", notice["id"], version=notice["version"])
    refresh = _only(writer.refreshed)
    assert refresh.obligations == ["NST-CHANGE-NOTICE"] and refresh.parties == ["RUS"]
    status, _, evidence, classification = _finding(store, "NST-CHANGE-NOTICE", "RUS", subject=subject)
    assert status == "overdue" and ref not in evidence and classification is None
    _full_evaluation_writes_nothing(store)
    assert audit_trail.verify(store).ok


def test_a_notification_changed_and_deleted_through_the_rest_api_refreshes_its_findings(
    new_start: Store, tmp_path: Path
) -> None:
    store = new_start
    activity = _data_change(store, tmp_path, "DC-api")
    subject = f"activity:{activity}"
    _editor(store, "desk-api")
    with TestClient(create_app(store)) as client:
        token = client.post("/auth/login", json={"username": "desk-api", "password": PASSWORD})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['token']}"}
        created = client.post("/notifications", json=_notice(store, activity, "2022-06-21T08:00:00Z"), headers=headers)
        assert created.status_code == 201, created.text
        notice = created.json()
        ref = f"notification:{notice['id']}"
        assert _finding(store, "NST-CHANGE-NOTICE", "RUS", subject=subject)[0] == "compliant"
        findings = _all_findings(store)

        # sent nine days after the change: late -- and nothing but the change notice's findings changed
        late = client.patch(
            f"/notifications/{notice['id']}",
            json={"sent_at": "2022-06-29T10:00:00Z", "version": notice["version"]},
            headers=headers,
        )
        assert late.status_code == 200, late.text
        status, _, evidence, _ = _finding(store, "NST-CHANGE-NOTICE", "RUS", subject=subject)
        assert status == "breach" and ref in evidence
        changed = {key for key, row in _all_findings(store).items() if findings.get(key) != row}
        assert changed and _codes(store, {key[0] for key in changed}) == {"NST-CHANGE-NOTICE"}
        _full_evaluation_writes_nothing(store)

        # deleted: the change has no notification again
        gone = client.delete(
            f"/notifications/{notice['id']}", params={"version": late.json()["version"]}, headers=headers
        )
        assert gone.status_code == 200, gone.text
        status, _, evidence, _ = _finding(store, "NST-CHANGE-NOTICE", "RUS", subject=subject)
        assert status == "overdue" and ref not in evidence
        _full_evaluation_writes_nothing(store)


def _codes(store: Store, obligation_ids: set[int]) -> set[str]:
    with store.engine.connect() as connection:
        return set(connection.scalars(select(Obligation.code).where(Obligation.id.in_(sorted(obligation_ids)))))
