"""Compliance never leaks marked evidence (issues 5-8), on the real New START declarations, SQLite and PostgreSQL.

The store holds the real New START aggregate numbers (public) and two records received through a restricted
channel, both marked SECRET releasable to the United States only: a Russian declaration as of 1 September 2023
(whose warheads exceed the limit) and a Type One inspection of Russia in August 2023. Then:

* the findings the engine stores on them carry that marking; findings on public evidence stay unmarked;
* a US reader cleared SECRET sees them everywhere (service reads, REST, report, due list, iCalendar feed,
  dossier status, home page); a US reader cleared only CONFIDENTIAL, and a French reader cleared SECRET (not
  releasable to France), see none of them, nor the ids of the hidden records -- they get what the public
  evidence supports (Russia's data missing: insufficient data, an update still due), never a verdict
  resting on the hidden records.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from detente.analysis.common import StateRef
from detente.analysis.compliance_status import compliance_status
from detente.api.app import create_app
from detente.cli.main import app as cli
from detente.compliance.calendar import due_items
from detente.compliance.importer import import_evidence
from detente.compliance.packs import get_pack
from detente.compliance.report import build_report, render
from detente.compliance.service import evaluate
from detente.domain.markings import Role
from detente.services import accounts
from detente.services.access import Principal, Scope
from detente.services.errors import NotFoundError
from detente.services.reading import Reader
from detente.services.records import Records
from detente.sources.load import LOAD_ORDER
from detente.store.database import Store
from detente.store.models import AuditEntry, Declaration, Finding, Inspection, Marking, State
from detente.web.context import PageContext
from detente.web.formatting import formatter_for
from detente.web.pages import home
from detente.web.viewmodels.common import Context
from detente.web.viewmodels.compliance import calendar_ics
from tests.api.conftest import new_person
from tests.compliance.conftest import write_file
from tests.conftest import BACKENDS, loaded_database

AS_OF = date(2023, 9, 10)
LIMITS = ("NST-LIMIT-DEPLOYED", "NST-LIMIT-WARHEADS", "NST-LIMIT-LAUNCHERS")


@dataclass
class World:
    store: Store
    url: str
    secret_id: int
    declaration: str
    """``declaration:<id>`` of the marked Russian declaration."""
    inspection: str
    cleared: Principal
    uncleared: Principal
    foreign: Principal
    cleared_token: str
    uncleared_token: str

    @property
    def hidden(self) -> tuple[str, str]:
        return (self.declaration, self.inspection)

    def scope(self, principal: Principal) -> Scope:
        with self.store.engine.connect() as connection:
            return Scope.of(connection, principal)


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("marked")
    with loaded_database(str(request.param), folder, (*LOAD_ORDER, "new_start")) as url:
        store = Store.open(url)
        try:
            yield _populate(store, url, folder)
        finally:
            store.close()


def _populate(store: Store, url: str, folder: Path) -> World:
    pack = get_pack("new-start")
    declared = {"party": "RUS", "as_of": "2023-09-01", "reference": "restricted channel", "deployed_icbm_slbm_hb": 540,
                "warheads_deployed": 1600, "launchers_deployed_and_nondeployed": 760}  # fmt: skip
    inspected = {"kind": "type_one", "inspecting": "USA", "inspected": "RUS", "start": "2023-08-01",
                 "end": "2023-08-02", "site": "Kozelsk"}  # fmt: skip
    import_evidence(store, write_file(folder / "d.csv", [declared]), pack, evidence_type="declaration", as_of=AS_OF)
    import_evidence(store, write_file(folder / "i.csv", [inspected]), pack, evidence_type="inspection", as_of=AS_OF)
    records = Records(store)
    secret = records.create(Marking, {"classification": "SECRET", "releasable_to": ["USA"]}, actor="test")
    with store.engine.connect() as connection:
        declaration = connection.scalar(select(Declaration.id).where(Declaration.reference == "restricted channel"))
        inspection = connection.scalar(select(Inspection.id).where(Inspection.site == "Kozelsk"))
    assert declaration is not None and inspection is not None
    records.update(Declaration, declaration, {"marking_id": secret["id"]}, actor="test")
    records.update(Inspection, inspection, {"marking_id": secret["id"]}, actor="test")
    evaluate(store, treaty="new-start", as_of=AS_OF)
    cleared = new_person(store, Role.ANALYST, "USA", "SECRET")
    uncleared = new_person(store, Role.ANALYST, "USA", "CONFIDENTIAL")
    foreign = new_person(store, Role.ANALYST, "FRA", "TOP SECRET")
    return World(
        store, url, int(secret["id"]), f"declaration:{declaration}", f"inspection:{inspection}",
        cleared.principal, uncleared.principal, foreign.principal, cleared.token, uncleared.token,
    )  # fmt: skip


def _stored(world: World) -> list[dict[str, Any]]:
    with world.store.engine.connect() as connection:
        rows = connection.execute(select(Finding.__table__).where(Finding.as_of == AS_OF)).mappings().all()
    return [dict(r) for r in rows]


def _rests_on_hidden(world: World, finding: dict[str, Any]) -> bool:
    return bool(set(finding.get("evidence") or []) & set(world.hidden)) or finding.get("subject") in world.hidden


def _last_audit(world: World) -> Any:
    """The newest audit entry: actor, action, object type and what it recorded."""
    with world.store.engine.connect() as connection:
        row = connection.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.object_type, AuditEntry.after)
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        ).first()
    assert row is not None
    return row


# -- stored findings -------------------------------------------------------------------------------------------


def test_findings_on_marked_evidence_are_stored_marked(world: World) -> None:
    stored = _stored(world)
    marked = [f for f in stored if _rests_on_hidden(world, f)]
    codes = {f["obligation_id"] for f in marked}
    assert len(codes) >= 4  # the three limits, the data update, the Type One quota, ...
    assert all(f["marking_id"] == world.secret_id for f in marked)  # the same marking row, reused
    public = [f for f in stored if not _rests_on_hidden(world, f)]
    assert public and all(f["marking_id"] is None for f in public)
    warheads = [f for f in marked if "warheads" in json.dumps(f["figures"]) and f["status"] == "breach"]
    assert len(warheads) == 1 and warheads[0]["measured"] == 1600


def test_evaluating_again_writes_nothing(world: World) -> None:
    again = evaluate(world.store, treaty="new-start", as_of=AS_OF)
    assert again.stored is not None
    assert (again.stored.created, again.stored.updated, again.stored.deleted) == (0, 0, 0)


# -- service and REST reads ------------------------------------------------------------------------------------


def test_service_reads_filter_findings_by_marking(world: World) -> None:
    reader = Reader(world.store)
    filters = {"due_before": AS_OF.isoformat()}
    seen = reader.list(world.cleared, "findings", filters=filters, limit=500).items
    assert any(_rests_on_hidden(world, f) for f in seen)
    assert all(f["marking"] == {"classification": "SECRET", "releasable_to": ["USA"], "caveat": None}
               for f in seen if f["marking_id"] is not None)  # fmt: skip
    audit = _last_audit(world)
    assert (audit.actor, audit.action, audit.object_type) == (world.cleared.username, "read", "finding")
    for principal in (world.uncleared, world.foreign):
        items = reader.list(principal, "findings", filters=filters, limit=500).items
        assert items and not any(_rests_on_hidden(world, f) or f["marking_id"] is not None for f in items)
        total = reader.count(principal, "findings", filters=filters)
        assert total == len(items) < len(seen) == reader.count(world.cleared, "findings", filters=filters)
        hidden_id = next(f["id"] for f in seen if f["marking_id"] is not None)
        with pytest.raises(NotFoundError):
            reader.get(principal, "findings", hidden_id)


def test_rest_findings_hide_marked_ones(world: World) -> None:
    marked = next(f for f in _stored(world) if f["marking_id"] is not None)
    with TestClient(create_app(world.store)) as client:
        for token, sees in ((world.cleared_token, True), (world.uncleared_token, False)):
            headers = {"Authorization": f"Bearer {token}"}
            page = client.get("/findings", params={"limit": 500}, headers=headers)
            assert page.status_code == 200
            text = page.text
            assert (world.declaration in text) is sees and (world.inspection in text) is sees
            one = client.get(f"/findings/{marked['id']}", headers=headers)
            assert one.status_code == (200 if sees else 404)


# -- what is computed for a reader ----------------------------------------------------------------------------


def _limits(report: dict[str, Any]) -> dict[str, str]:
    return {r["code"]: r["status"] for r in report["status"] if r["party_code"] == "RUS" and r["code"] in LIMITS}


def test_report_is_evaluated_on_the_evidence_the_reader_may_see(world: World) -> None:
    cleared = render(build_report(world.store, treaty="new-start", as_of=AS_OF, scope=world.scope(world.cleared)),
                     "json")  # fmt: skip
    assert world.declaration in cleared
    assert _limits(json.loads(cleared))["NST-LIMIT-WARHEADS"] == "breach"
    audit = _last_audit(world)
    assert (audit.action, audit.object_type, audit.actor) == ("read", "evidence", world.cleared.username)
    for principal in (world.uncleared, world.foreign):
        text = render(build_report(world.store, treaty="new-start", as_of=AS_OF, scope=world.scope(principal)),
                      "json")  # fmt: skip
        assert world.declaration not in text and world.inspection not in text
        assert set(_limits(json.loads(text)).values()) == {"insufficient_data"}
    public = render(build_report(world.store, treaty="new-start", as_of=AS_OF), "md")  # no reader: public only
    assert world.declaration not in public and "restricted channel" not in public


def _rus_data_update(items: list[Any]) -> list[Any]:
    return [i for i in items if i.code == "NST-DATA-UPDATE" and i.party == "RUS"]


def _type_one_left(items: list[Any], party: str) -> float | None:
    return next(i.left for i in items if i.code == "NST-INSP-TYPE-ONE" and i.party == party)


def test_due_list_and_ical_per_reader(world: World) -> None:
    cleared = due_items(world.store, within_days=30, treaty="new-start", as_of=AS_OF,
                        scope=world.scope(world.cleared))  # fmt: skip
    assert not _rus_data_update(cleared)  # the secret declaration discharged Russia's update
    assert _type_one_left(cleared, "RUS") == 9  # the secret inspection counts
    for principal in (world.uncleared, world.foreign):
        items = due_items(world.store, within_days=30, treaty="new-start", as_of=AS_OF, scope=world.scope(principal))
        assert [i.due for i in _rus_data_update(items)] == [date(2023, 10, 1)]
        assert _type_one_left(items, "RUS") == 10
        assert not any(ref in json.dumps([i.as_dict() for i in items]) for ref in world.hidden)
        feed = calendar_ics(Context(world.store, principal), "new-start", AS_OF, 30).decode()
        assert "RUS: the six-monthly data update" in feed and "9 of 10 left" not in feed
    feed = calendar_ics(Context(world.store, world.cleared), "new-start", AS_OF, 30).decode()
    assert "RUS: the six-monthly data update" not in feed and "9 of 10 left" in feed


def test_cli_reads_as_a_user(world: World) -> None:
    runner = CliRunner()
    base = ["compliance", "due", "--treaty", "new-start", "--as-of", AS_OF.isoformat(), "--json", "-d", world.url]
    public = json.loads(runner.invoke(cli, base).stdout)
    cleared = json.loads(runner.invoke(cli, [*base, "--user", world.cleared.username]).stdout)
    assert any(i["code"] == "NST-DATA-UPDATE" and i["party"] == "RUS" for i in public)
    assert not any(i["code"] == "NST-DATA-UPDATE" and i["party"] == "RUS" for i in cleared)
    report = ["compliance", "report", "--treaty", "new-start", "--as-of", AS_OF.isoformat(), "--format", "json"]
    shown = runner.invoke(cli, [*report, "-d", world.url, "--user", world.uncleared.username])
    assert shown.exit_code == 0 and world.declaration not in shown.stdout
    unknown = runner.invoke(cli, [*base, "--user", "nobody-at-all"])
    assert unknown.exit_code == 2 and "no active user named 'nobody-at-all'" in unknown.stderr
    with pytest.raises(NotFoundError):
        accounts.principal_named(world.store, "nobody-at-all")


def _russia(world: World) -> StateRef:
    with world.store.engine.connect() as connection:
        row = connection.execute(select(State.id, State.name).where(State.iso3 == "RUS")).one()
    return StateRef(state_id=row.id, ccode=365, iso3="RUS", name=row.name)


def test_dossier_compliance_status_per_reader(world: World) -> None:
    russia = _russia(world)

    def new_start(principal: Principal | None) -> Any:
        scope = world.scope(principal) if principal is not None else None
        status = compliance_status(world.store, [russia], AS_OF, scope=scope)
        return next(t for t in status.treaties if t.treaty == "new-start")

    cleared = new_start(world.cleared)
    limits = {f.obligation: f for f in cleared.findings if f.obligation in LIMITS}
    assert limits["NST-LIMIT-WARHEADS"].status == "breach" and cleared.status == "breach"
    assert limits["NST-LIMIT-WARHEADS"].evidence == [world.declaration]
    assert limits["NST-LIMIT-WARHEADS"].origin == "stored"
    for principal in (world.uncleared, world.foreign, None):
        treaty = new_start(principal)
        shown = json.dumps(treaty.model_dump(mode="json"))
        assert world.declaration not in shown and world.inspection not in shown
        statuses = {f.obligation: f.status for f in treaty.findings if f.obligation in LIMITS}
        assert statuses == dict.fromkeys(LIMITS, "insufficient_data")
        assert all(f.origin == "evaluated" for f in treaty.findings)
        assert treaty.status != "breach"


# -- the home page ---------------------------------------------------------------------------------------------


def _page(world: World, principal: Principal) -> PageContext:
    return PageContext(None, world.store, principal, formatter_for("en"), "")  # type: ignore[arg-type]


def test_home_page_findings_and_deadlines_per_reader(world: World) -> None:
    cleared = _page(world, world.cleared)
    table, total = home._findings(cleared)
    assert any("1,600" in row[2].text or "1600" in row[2].text for row in table.rows), table.rows
    deadlines = home._deadlines(cleared, AS_OF)
    assert not any("RUS: " in row[2].text and "NST-DATA-UPDATE" in row[2].text for row in deadlines.rows)
    for principal in (world.uncleared, world.foreign):
        page = _page(world, principal)
        table, hidden_total = home._findings(page)
        assert hidden_total < total
        assert not any("1,600" in row[2].text or "1600" in row[2].text for row in table.rows)
        deadlines = home._deadlines(page, AS_OF)
        rus = [row for row in deadlines.rows if "RUS: " in row[2].text and "NST-DATA-UPDATE" in row[2].text]
        assert len(rus) == 1
