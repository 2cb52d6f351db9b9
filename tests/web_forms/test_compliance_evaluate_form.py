"""The compliance board's "evaluate now" form (answered by the shared form helper): a bad date re-renders the
board with the reason and a 400, a viewer gets 403 and nothing is stored, and an analyst's evaluation of a
German exercise notified to France stores its findings and answers with a 303 to the board saying how many."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from detente.compliance.importer import import_evidence
from detente.compliance.packs import get_pack
from detente.domain.markings import Role
from detente.store.database import Store
from detente.store.models import Finding
from tests.web_forms.conftest import MakeBrowser, refused

TREATY = "vienna-document-2011"
DAY = date(2019, 7, 1)


def _findings(store: Store) -> int:
    """The findings stored for the test's date (no other test evaluates at it)."""
    with store.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Finding).where(Finding.as_of == DAY)) or 0)


def _exercise(store: Store, folder: Path) -> None:
    """A German exercise in 2019 with its prior notification to France (evidence only: nothing evaluated)."""
    tag = "zq" + uuid.uuid4().hex[:8]
    sent = "2019-03-01T00:00:00Z"
    activity = {"ref": tag, "kind": "exercise", "party": "DEU", "title": tag, "start": "2019-05-01",
                "end": "2019-05-02", "troops": 10000}  # fmt: skip
    notice = {"kind": "prior_notification", "sender": "DEU", "receiver": "FRA", "sent_at": sent,
              "received_at": sent, "trigger": f"activity:{tag}"}  # fmt: skip
    path = folder / "exercise.json"
    path.write_text(json.dumps({"activities": [activity], "notifications": [notice]}), encoding="utf-8")
    import_evidence(store, path, get_pack(TREATY), actor="tests", refresh=False)


def test_the_evaluate_form_refuses_a_bad_date_and_a_viewer_and_stores_findings_for_an_analyst(
    person: MakeBrowser, tmp_path: Path
) -> None:
    analyst, viewer = person(Role.ANALYST, "FRA"), person(Role.VIEWER, "FRA")
    store = analyst.ctx.store
    _exercise(store, tmp_path)
    before = _findings(store)
    page = refused(
        analyst.post("/ui/compliance/evaluate", {"treaty": TREATY, "as_of": "soon"}), 400, words="is not a date"
    )
    assert "as_of: 'soon' is not a date; write YYYY-MM-DD" in page.replace("&#39;", "'")
    refused(viewer.post("/ui/compliance/evaluate", {"treaty": TREATY, "as_of": DAY.isoformat()}), 403, words="analyst")
    assert _findings(store) == before

    answer = analyst.post("/ui/compliance/evaluate", {"treaty": TREATY, "as_of": DAY.isoformat()})
    assert answer.status_code == 303, answer.text[:800]
    found = re.fullmatch(
        rf"/ui/compliance\?treaty={TREATY}&as_of={DAY.isoformat()}&evaluated=(\d+)", answer.headers["location"]
    )
    assert found is not None, answer.headers["location"]
    assert int(found.group(1)) == _findings(store) > 0
