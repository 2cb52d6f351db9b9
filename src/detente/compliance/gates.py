"""GATE checks for services: may this action go ahead now?

Other services call these before they record an action, for example the security-assistance service
before it records an offer (is the AECA 36(b) notification period over?) or training for a unit (has its
human-rights vetting cleared?)::

    from detente.compliance.gates import check_gates
    for decision in check_gates(store, action="assistance_offer", party="USA", counterpart="JPN",
                                subject="JA-D-SAB", on=date(2024, 5, 20), figures={"mde_usd": 30e6}):
        if not decision.allowed:
            raise RecordError("assistance_case", "status", decision.reason)

The same judging function as the engine's bulk GATE evaluation is used, on a one-row action.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from detente.compliance.evidence import frame_from_rows, midnight, state_codes
from detente.compliance.kinds.common import Context, select
from detente.compliance.kinds.gate import judge_actions
from detente.compliance.packs import ObligationSpec, Pack, PackError, find_obligation, load_packs
from detente.compliance.rules import GateRule
from detente.compliance.service import pack_evidence, today
from detente.store.database import Store

__all__ = ["GateDecision", "check_gate", "check_gates"]


@dataclass(frozen=True)
class GateDecision:
    """Whether an action may go ahead under one GATE obligation, why, and from when."""

    code: str
    applies: bool
    allowed: bool
    reason: str
    opens: datetime | None
    evidence: list[str]
    verified: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "applies": self.applies,
            "allowed": self.allowed,
            "reason": self.reason,
            "opens": self.opens.isoformat() if self.opens else None,
            "evidence": self.evidence,
            "verified": self.verified,
        }


def check_gate(
    store: Store,
    code: str,
    *,
    party: str,
    subject: str,
    on: date | datetime | None = None,
    counterpart: str | None = None,
    figures: Mapping[str, float] | None = None,
) -> GateDecision:
    """Judge one proposed action (``on`` a day or moment, default today) against the GATE ``code``."""
    pack, spec = find_obligation(code)
    return _decide(store, pack, spec, party, subject, on, counterpart, figures)


def check_gates(
    store: Store,
    *,
    action: str,
    party: str,
    subject: str,
    on: date | datetime | None = None,
    counterpart: str | None = None,
    figures: Mapping[str, float] | None = None,
) -> list[GateDecision]:
    """Judge a proposed action of kind ``action`` against every GATE obligation that names that kind."""
    decisions = []
    for pack in load_packs().values():
        for spec in pack.obligations:
            rule = spec.rule
            if isinstance(rule, GateRule) and action in (rule.action.kind or []):
                decisions.append(_decide(store, pack, spec, party, subject, on, counterpart, figures, action))
    return decisions


def _decide(
    store: Store,
    pack: Pack,
    spec: ObligationSpec,
    party: str,
    subject: str,
    on: date | datetime | None,
    counterpart: str | None,
    figures: Mapping[str, float] | None,
    action: str | None = None,
) -> GateDecision:
    rule = spec.rule
    if not isinstance(rule, GateRule):
        raise PackError(f"{spec.code} is a {spec.kind} obligation, not a GATE")
    codes = state_codes(store)
    ids = {c: s for s, c in codes.items()}
    for name, value in (("party", party), ("counterpart", counterpart)):
        if value is not None and value.upper() not in ids:
            raise PackError(f"{name} {value!r} is not the ISO3 code of a state in the store")
    moment = on if isinstance(on, datetime) else midnight(on or today())
    if moment.tzinfo is None:
        raise PackError("give the moment of the action in UTC (with a time zone)")
    row = {
        "id": 0,
        "ref": "proposed",
        "kind": action or (rule.action.kind or ["action"])[0],
        "party": ids[party.upper()],
        "counterpart": ids[counterpart.upper()] if counterpart else None,
        "subject": subject,
        "time": moment.astimezone(UTC),
        "figures": dict(figures or {}),
    }
    evidence = pack_evidence(store, pack, codes)
    evidence.frames[rule.action.evidence] = frame_from_rows([row], codes)
    context = Context(pack, evidence, [moment.date()], only_parties={ids[party.upper()]})
    chosen = select(context, rule.action)
    if chosen.is_empty():
        return GateDecision(spec.code, False, True, "the gate does not apply to this action", None, [], spec.verified)
    judged = judge_actions(chosen, rule, context).row(0, named=True)
    refs = [judged[k] for k in ("condition_ref", "revoked_condition_ref", "revoked_ref") if judged.get(k)]
    return GateDecision(
        spec.code, True, bool(judged["allowed"]), str(judged["reason"]), judged["opens"], refs, spec.verified
    )
