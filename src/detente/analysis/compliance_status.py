"""Compliance status in a dossier: for each treaty that binds the state, its findings, with their evidence.

A treaty pack (:mod:`detente.compliance.packs`) binds a state when it names it among its parties (New START:
USA and RUS; AECA 36(b): USA), or, for packs whose parties are "every state in the evidence" (CFE, the
Vienna Document, CWC, CTBT, IAEA, UN PCRS), when the store holds evidence of that treaty in which the state
is the party or the counterpart. For each treaty binding the state, the dossier shows

1. the **stored** findings (``detente compliance evaluate`` wrote them through the audited services): for
   each obligation and subject, the latest one dated on or before the dossier's date -- provided the reader
   may see every evidence record of the treaty and every stored finding about the state(s); or, for a state
   with none stored for that treaty, or a reader to whom some of the treaty's evidence is hidden,
2. the findings of an **evaluation** at the dossier's date by the compliance engine, on the evidence the
   reader may see (nothing is stored by reading a dossier). A reader without clearance for a secret
   inspection thus gets what the rest of the evidence supports (for example ``insufficient_data``), never a
   "compliant" resting on the inspection nor its id.

Each finding keeps its status, figures, the evidence it rests on (``declaration:12`` ...), its explanation
and whether its values were verified against the authentic text. Unknown stays unknown: a treaty that binds
the state but has no evidence about it gets the engine's ``insufficient_data``, and a state no pack binds has
no treaties listed and a note that says its compliance is unknown -- never "compliant".

Markings: findings and evidence are a user's records (a stored finding carries the most restrictive marking
of its evidence). With a :class:`~detente.services.access.Scope` only the ones it may see are used, and one
audit entry names the marked findings and evidence shown; without one (command line, Python API), only
unmarked ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import partial
from typing import Any

import polars as pl
from pydantic import BaseModel
from sqlalchemy import BindParameter, Date, Select, Table, bindparam, select

from detente.analysis.common import StateRef
from detente.analysis.statements import prepared, prepared_for
from detente.analysis.user_records import record_filter
from detente.compliance.visibility import audit_evidence_read, marked_evidence
from detente.services.access import Scope
from detente.store.database import Store
from detente.store.models import Activity, Agreement, Approval, Declaration, Finding, Inspection, Notification
from detente.store.models import Obligation as StoredObligation

__all__ = [
    "SEVERITY",
    "ComplianceFinding",
    "ComplianceStatus",
    "TreatyStatus",
    "compliance_status",
    "forget_evaluations",
]

SEVERITY = ("breach", "overdue", "at_risk", "insufficient_data", "compliant", "not_in_force")
"""Statuses from worst to mildest: a treaty's ``status`` is its worst finding's."""

_EVIDENCE: dict[str, tuple[Any, tuple[str, str]]] = {
    "declaration": (Declaration, ("party_state_id", "party_state_id")),
    "notification": (Notification, ("sender_state_id", "receiver_state_id")),
    "inspection": (Inspection, ("inspected_state_id", "inspecting_state_id")),
    "activity": (Activity, ("state_id", "counterpart_state_id")),
    "approval": (Approval, ("party_state_id", "counterpart_state_id")),
}
"""Evidence type -> (model, (party column, counterpart column))."""


class ComplianceFinding(BaseModel):
    """One finding on one obligation for one party."""

    party: str
    """ISO3 of the party judged."""
    obligation: str
    title: str | None
    kind: str
    status: str
    as_of: date
    measured: float | None
    limit: float | None
    margin: float | None
    evidence: list[str]
    """The records the finding rests on (``declaration:12``, ``inspection:3`` ...)."""
    explanation: str | None
    verified: bool
    origin: str
    """``stored`` (written by ``detente compliance evaluate``) or ``evaluated`` (now, at the dossier's date)."""


class TreatyStatus(BaseModel):
    """A treaty binding the dossier's state(s), its worst status and every finding."""

    treaty: str
    title: str
    citation: str
    bound: dict[str, str]
    """ISO3 -> why the treaty binds it: ``named party`` or ``in the treaty's evidence``."""
    status: str
    """The worst status among the findings, or ``unknown`` when there are none."""
    findings: list[ComplianceFinding]


class ComplianceStatus(BaseModel):
    """Compliance as of the dossier's date: the treaties binding the state(s) and a note on what is unknown."""

    as_of: date
    treaties: list[TreatyStatus]
    note: str


def _pack_agreements(store: Store, keys: dict[str, list[str]]) -> dict[str, list[int]]:
    """Pack code -> the agreements in the store whose evidence counts for it (one query for every pack)."""
    wanted = sorted({k for ks in keys.values() for k in ks})
    query = prepared(
        "compliance:pack_agreements",
        lambda: select(Agreement.id, Agreement.source_key).where(
            Agreement.source_key.in_(bindparam("keys", expanding=True))
        ),
    )
    with store.engine.connect() as connection:
        rows = connection.execute(query, {"keys": wanted})
        by_key: dict[str, list[int]] = {}
        for agreement_id, key in rows:
            by_key.setdefault(str(key), []).append(int(agreement_id))
    return {code: sorted(i for k in ks for i in by_key.get(k, [])) for code, ks in keys.items()}


def _involving(kind: str, scope: Scope | None) -> Select[Any]:
    """The agreements of the evidence records of ``kind`` the reader may see in which one of ``:states`` is
    the party or the counterpart."""
    model, (party, counterpart) = _EVIDENCE[kind]
    table = model.__table__
    assert isinstance(table, Table)
    states: BindParameter[int] = bindparam("states", expanding=True)
    involved = table.c[party].in_(states) | table.c[counterpart].in_(states)
    return select(table.c.agreement_id).where(involved, record_filter(model, scope)).distinct()


def _in_evidence(store: Store, state_ids: Iterable[int], scope: Scope | None) -> set[int]:
    """The agreements with evidence (that the reader may see) in which one of the states takes part."""
    states = sorted(set(state_ids))
    found: set[int] = set()
    with store.engine.connect() as connection:
        for kind in _EVIDENCE:
            query = prepared_for(scope, ("compliance:involving", kind), partial(_involving, kind, scope))
            found.update(int(a) for a in connection.execute(query, {"states": states}).scalars() if a is not None)
    return found


def _hidden(kind: str, scope: Scope | None) -> Select[Any]:
    """One evidence record of ``kind`` of the agreements ``:agreement_ids`` hidden from the reader, if any."""
    model = _EVIDENCE[kind][0]
    agreements: BindParameter[int] = bindparam("agreement_ids", expanding=True)
    return select(model.id).where(model.agreement_id.in_(agreements), ~record_filter(model, scope)).limit(1)


def _hides(store: Store, agreement_ids: list[int], scope: Scope | None) -> bool:
    """Is any evidence record of these agreements hidden from the reader?"""
    if not agreement_ids:
        return False  # no agreement, no evidence to hide
    with store.engine.connect() as connection:
        for kind in _EVIDENCE:
            query = prepared_for(scope, ("compliance:hidden", kind), partial(_hidden, kind, scope))
            if connection.execute(query, {"agreement_ids": agreement_ids}).first() is not None:
                return True
    return False


def _hidden_findings(scope: Scope | None) -> Select[Any]:
    """The obligations (their parameters) of stored findings on ``:parties`` up to ``:as_of`` hidden from the
    reader."""
    f = Finding
    return (
        select(StoredObligation.parameters)
        .select_from(f)
        .join(StoredObligation, StoredObligation.id == f.obligation_id)
        .where(f.party_state_id.in_(bindparam("parties", expanding=True)))
        .where(f.as_of <= bindparam("as_of", type_=Date), ~record_filter(f, scope))
        .group_by(f.obligation_id, StoredObligation.id)
    )


def _stored_findings(scope: Scope | None) -> Select[*tuple[Any, ...]]:
    """The stored findings on ``:parties`` up to ``:as_of`` the reader may see, with their obligations, oldest
    first."""
    f = Finding
    return (
        select(f.party_state_id, f.subject, f.status, f.as_of, f.measured, f.limit_value, f.margin, f.evidence)
        .add_columns(f.explanation, f.verified, StoredObligation.code, StoredObligation.title)
        .add_columns(StoredObligation.kind, StoredObligation.parameters, f.marking_id)
        .join(StoredObligation, StoredObligation.id == f.obligation_id)
        .where(f.party_state_id.in_(bindparam("parties", expanding=True)))
        .where(f.as_of <= bindparam("as_of", type_=Date), record_filter(f, scope))
        .order_by(f.as_of, f.id)
    )


def _stored(
    store: Store, parties: dict[int, str], as_of: date, scope: Scope | None
) -> tuple[dict[str, list[tuple[int | None, ComplianceFinding]]], set[str]]:
    """Pack code -> the latest stored findings the reader may see (per obligation, party and subject) on or
    before ``as_of``, each with its marking id; and the packs with stored findings hidden from the reader."""
    values = {"parties": sorted(parties), "as_of": as_of}
    hidden_query = prepared_for(scope, "compliance:hidden_findings", partial(_hidden_findings, scope))
    query = prepared_for(scope, "compliance:stored_findings", partial(_stored_findings, scope))
    latest: dict[tuple[str, int, str | None], tuple[str, int | None, ComplianceFinding]] = {}
    with store.engine.connect() as connection:
        hidden = {str((params or {}).get("pack") or "") for (params,) in connection.execute(hidden_query, values)}
        for row in connection.execute(query, values):
            pack = str((row.parameters or {}).get("pack") or "")
            latest[(row.code, int(row.party_state_id), row.subject)] = (
                pack,
                row.marking_id,
                ComplianceFinding(
                    party=parties[int(row.party_state_id)],
                    obligation=row.code,
                    title=row.title,
                    kind=row.kind,
                    status=row.status,
                    as_of=row.as_of,
                    measured=row.measured,
                    limit=row.limit_value,
                    margin=row.margin,
                    evidence=[str(e) for e in row.evidence or []],
                    explanation=row.explanation,
                    verified=bool(row.verified),
                    origin="stored",
                ),
            )
    out: dict[str, list[tuple[int | None, ComplianceFinding]]] = {}
    for pack, marking_id, finding in latest.values():
        out.setdefault(pack, []).append((marking_id, finding))
    return out, hidden


_EVALUATED: dict[tuple[Any, ...], list[ComplianceFinding]] = {}
EVALUATIONS_KEPT = 64
"""How many evaluations :func:`_evaluated` keeps in memory (each a handful of findings)."""


def forget_evaluations() -> None:
    """Drop the evaluations kept in memory (the next dossier evaluates afresh, as after a write)."""
    _EVALUATED.clear()


def _evaluated(store: Store, pack: Any, agreements: list[int], parties: dict[int, str], as_of: date,
               scope: Scope | None) -> list[ComplianceFinding]:  # fmt: skip
    """The pack's findings for the parties at ``as_of``, on the evidence the reader may see (not stored).

    Kept in memory until the store's next write (evidence, obligations and markings all change through the
    audited services, which move the audit log's head) for the same pack, parties, date and visible markings.
    """
    from detente.panels.cache import audit_key

    head = audit_key(store)
    key = (head, str(store.engine.url), pack.code, tuple(sorted(parties)), as_of, scope and scope.marking_ids)
    if head is not None and key in _EVALUATED:
        return [f.model_copy() for f in _EVALUATED[key]]
    found = _evaluate(store, pack, agreements, parties, as_of, scope)
    if head is not None:
        while len(_EVALUATED) >= EVALUATIONS_KEPT:
            _EVALUATED.pop(next(iter(_EVALUATED)))
        _EVALUATED[key] = found
    return [f.model_copy() for f in found]


def _evaluate(store: Store, pack: Any, agreements: list[int], parties: dict[int, str], as_of: date,
              scope: Scope | None) -> list[ComplianceFinding]:  # fmt: skip
    """The evaluation itself (see :func:`_evaluated`)."""
    from detente.compliance.engine import evaluate_pack
    from detente.compliance.evidence import load_evidence
    from detente.compliance.kinds.common import evidence_lists
    from detente.compliance.registry import obligations_of

    evidence = load_evidence(store, agreements, viewer=scope)
    found = evaluate_pack(pack, evidence, [as_of], obligations=obligations_of(store, pack), only_parties=set(parties))
    if not found.height:
        return []
    found = evidence_lists(found.filter(pl.col("party").is_in(sorted(parties)) & ~pl.col("upcoming")))
    titles = {spec.code: spec.title for spec in pack.obligations}
    return [
        ComplianceFinding(
            party=parties[int(row["party"])],
            obligation=row["code"],
            title=titles.get(row["code"]),
            kind=row["kind"],
            status=row["status"],
            as_of=row["as_of"],
            measured=row["measured"],
            limit=row["limit"],
            margin=row["margin"],
            evidence=list(row["evidence"] or []),
            explanation=row["explanation"],
            verified=bool(row["verified"]),
            origin="evaluated",
        )
        for row in found.iter_rows(named=True)
    ]


def _worst(findings: list[ComplianceFinding]) -> str:
    statuses = {f.status for f in findings}
    return next((s for s in SEVERITY if s in statuses), "unknown")


def compliance_status(
    store: Store, states: list[StateRef], as_of: date, *, scope: Scope | None = None
) -> ComplianceStatus:
    """The treaties binding every one of ``states`` (one: a country dossier, two: a pair) and their findings
    for those states as of ``as_of`` (see the module docstring)."""
    from detente.compliance.packs import load_packs

    parties = {s.state_id: s.iso3 for s in states if s.iso3}
    if len(parties) < len(states):
        names = ", ".join(s.name for s in states if not s.iso3)
        return ComplianceStatus(as_of=as_of, treaties=[], note=f"unknown: {names} has no ISO3 code, which packs use")
    packs = load_packs()
    agreements = _pack_agreements(store, {c: [*p.agreement_keys, p.agreement_key] for c, p in packs.items()})
    with_evidence = _in_evidence(store, parties, scope)
    stored, hidden_findings = _stored(store, {k: v for k, v in parties.items() if v}, as_of, scope)
    evidence_shown: set[str] = set()
    shown_agreements: set[int] = set()
    treaties: list[TreatyStatus] = []
    for code, pack in packs.items():
        named = set(pack.parties) if pack.parties != "evidence" else set()
        for spec in pack.obligations:
            if isinstance(spec.parties, list):
                named |= set(spec.parties)
        in_evidence = bool(with_evidence & set(agreements[code]))
        bound = {
            iso3: "named party" if iso3 in named else "in the treaty's evidence"
            for iso3 in parties.values()
            if iso3 in named or (pack.parties == "evidence" and in_evidence)
        }
        if len(bound) < len(parties):
            continue  # a pair dossier lists the treaties binding both
        if code in hidden_findings or _hides(store, agreements[code], scope):
            # stored findings rest on evidence this reader may not see: evaluate on what they may see
            findings = _evaluated(store, pack, agreements[code], parties, as_of, scope)
        else:
            findings = [f for _marking, f in stored.get(code, []) if f.party in bound]
            unstored = {i: iso3 for i, iso3 in parties.items() if not any(f.party == iso3 for f in findings)}
            if unstored:
                findings += _evaluated(store, pack, agreements[code], unstored, as_of, scope)
        evidence_shown.update(ref for f in findings for ref in f.evidence)
        shown_agreements.update(agreements[code])
        findings.sort(key=lambda f: (SEVERITY.index(f.status) if f.status in SEVERITY else 99, f.obligation, f.party))
        treaties.append(
            TreatyStatus(
                treaty=code,
                title=pack.title,
                citation=pack.citation,
                bound=bound,
                status=_worst(findings),
                findings=findings,
            )
        )
    if scope is not None and evidence_shown:
        audit_evidence_read(
            store, scope, evidence_shown, marked_evidence(store, shown_agreements), "dossier compliance status"
        )
    names = " and ".join(parties.values())
    note = (
        f"{len(treaties)} treaty pack(s) bind {names}: stored findings where 'detente compliance evaluate' wrote "
        "them, else an evaluation at this date on the evidence you may see"
        if treaties
        else f"unknown: no treaty pack names {names} and the store holds no treaty evidence about "
        + ("it" if len(parties) == 1 else "both")
        + " (not 'compliant')"
    )
    return ComplianceStatus(as_of=as_of, treaties=treaties, note=note)
