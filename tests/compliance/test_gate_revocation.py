"""GATE revocation (``revoked_by``): a vetting ``denied`` after one ``cleared`` shuts the AECA-VETTING gate
again, the later decision wins, and the finding names both records -- for a proposed action (the services'
check) and for recorded training (the engine), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from detente.compliance.gates import check_gate
from detente.compliance.rules import parse_rule
from detente.compliance.service import evaluate_frames
from detente.compliance.visibility import HIDDEN_RECORD, redact
from detente.store.database import Store
from detente.store.models import Approval
from tests.compliance.conftest import Importer

UNIT = "7th Mountain Brigade"


def _vetting(result: str, decided_on: str, unit: str = UNIT) -> dict[str, Any]:
    return {
        "kind": "vetting",
        "party": "USA",
        "counterpart": "SAU",
        "subject": unit,
        "decided_on": decided_on,
        "result": result,
    }


def _training(ref: str, start: str, unit: str = UNIT) -> dict[str, Any]:
    return {"ref": ref, "kind": "training", "party": "USA", "counterpart": "SAU", "subject": unit,
            "title": ref, "start": start, "end": start}  # fmt: skip


def _refs(world: Store, kind: str) -> dict[str, str]:
    """result -> ``approval:<id>`` of the vetting decisions stored (one per result in these tests)."""
    with world.engine.connect() as connection:
        rows = connection.execute(select(Approval.id, Approval.result).where(Approval.kind == kind)).all()
    return {str(result): f"approval:{i}" for i, result in rows}


def test_a_later_denial_revokes_the_clearance_and_a_new_clearance_reopens(world: Store, put: Importer) -> None:
    put("aeca-36b", "approval", [_vetting("cleared", "2024-05-10")], date(2024, 12, 31))
    put("aeca-36b", "approval", [_vetting("denied", "2024-06-01")], date(2024, 12, 31))
    refs = _refs(world, "vetting")

    def gate(day: date) -> Any:
        return check_gate(world, "AECA-VETTING", party="USA", subject=UNIT, on=day)

    before = gate(date(2024, 5, 5))
    assert not before.allowed and "no vetting" in before.reason
    cleared = gate(date(2024, 5, 20))
    assert cleared.allowed and cleared.evidence == [refs["cleared"]]
    revoked = gate(date(2024, 6, 5))
    assert not revoked.allowed
    assert refs["cleared"] in revoked.reason and refs["denied"] in revoked.reason and "revoked" in revoked.reason
    assert set(revoked.evidence) == {refs["cleared"], refs["denied"]}
    # another unit's denial takes nothing back from this one
    put("aeca-36b", "approval", [_vetting("denied", "2024-05-15", unit="8th Brigade")], date(2024, 12, 31))
    assert gate(date(2024, 5, 20)).allowed
    # a new clearance after the denial opens the gate again
    put("aeca-36b", "approval", [_vetting("cleared", "2024-07-01")], date(2024, 12, 31))
    assert gate(date(2024, 7, 2)).allowed
    assert not gate(date(2024, 6, 20)).allowed


def test_recorded_training_after_a_denial_is_a_breach_naming_both_records(world: Store, put: Importer) -> None:
    put("aeca-36b", "approval", [_vetting("cleared", "2024-03-01"), _vetting("denied", "2024-04-01")],
        date(2024, 12, 31))  # fmt: skip
    put("aeca-36b", "activity", [_training("T-MARCH", "2024-03-15"), _training("T-APRIL", "2024-04-15")],
        date(2024, 12, 31))  # fmt: skip
    refs = _refs(world, "vetting")
    found = evaluate_frames(world, treaty="aeca-36b", dates=[date(2024, 5, 1)])
    gate = found.filter(pl.col("code") == "AECA-VETTING").sort("period_from")
    assert gate["status"].to_list() == ["compliant", "breach"]
    march, april = gate.rows(named=True)
    assert march["evidence"] == [march["subject"], refs["cleared"]]
    assert set(april["evidence"]) == {april["subject"], refs["cleared"], refs["denied"]}
    assert "revoked" in april["explanation"] and refs["denied"] in april["explanation"]


def test_revoked_by_needs_a_requires_gate() -> None:
    parameters = {
        "measure": "amendments",
        "action": {"evidence": "activity", "kind": "case_amendment"},
        "condition": {"evidence": "approval", "kind": "case_closure", "result": "closed", "match": "subject"},
        "mode": "blocks",
        "revoked_by": {"evidence": "approval", "kind": "case_reopening"},
    }
    with pytest.raises(ValidationError, match=r"revoked_by .* needs mode: requires"):
        parse_rule("GATE", parameters)


def test_redact_takes_out_only_the_hidden_references() -> None:
    text = "the vetting (approval:1) of 2024-05-10 was revoked by approval:12; see notification:1"
    shown, refs = redact(text, ["approval:1", "approval:12", "notification:1"], {"approval:1"})
    assert shown == f"the vetting ({HIDDEN_RECORD}) of 2024-05-10 was revoked by approval:12; see notification:1"
    assert refs == ["approval:12", "notification:1"]
