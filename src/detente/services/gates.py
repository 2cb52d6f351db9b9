"""Compliance gates on security-assistance cases: the services ask the compliance engine, nothing else.

The rules live once, as GATE obligations of the ``aeca-36b`` pack (:mod:`detente.compliance.packs`), and are
judged by the engine's own function (:func:`detente.compliance.gates.check_gate`). This module only turns a
case step into the engine's question and its verdict into a :class:`GateDecision`:

* ``AECA-36B-GENERAL`` / ``AECA-36B-NATO``: a US foreign military or direct commercial sale is not offered
  before the 30-day (15-day for NATO and its partners) period after its congressional notification ends. The
  evidence is a ``notifications`` row of kind ``congressional_notification_36b`` sent by the USA whose
  ``reference`` is the case reference. The case value counts as defence articles and services
  (``articles_usd``), lines of category ``mde`` as major defence equipment (``mde_usd``). A case of unknown
  value cannot be judged: the offer is refused until the value is recorded (unknown is not zero).
* ``AECA-VETTING``: no training or delivery to a unit until its vetting has cleared. The evidence is an
  ``approvals`` row of kind ``vetting``, result ``cleared``, decided by the provider, whose ``subject`` is
  the unit.
* ``AECA-CLOSED-CASE``: nothing in a case changes once it is closed. Closing a case records the evidence
  itself: an ``approvals`` row of kind ``case_closure``, result ``closed``, subject the case reference.

The engine reads evidence of the pack's agreement only, so gate evidence written through the services is
linked to that agreement when the caller does not name one (:meth:`ComplianceGates.link`).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, func, select

from detente.compliance.gates import check_gate
from detente.compliance.packs import PackError, get_pack
from detente.compliance.registry import pack_agreement_ids, sync_pack
from detente.services.records import batch, table_of
from detente.store.base import Base
from detente.store.database import Store
from detente.store.models import Agreement, Approval, AssistanceLine, Notification, State

__all__ = ["PACK", "ComplianceGates", "GateDecision"]

PACK = "aeca-36b"
"""The pack whose GATE obligations security-assistance cases answer to."""

NOTICE_36B = "congressional_notification_36b"
"""Kind of the notification that opens the 36(b) gate."""

_GATE_EVIDENCE: dict[type[Base], frozenset[str]] = {
    Notification: frozenset({NOTICE_36B}),
    Approval: frozenset({"vetting", "case_closure", "end_use_terms"}),
}
"""Evidence kinds the pack's gates read, by table: written without an agreement, they are linked to the pack's."""


_PACK_AGREEMENTS: weakref.WeakKeyDictionary[Store, int] = weakref.WeakKeyDictionary()
"""The pack's agreement id per open store, once :meth:`ComplianceGates.agreement_id` has found or stored it."""


def _orphans(model: type[Base]) -> Select[int]:
    """Gate evidence of ``model`` stored without an agreement."""
    table = table_of(model)
    return select(table.c.id).where(table.c.agreement_id.is_(None), table.c.kind.in_(sorted(_GATE_EVIDENCE[model])))


@dataclass(frozen=True)
class GateDecision:
    """Whether a gate lets a step through, why, and the evidence the engine used."""

    gate: str
    allowed: bool
    reason: str
    evidence: list[str] = field(default_factory=list)


def _moment(on: date | datetime) -> datetime:
    if isinstance(on, datetime):
        return on if on.tzinfo else on.replace(tzinfo=UTC)
    return datetime(on.year, on.month, on.day, tzinfo=UTC)


