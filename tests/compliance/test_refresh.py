"""Importing evidence refreshes the stored findings incrementally, and the result equals a full evaluation.

On a store with the real New START declarations (loaded from the dataset mirror by the new_start source),
the treaty is evaluated and stored at several as-of dates. Then new evidence is imported: a declaration, an
inspection and a data change with no notice, all real record types the pack reads. The import re-evaluates
only the obligations that read those records, for the parties they touch -- and afterwards a full
evaluation at the same dates writes nothing: the incrementally refreshed findings are exactly the full
ones. The audit chain, written in bulk, still verifies. A bad file changes neither evidence nor findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from detente.compliance.importer import EvidenceImportError, import_evidence
from detente.compliance.packs import get_pack
from detente.compliance.service import evaluate
from detente.domain.markings import Role
from detente.services import accounts, audit_trail
from detente.services.records import Records
from detente.services.writing import MarkingRequest, Writer
from detente.sources.load import LOAD_ORDER
from detente.store.database import Store
from detente.store.models import AuditEntry, Declaration, Finding, Marking, Obligation
from tests.compliance.conftest import write_file
from tests.conftest import BACKENDS, loaded_store

MIRROR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets").resolve()
DATES = [date(2018, 3, 1), date(2021, 1, 1), date(2022, 7, 1), date(2023, 3, 1)]
LATER = date(2023, 9, 1)
PASSWORD = "a long enough password"


@pytest.fixture(scope="module", params=BACKENDS)
def new_start(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store with the crosswalk and the real New START declarations, evaluated and stored at DATES.

    Shared by the tests of this module (loading the sources takes a while); each leaves the stored findings
    equal to a full evaluation, as it found them."""
    with loaded_store(str(request.param), tmp_path_factory.mktemp("refresh"), (*LOAD_ORDER, "new_start")) as store:
        first = evaluate(store, treaty="new-start", as_of=DATES, actor="test")
        assert first.stored is not None and first.stored.created == first.findings.height > 0
        yield store


def _state(store: Store) -> tuple[int, int, int]:
    with store.engine.connect() as connection:
        return (
            int(connection.scalar(select(func.count()).select_from(Finding)) or 0),
            int(connection.scalar(select(func.count()).select_from(Declaration)) or 0),
            int(connection.scalar(select(func.count()).select_from(AuditEntry)) or 0),
        )


def _finding_ids(store: Store) -> dict[tuple[int, int | None, date, str | None], int]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(Finding.obligation_id, Finding.party_state_id, Finding.as_of, Finding.subject, Finding.id)
        ).all()
    return {(o, p, a, s): i for o, p, a, s, i in rows}


def test_import_refreshes_only_what_it_touches_and_equals_a_full_evaluation(new_start: Store, tmp_path: Path) -> None:
    store = new_start
    pack = get_pack("new-start")
    ids_before = _finding_ids(store)
    path = write_file(
        tmp_path / "evidence.json",
        {
            "declarations": [
                {
                    "party": "USA",
                    "as_of": "2022-06-01",
                    "deployed_icbm_slbm_hb": 690,
                    "warheads_deployed": 1540,
                    "launchers_deployed_and_nondeployed": 799,
                }
            ],
            "inspections": [
                {
                    "kind": "type_one",
                    "inspecting": "USA",
                    "inspected": "RUS",
                    "start": "2022-05-10",
                    "end": "2022-05-12",
                    "site": "Vypolzovo",
                    "deployed_icbm_slbm_hb": 12,
                }
            ],
            "activities": [{"ref": "DC-1", "kind": "data_change", "party": "RUS", "start": "2022-06-20"}],
        },
    )
    report = import_evidence(store, path, pack, as_of=date(2023, 9, 1), evaluate_at=[LATER], actor="analyst")
    refresh = report.refresh
    assert refresh is not None
    assert refresh.dates == DATES and refresh.full_dates == [LATER]
    assert refresh.parties == ["RUS", "USA"]
    codes = {spec.code for spec in pack.obligations}
    assert set(refresh.obligations) < codes, "only the obligations that read the new records are evaluated"
    assert {"NST-LIMIT-DEPLOYED", "NST-INSP-TYPE-ONE", "NST-CHANGE-NOTICE"} <= set(refresh.obligations)
    assert "NST-TELEMETRY" not in refresh.obligations, "no new record is a telemetry exchange"
    assert refresh.stored.created > 0 and refresh.stored.updated > 0

    # a full evaluation at the same dates finds exactly what the refresh stored: it writes nothing
    full = evaluate(store, treaty="new-start", as_of=[*DATES, LATER], actor="test")
    assert full.stored is not None
    assert full.stored.as_dict() == {"created": 0, "updated": 0, "deleted": 0, "unchanged": full.findings.height}
    # findings that were already stored kept their ids (updated in place, never deleted and re-created)
    ids_after = _finding_ids(store)
    assert all(ids_after.get(key) == finding_id for key, finding_id in ids_before.items())
    # the data change was not notified within 5 days: the refresh stored that as a finding
    change = full.findings.filter(
        (full.findings["code"] == "NST-CHANGE-NOTICE") & (full.findings["as_of"] == date(2022, 7, 1))
    )
    assert change["status"].to_list() == ["overdue"]
    assert audit_trail.verify(store).ok


