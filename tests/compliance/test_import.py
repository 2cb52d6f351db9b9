"""Evidence import: every bad row reported with file, row and field, nothing stored; good files stored in
one transaction with one audit entry per record; JSON files of several types with trigger references."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from detente.cli.main import app
from detente.compliance.importer import EvidenceImportError, import_evidence
from detente.compliance.packs import get_pack
from detente.store.database import Store
from detente.store.models import Activity, AuditEntry, Declaration, Inspection, Notification
from tests.compliance.conftest import write_file


def _counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as connection:
        return {
            model.__tablename__: int(connection.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Declaration, Notification, Inspection, Activity, AuditEntry)
        }


def test_bad_rows_are_all_reported_and_nothing_is_stored(world: Store, tmp_path: Path) -> None:
    before = _counts(world)
    good = {"party": "USA", "as_of": "2024-03-01", "deployed_icbm_slbm_hb": 650}
    path = write_file(
        tmp_path / "declarations.csv",
        [
            good,
            {"party": "USA", "as_of": "2024-03-01", "deployed_icbm_slbm_hb": -5},
            {"party": "USA", "as_of": "2024-09-01", "deployed_icbm_slbm_hb": 640},
            {"party": "XYZ", "as_of": "2024-03-01", "deployed_icbm_slbm_hb": 10},
        ],
    )
    with pytest.raises(EvidenceImportError) as caught:
        import_evidence(
            world, path, get_pack("new-start"), evidence_type="declaration", as_of=date(2024, 6, 1), actor="t"
        )
    problems = {(e.row, e.field) for e in caught.value.errors}
    assert problems == {(2, "deployed_icbm_slbm_hb"), (3, "as_of"), (4, "party")}
    text = str(caught.value)
    assert "declarations.csv, row 2, deployed_icbm_slbm_hb: -5 is negative" in text
    assert "2024-09-01 lies after the as-of date 2024-06-01" in text and "unknown party 'XYZ'" in text
    assert "nothing was stored" in text
    notices = write_file(
        tmp_path / "notices.csv",
        [
            {
                "kind": "x",
                "sender": "USA",
                "receiver": "RUS",
                "sent_at": "2024-03-02T10:00:00Z",
                "received_at": "2024-03-02T09:00:00Z",
            },
            {"kind": "x", "sender": "USA", "receiver": "RUS", "sent_at": "2024-03-02T10:00:00"},
        ],
    )
    with pytest.raises(EvidenceImportError) as caught:
        import_evidence(
            world, notices, get_pack("new-start"), evidence_type="notification", as_of=date(2024, 6, 1), actor="t"
        )
    assert [(e.row, e.field) for e in caught.value.errors] == [(1, "received_at"), (2, "sent_at")]
    assert "is before it was sent" in str(caught.value) and "no time zone" in str(caught.value)
    assert _counts(world) == before


def test_a_json_file_of_several_types_links_notifications_to_events(world: Store, tmp_path: Path) -> None:
    before = _counts(world)
    path = write_file(
        tmp_path / "evidence.json",
        {
            "notifications": [
                {
                    "kind": "prior_notification",
                    "sender": "DEU",
                    "receiver": "FRA",
                    "sent_at": "2024-01-01T00:00:00Z",
                    "trigger": "activity:EX-1",
                }
            ],
            "activities": [
                {
                    "ref": "EX-1",
                    "kind": "exercise",
                    "party": "DEU",
                    "start": "2024-03-01",
                    "end": "2024-03-05",
                    "figures": {"troops": 12000, "tanks": 100},
                }
            ],
        },
    )
    report = import_evidence(world, path, get_pack("vienna-document-2011"), as_of=date(2024, 2, 1), actor="t")
    assert report.stored == {"activity": 1, "notification": 1}
    after = _counts(world)
    assert after["activities"] == before["activities"] + 1 and after["notifications"] == before["notifications"] + 1
    with world.engine.connect() as connection:
        trigger = connection.execute(select(Notification.trigger_type, Notification.trigger_id)).one()
        figures = connection.execute(select(Activity.figures)).scalar_one()
    assert tuple(trigger) == ("activity", report.ids["activity"][0]) and figures == {"troops": 12000, "tanks": 100}
    dangling = write_file(
        tmp_path / "dangling.json",
        [
            {
                "kind": "prior_notification",
                "sender": "DEU",
                "sent_at": "2024-01-01T00:00:00Z",
                "trigger": "activity:NOPE",
            }
        ],
    )
    with pytest.raises(EvidenceImportError, match="no activity with ref 'NOPE'"):
        import_evidence(
            world,
            dangling,
            get_pack("vienna-document-2011"),
            evidence_type="notification",
            as_of=date(2024, 2, 1),
            actor="t",
        )


def test_cli_import_reports_rows_and_exits_1(world: Store, database_url: str, tmp_path: Path) -> None:
    bad = write_file(tmp_path / "bad.csv", [{"party": "USA", "as_of": "2024-03-01", "warheads_deployed": "many"}])
    result = CliRunner().invoke(
        app,
        [
            "compliance",
            "evidence",
            "import",
            str(bad),
            "--treaty",
            "new-start",
            "--type",
            "declaration",
            "--as-of",
            "2024-06-01",
            "--database",
            database_url,
        ],
    )
    assert result.exit_code == 1
    assert "bad.csv, row 1, warheads_deployed" in result.output.replace("\n", "")
    good = write_file(tmp_path / "good.csv", [{"party": "USA", "as_of": "2024-03-01", "warheads_deployed": 1400}])
    result = CliRunner().invoke(
        app,
        [
            "compliance",
            "evidence",
            "import",
            str(good),
            "--treaty",
            "new-start",
            "--type",
            "declaration",
            "--as-of",
            "2024-06-01",
            "--database",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "stored 1 declaration" in result.output
    evaluated = CliRunner().invoke(
        app,
        [
            "compliance",
            "evaluate",
            "--treaty",
            "new-start",
            "--party",
            "USA",
            "--as-of",
            "2024-06-01",
            "--json",
            "--database",
            database_url,
        ],
    )
    assert evaluated.exit_code == 0, evaluated.output
    assert '"NST-LIMIT-WARHEADS"' in evaluated.output and '"margin": 150.0' in evaluated.output