class ComplianceGates:
    """The case services' door to the compliance engine's GATE checks."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pack = get_pack(PACK)

    def agreement_id(self) -> int:
        """The id of the pack's agreement, storing the pack first if it is not stored yet (call outside a batch).

        The first call in a process for a store also links gate evidence stored without an agreement (by
        migration 0006, or written before the pack was stored) to it, one audited update per row, so the
        engine sees it -- and, as for any evidence a batch changes, the pack's stored findings are then
        refreshed for the linked records. Later calls answer from the process's memory: the pack's agreement
        row is never replaced once stored (:func:`~detente.compliance.registry.sync_pack` keeps it, and folds
        into it any copies an older release stored), and gate evidence written through the services names it
        (:meth:`link`). The API makes a writer, and so a ``ComplianceGates``, per request; asking the
        database every time cost every engagement and case write two reads.
        """
        known = _PACK_AGREEMENTS.get(self.store)
        if known is not None:
            return known
        with self.store.engine.connect() as connection:
            ids = pack_agreement_ids(connection, self.pack)
            copies = connection.execute(
                select(func.count()).where(Agreement.source_key == self.pack.agreement_key)
            ).scalar_one()
            stray = any(connection.execute(_orphans(model).limit(1)).first() for model in _GATE_EVIDENCE)
        # sync_pack stores the pack when it is missing and merges copies of it stored by older releases
        agreement = ids[0] if ids and copies < 2 else sync_pack(self.store, self.pack).agreement_id
        if stray:
            # a write transaction only when there is something to link: on SQLite every write transaction
            # waits for the one writer lock
            with batch(self.store, "detente-gates", "gate evidence") as work:
                for model in _GATE_EVIDENCE:
                    for row_id in list(work.connection.execute(_orphans(model)).scalars()):
                        work.update(model, row_id, {"agreement_id": agreement})
        _PACK_AGREEMENTS[self.store] = agreement
        return agreement

    @staticmethod
    def is_evidence(model: type[Base], values: Mapping[str, Any]) -> bool:
        """Are ``values`` of ``model`` evidence the pack's gates read?"""
        return values.get("kind") in _GATE_EVIDENCE.get(model, frozenset())

    def link(self, model: type[Base], values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` with the pack's agreement filled in when they are gate evidence that names none."""
        out = dict(values)
        if self.is_evidence(model, values) and values.get("agreement_id") is None:
            out["agreement_id"] = self.agreement_id()
        return out

    def _codes(self, connection: Connection, *state_ids: int) -> list[str | None]:
        rows = dict(connection.execute(select(State.id, State.iso3).where(State.id.in_(state_ids))).all())
        return [rows.get(i) for i in state_ids]

    def _ask(
        self,
        code: str,
        *,
        party: str,
        subject: str,
        on: date | datetime,
        counterpart: str | None = None,
        figures: Mapping[str, float] | None = None,
    ) -> GateDecision:
        """The engine's verdict (it reads the evidence of the pack's agreement: call :meth:`agreement_id` first)."""
        try:
            verdict = check_gate(
                self.store, code, party=party, subject=subject, on=_moment(on), counterpart=counterpart, figures=figures
            )
        except PackError as error:
            return GateDecision(code, False, f"the gate cannot be judged: {error}")
        return GateDecision(code, verdict.allowed, verdict.reason, verdict.evidence)

    def before_offer(self, connection: Connection, case: Mapping[str, Any], on: date | datetime) -> GateDecision:
        """May ``case`` be offered at ``on``? (AECA 36(b), for US FMS and DCS cases.)"""
        provider, recipient = self._codes(connection, case["provider_state_id"], case["recipient_state_id"])
        if provider is None or provider not in self.pack.parties or case["programme"] not in ("fms", "dcs"):
            return GateDecision(
                "AECA-36B", True, "36(b) applies only to US foreign military and direct commercial sales"
            )
        if recipient is None:
            return GateDecision("AECA-36B", False, "the recipient state has no ISO3 code, so 36(b) cannot be judged")
        value = case.get("value")
        if value is None or (case.get("currency") or "USD").upper() != "USD":
            return GateDecision(
                "AECA-36B",
                False,
                "record the case value in US dollars before the offer: 36(b) applies from $14M of major defence "
                "equipment or $50M of articles and services ($25M / $100M for NATO and its partners)",
            )
        mde = connection.execute(
            select(func.sum(AssistanceLine.quantity * AssistanceLine.unit_value)).where(
                AssistanceLine.case_id == case["id"], func.lower(AssistanceLine.category) == "mde"
            )
        ).scalar()
        figures = {"articles_usd": float(Decimal(str(value))), "mde_usd": float(mde or 0)}
        code = "AECA-36B-NATO" if recipient in self.pack.groups.get("nato_plus", []) else "AECA-36B-GENERAL"
        return self._ask(code, party=provider, subject=case["reference"], on=on, counterpart=recipient, figures=figures)

    def unit_cleared(
        self, connection: Connection, case: Mapping[str, Any], unit: str, on: date | datetime
    ) -> GateDecision:
        """Has ``unit`` cleared the provider's vetting by ``on``? (AECA-VETTING.)"""
        (provider,) = self._codes(connection, case["provider_state_id"])
        if provider is None:
            return GateDecision(
                "AECA-VETTING", False, "the provider state has no ISO3 code, so vetting cannot be judged"
            )
        return self._ask("AECA-VETTING", party=provider, subject=unit, on=on)

    def case_open(self, connection: Connection, case: Mapping[str, Any], on: date | datetime) -> GateDecision:
        """May ``case`` (or anything in it) still change at ``on``? (AECA-CLOSED-CASE.)"""
        (provider,) = self._codes(connection, case["provider_state_id"])
        if provider is None:
            return GateDecision("AECA-CLOSED-CASE", False, "the provider state has no ISO3 code")
        return self._ask("AECA-CLOSED-CASE", party=provider, subject=case["reference"], on=on)

    def closure(self, case: Mapping[str, Any], on: date) -> dict[str, Any]:
        """The approval that records ``case`` closing: the evidence AECA-CLOSED-CASE reads."""
        return {
            "agreement_id": self.agreement_id(),
            "kind": "case_closure",
            "party_state_id": case["provider_state_id"],
            "counterpart_state_id": case["recipient_state_id"],
            "subject": case["reference"],
            "decided_on": on,
            "result": "closed",
            "reference": f"case {case['reference']} closed",
        }