def test_a_bad_file_changes_neither_evidence_nor_findings(new_start: Store, tmp_path: Path) -> None:
    store = new_start
    before = _state(store)
    path = write_file(
        tmp_path / "bad.csv",
        [
            {"party": "USA", "as_of": "2022-06-01", "deployed_icbm_slbm_hb": 690},
            {"party": "RUS", "as_of": "2022-06-01", "deployed_icbm_slbm_hb": -1},
        ],
    )
    with pytest.raises(EvidenceImportError, match="row 2, deployed_icbm_slbm_hb: -1 is negative"):
        import_evidence(
            store, path, get_pack("new-start"), evidence_type="declaration", as_of=date(2023, 9, 1), actor="t"
        )
    assert _state(store) == before


def test_an_import_without_refresh_leaves_the_findings(new_start: Store, tmp_path: Path) -> None:
    store = new_start
    path = write_file(tmp_path / "one.csv", [{"party": "USA", "as_of": "2022-06-01", "deployed_icbm_slbm_hb": 701}])
    findings_before = _state(store)[0]
    report = import_evidence(
        store,
        path,
        get_pack("new-start"),
        evidence_type="declaration",
        as_of=date(2023, 9, 1),
        refresh=False,
        actor="t",
    )
    assert report.refresh is None and report.stored == {"declaration": 1}
    assert _state(store)[0] == findings_before
    again = evaluate(store, treaty="new-start", as_of=DATES, actor="test")
    assert again.stored is not None and again.stored.updated > 0, "the full evaluation catches up"


def test_a_notification_written_through_the_services_refreshes_the_findings(world: Store, tmp_path: Path) -> None:
    """One record written by a user (not an import) re-evaluates what it touches: an offer made without the
    36(b) notification is a breach; once the notification sent weeks before is recorded, it is compliant."""
    pack, day = get_pack("aeca-36b"), date(2024, 5, 1)
    offer = {
        "ref": "offer-1",
        "kind": "assistance_offer",
        "party": "USA",
        "counterpart": "SAU",
        "subject": "SA-D-ZZZ",
        "start": "2024-04-20",
        "mde_usd": 30_000_000,
    }
    path = write_file(tmp_path / "offer.json", {"activities": [offer]})
    imported = import_evidence(world, path, pack, as_of=day, evaluate_at=[day], actor="t")
    assert imported.refresh is not None and imported.refresh.full_dates == [day]

    def gate_status() -> list[str]:
        with world.engine.connect() as connection:
            rows = connection.execute(
                select(Finding.status)
                .join(Obligation, Obligation.id == Finding.obligation_id)
                .where(Obligation.code == "AECA-36B-GENERAL", Finding.as_of == day)
            )
            return list(rows.scalars())

    assert gate_status() == ["breach"]
    accounts.create_user(
        world, actor="t", username="desk", password=PASSWORD, role=Role.EDITOR, nationality="USA", clearance="SECRET"
    )
    editor = accounts.authenticate(world, accounts.login(world, "desk", PASSWORD, client="tests").secret)
    usa = Records(world).list("state", limit=100)
    notice = {
        "kind": "congressional_notification_36b",
        "sender_state_id": next(s["id"] for s in usa if s["iso3"] == "USA"),
        "sent_at": "2024-03-01T15:00:00Z",
        "reference": "SA-D-ZZZ",
    }
    Writer(world).create(editor, "notifications", notice)
    assert gate_status() == ["compliant"], "the services' write refreshed the stored finding"
    full = evaluate(world, treaty="aeca-36b", as_of=day, actor="t")
    assert full.stored is not None
    assert full.stored.as_dict() == {"created": 0, "updated": 0, "deleted": 0, "unchanged": full.findings.height}
    assert audit_trail.verify(world).ok


def test_a_marked_record_written_through_the_services_marks_the_refreshed_finding(world: Store, tmp_path: Path) -> None:
    """The refresh after a single write stores findings as a full evaluation would, marking included: an offer's
    36(b) gate, cleared by a SECRET notification, becomes a SECRET finding; a full evaluation then writes nothing."""
    pack, day = get_pack("aeca-36b"), date(2024, 5, 1)
    offer = {"ref": "offer-2", "kind": "assistance_offer", "party": "USA", "counterpart": "SAU",
             "subject": "SA-D-YYY", "start": "2024-04-20", "mde_usd": 30_000_000}  # fmt: skip
    import_evidence(world, write_file(tmp_path / "offer.json", {"activities": [offer]}), pack, as_of=day,
                    evaluate_at=[day], actor="t")  # fmt: skip
    accounts.create_user(
        world, actor="t", username="desk", password=PASSWORD, role=Role.EDITOR, nationality="USA", clearance="SECRET"
    )
    editor = accounts.authenticate(world, accounts.login(world, "desk", PASSWORD, client="tests").secret)
    usa = next(s["id"] for s in Records(world).list("state", limit=100) if s["iso3"] == "USA")
    notice = {"kind": "congressional_notification_36b", "sender_state_id": usa, "sent_at": "2024-03-01T15:00:00Z",
              "reference": "SA-D-YYY"}  # fmt: skip
    Writer(world).create(editor, "notifications", notice, marking=MarkingRequest(classification="SECRET"))

    def gate() -> list[tuple[str, str | None]]:
        with world.engine.connect() as connection:
            rows = connection.execute(
                select(Finding.status, Marking.classification)
                .join(Obligation, Obligation.id == Finding.obligation_id)
                .outerjoin(Marking, Marking.id == Finding.marking_id)
                .where(Obligation.code == "AECA-36B-GENERAL", Finding.as_of == day)
            )
            return [(str(status), classification) for status, classification in rows]

    assert gate() == [("compliant", "SECRET")], "the refreshed finding rests on the SECRET notification"
    full = evaluate(world, treaty="aeca-36b", as_of=day, actor="t")
    assert full.stored is not None
    assert full.stored.as_dict() == {"created": 0, "updated": 0, "deleted": 0, "unchanged": full.findings.height}
