"""Every other way evidence changes keeps the stored findings true: the generic writer, the gates, a reload.

On a store with the real New START declarations, evaluated and stored at several as-of dates:

* evidence changed and deleted through the Python API (``Records.update`` / ``Records.delete``) and through
  one audited batch that changes several records of two types (``Batch.update_many``, ``Batch.delete``)
  refreshes the treaty's findings once the batch commits -- once for the batch;
* gate evidence stored without an agreement and linked to the AECA 36(b) pack's agreement by
  ``ComplianceGates.agreement_id()`` refreshes that pack's findings (the offer's gate clears);
* reloading the New START source (its declarations cleared and inserted again, as the source has them)
  evaluates the treaty's stored findings again at the dates they are stored for, and keeps the treaty row
  (its obligations and the evidence users linked to it point to it).

After each step a full evaluation at the same dates writes nothing: the stored findings are exactly the
full ones. Without the hooks these tests fail (the findings stay as they were, or the reload is refused by
the database because the pack's obligations point to the treaty row it deleted).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select, update

from detente.compliance.importer import import_evidence
from detente.compliance.packs import get_pack
from detente.compliance.registry import agreement_ids
from detente.compliance.service import evaluate
from detente.services import audit_trail
from detente.services.gates import ComplianceGates
from detente.services.records import Records
from detente.sources.load import load_source
from detente.store.database import Store
from detente.store.models import Declaration, Finding, Inspection, Notification, Obligation, Source, SourceVersion
from tests.compliance.conftest import DATES, MIRROR, write_file
from tests.compliance.test_refresh_changes import (
    DECLARATION_READERS,
    _finding,
    _full_evaluation_writes_nothing,
    _states,
)

OFFER_DAY = date(2024, 5, 1)


def _declaration(store: Store, party: str, as_of: date) -> tuple[int, dict[str, int]]:
    with store.engine.connect() as connection:
        found, counts = connection.execute(
            select(Declaration.id, Declaration.counts).where(
                Declaration.party_state_id == _states(store)[party], Declaration.as_of == as_of
            )
        ).one()
    return int(found), dict(counts)


def test_the_python_api_and_a_batch_refresh_the_findings_of_the_evidence_they_change(
    new_start: Store, tmp_path: Path
) -> None:
    store, records = new_start, Records(new_start)
    usa, usa_counts = _declaration(store, "USA", date(2022, 3, 1))
    rus, rus_counts = _declaration(store, "RUS", date(2022, 3, 1))
    ref = f"declaration:{usa}"
    assert _finding(store, "NST-LIMIT-WARHEADS", "USA") == ("at_risk", 1515.0, [ref], None)
    russia = _finding(store, "NST-LIMIT-WARHEADS", "RUS")

    # Records.update: the declared warheads raised above the limit -- a breach, stored at once
    records.update("declaration", usa, {"counts": {**usa_counts, "warheads_deployed": 1600}}, actor="analyst")
    assert _finding(store, "NST-LIMIT-WARHEADS", "USA") == ("breach", 1600.0, [ref], None)
    assert _finding(store, "NST-LIMIT-WARHEADS", "RUS") == russia
    _full_evaluation_writes_nothing(store)

    # one batch, two types, several records: both parties' declarations changed (update_many) and an
    # imported inspection deleted -- one refresh, of the obligations and parties all of them touch
    path = write_file(
        tmp_path / "inspection.json",
        {"inspections": [{"kind": "type_one", "inspecting": "USA", "inspected": "RUS", "start": "2022-05-10",
                          "end": "2022-05-12", "site": "Vypolzovo"}]},
    )  # fmt: skip
    imported = import_evidence(store, path, get_pack("new-start"), as_of=date(2023, 9, 1), actor="analyst")
    (inspection,) = imported.ids["inspection"]
    period = "period:2022-02-05"
    assert _finding(store, "NST-INSP-TYPE-ONE", "RUS", subject=period)[:2] == ("compliant", 1.0)
    with records.batch(actor="analyst") as work:
        work.update_many(
            "declaration",
            {usa: {"counts": usa_counts}, rus: {"counts": {**rus_counts, "warheads_deployed": 1700}}},
        )
        work.delete("inspection", inspection)
        assert work.refreshed == [], "nothing is refreshed before the batch commits"
    (refresh,) = work.refreshed
    assert refresh.treaty == "new-start" and refresh.dates == DATES and refresh.parties == ["RUS", "USA"]
    assert DECLARATION_READERS | {"NST-INSP-TYPE-ONE"} <= set(refresh.obligations)
    assert _finding(store, "NST-LIMIT-WARHEADS", "USA") == ("at_risk", 1515.0, [ref], None)
    assert _finding(store, "NST-LIMIT-WARHEADS", "RUS")[:2] == ("breach", 1700.0)
    assert _finding(store, "NST-INSP-TYPE-ONE", "RUS", subject=period) == ("compliant", 0.0, [], None)
    _full_evaluation_writes_nothing(store)

    # Records.delete: Russia's March 2022 declaration gone, its findings fall back on its earlier one
    records.delete("declaration", rus, actor="analyst")
    _, measured, evidence, _ = _finding(store, "NST-LIMIT-WARHEADS", "RUS")
    assert f"declaration:{rus}" not in evidence and measured != 1700.0
    _full_evaluation_writes_nothing(store)

    # a failed batch writes nothing and refreshes nothing
    before = _finding(store, "NST-LIMIT-WARHEADS", "USA")
    try:
        with records.batch(actor="analyst") as work:
            work.update("declaration", usa, {"counts": {**usa_counts, "warheads_deployed": 1900}})
            raise RuntimeError("the caller gave up")
    except RuntimeError:
        pass
    assert work.refreshed == [] and _finding(store, "NST-LIMIT-WARHEADS", "USA") == before
    _full_evaluation_writes_nothing(store)
    assert audit_trail.verify(store).ok


def _offer_gate(store: Store) -> list[str]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(Finding.status)
            .join(Obligation, Obligation.id == Finding.obligation_id)
            .where(Obligation.code == "AECA-36B-GENERAL", Finding.as_of == OFFER_DAY)
        )
        return list(rows.scalars())


def test_gate_evidence_linked_to_the_pack_refreshes_its_findings(new_start: Store, tmp_path: Path) -> None:
    store, pack = new_start, get_pack("aeca-36b")
    offer = {"ref": "offer-gap", "kind": "assistance_offer", "party": "USA", "counterpart": "SAU",
             "subject": "SA-D-GAP", "start": "2024-04-20", "mde_usd": 30_000_000}  # fmt: skip
    path = write_file(tmp_path / "offer.json", {"activities": [offer]})
    import_evidence(store, path, pack, as_of=OFFER_DAY, evaluate_at=[OFFER_DAY], actor="t")
    assert _offer_gate(store) == ["breach"]
    # a 36(b) notification stored before the pack's agreement was known to it (as migration 0006 left them)
    notice = Records(store).create(
        "notification",
        {"kind": "congressional_notification_36b", "sender_state_id": _states(store)["USA"],
         "sent_at": "2024-03-01T15:00:00Z", "reference": "SA-D-GAP"},
        actor="t",
    )  # fmt: skip
    assert notice["agreement_id"] is None and _offer_gate(store) == ["breach"]

    agreement = ComplianceGates(store).agreement_id()
    assert agreement == agreement_ids(store, pack)[0]
    with store.engine.connect() as connection:
        linked = connection.scalar(select(Notification.agreement_id).where(Notification.id == notice["id"]))
    assert linked == agreement
    assert _offer_gate(store) == ["compliant"], "linking the notification refreshed the gate's finding"
    full = evaluate(store, treaty="aeca-36b", as_of=OFFER_DAY, actor="t")
    assert full.stored is not None
    assert full.stored.as_dict() == {"created": 0, "updated": 0, "deleted": 0, "unchanged": full.findings.height}


def test_reloading_the_source_evaluates_the_stored_findings_again(new_start: Store, tmp_path: Path) -> None:
    store, pack = new_start, get_pack("new-start")
    treaty = agreement_ids(store, pack)
    # evidence a user linked to the treaty survives the reload: the treaty row is kept
    path = write_file(
        tmp_path / "inspection.json",
        {"inspections": [{"kind": "type_one", "inspecting": "RUS", "inspected": "USA", "start": "2022-04-04",
                          "end": "2022-04-06", "site": "Minot"}]},
    )  # fmt: skip
    (inspection,) = import_evidence(store, path, pack, as_of=date(2023, 9, 1), actor="analyst").ids["inspection"]
    # the stored United States declaration of March 2022 differs from the source's (as an edit would leave it)
    usa, counts = _declaration(store, "USA", date(2022, 3, 1))
    Records(store).update("declaration", usa, {"counts": {**counts, "warheads_deployed": 1600}}, actor="analyst")
    assert _finding(store, "NST-LIMIT-WARHEADS", "USA")[:2] == ("breach", 1600.0)

    # as if a newer version of the source came out: the stored one becomes an older version
    with store.engine.begin() as connection:
        connection.execute(
            update(SourceVersion)
            .where(SourceVersion.source_id.in_(select(Source.id).where(Source.name == "new_start")))
            .values(version="previous")
        )
    report = load_source(store, "new_start", mirror=MIRROR, actor="loader")
    assert report.status == "loaded"

    assert agreement_ids(store, pack) == treaty
    with store.engine.connect() as connection:
        new = set(connection.scalars(select(Declaration.id)))
        assert connection.scalar(select(Inspection.agreement_id).where(Inspection.id == inspection)) == treaty[0]
    assert len(new) == report.domain["new_start"]["declarations"] > 0
    cited = {ref for row in _evidence_refs(store) for ref in row if ref.startswith("declaration:")}
    assert cited and cited <= {f"declaration:{i}" for i in new}, "no finding rests on a declaration gone"
    # the source's figure is back, and so is the finding resting on it
    assert _finding(store, "NST-LIMIT-WARHEADS", "USA")[:2] == ("at_risk", 1515.0)
    _full_evaluation_writes_nothing(store)
    # what the load reports it re-evaluated
    (again,) = report.refreshed
    assert again["treaty"] == "new-start" and again["dates"] == [d.isoformat() for d in DATES]
    assert again["stored"]["updated"] > 0
    assert audit_trail.verify(store).ok


def _evidence_refs(store: Store) -> list[list[str]]:
    with store.engine.connect() as connection:
        return [list(refs or []) for refs in connection.scalars(select(Finding.evidence))]


def test_evidence_created_through_the_python_api_or_a_batch_refreshes_its_findings(new_start: Store) -> None:
    """``Records.create`` and ``Batch.create`` of evidence refresh the stored findings once the batch commits,
    as updates and deletions do; deleting the new declarations brings the findings back."""
    store, records = new_start, Records(new_start)
    usa, usa_counts = _declaration(store, "USA", date(2022, 3, 1))
    with store.engine.connect() as connection:
        agreement = connection.execute(select(Declaration.agreement_id).where(Declaration.id == usa)).scalar_one()
    original = _finding(store, "NST-LIMIT-WARHEADS", "USA")
    assert original == ("at_risk", 1515.0, [f"declaration:{usa}"], None)

    def declared(day: str, warheads: int) -> dict[str, object]:
        return {
            "agreement_id": agreement,
            "party_state_id": _states(store)["USA"],
            "as_of": day,
            "counts": {**usa_counts, "warheads_deployed": warheads},
        }

    made = records.create("declaration", declared("2022-06-01", 1600), actor="analyst")
    assert _finding(store, "NST-LIMIT-WARHEADS", "USA") == ("breach", 1600.0, [f"declaration:{made['id']}"], None)
    _full_evaluation_writes_nothing(store)

    with records.batch(actor="analyst") as work:
        later = work.create("declaration", declared("2022-06-15", 1500))
        assert work.refreshed == [], "nothing is refreshed before the batch commits"
    (refresh,) = work.refreshed
    assert refresh.treaty == "new-start" and refresh.parties == ["USA"]
    assert _finding(store, "NST-LIMIT-WARHEADS", "USA")[1:3] == (1500.0, [f"declaration:{later['id']}"])
    _full_evaluation_writes_nothing(store)

    with records.batch(actor="analyst") as work:
        work.delete("declaration", later["id"])
        work.delete("declaration", made["id"])
    assert _finding(store, "NST-LIMIT-WARHEADS", "USA") == original
    _full_evaluation_writes_nothing(store)
