"""Bringing stored findings up to date after evidence changed, re-evaluating only what the change can alter.

After evidence is imported, or written, changed or deleted one record at a time, the findings stored for
its treaty may be out of date. Evaluating the whole treaty again would put them right, at the cost of every
obligation for every party. :func:`refresh_findings` does what the incremental
:class:`~detente.compliance.engine.Evaluator` does in memory, against the store:

* it reads the treaty's evidence (the new records included) and notes the new records, which tells it the
  obligations that read records of their types and kinds, and the parties those records touch (their party
  and counterpart, and those of the records they are tied to);
* it notes as well the records as they were *before* a change or a deletion (``removed``, read with
  :func:`prior_evidence` in the transaction that changes them): a finding may rest on a figure that was
  changed, on a party a record no longer names, or on a record that no longer exists, so the obligations
  and parties the old version touched are evaluated again too -- a declaration moved from one party to
  another changes the findings of both. A record whose marking changed is noted the same way, so the
  findings resting on it take their new marking;
* at every as-of date the store already holds findings of the treaty for, it evaluates those obligations
  for those parties alone (group limits, whose figure sums several parties, for every party) and upserts
  their findings -- new ones created, changed ones updated, ones no longer found deleted, the rest left;
* at an as-of date asked for (``dates``) that has no stored findings yet, there is nothing to be
  incremental against: the whole treaty is evaluated there.

The stored findings afterwards are exactly what a full :func:`~detente.compliance.service.evaluate` at the
same dates would store (tests prove it on the real New START data): evaluating in full afterwards writes
nothing. Obligations are judged at the default at-risk margin (5 %), as ``evaluate`` does by default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Connection, Table, select

from detente.compliance.engine import Evaluator, evaluate_pack
from detente.compliance.evidence import evidence_rows, state_codes
from detente.compliance.findings import Scope, StoreReport, store_scopes
from detente.compliance.packs import Pack, load_packs
from detente.compliance.registry import ACTOR, agreement_ids, obligations_of, sync_pack
from detente.compliance.service import as_findings, pack_evidence
from detente.compliance.visibility import FindingMarker
from detente.services.evidence_changes import EVIDENCE_TYPES
from detente.store.database import Store
from detente.store.models import Finding, Obligation

__all__ = [
    "EVIDENCE_TYPES",
    "Refresh",
    "prior_evidence",
    "refresh_after_writes",
    "refresh_changes",
    "refresh_findings",
    "stored_dates",
]


@dataclass(frozen=True)
class Refresh:
    """What a refresh evaluated and what storing the findings changed."""

    treaty: str
    dates: list[date]
    """As-of dates with stored findings, where only the obligations and parties touched were evaluated."""
    full_dates: list[date]
    """As-of dates asked for without stored findings, where the whole treaty was evaluated."""
    obligations: list[str]
    """Codes of the obligations evaluated again at :attr:`dates`."""
    parties: list[str]
    """ISO3 codes of the parties the per-party obligations were evaluated again for."""
    stored: StoreReport

    def as_dict(self) -> dict[str, Any]:
        return {
            "treaty": self.treaty,
            "dates": [d.isoformat() for d in self.dates],
            "full_dates": [d.isoformat() for d in self.full_dates],
            "obligations": self.obligations,
            "parties": self.parties,
            "stored": self.stored.as_dict(),
        }


def stored_dates(store: Store, obligation_ids: Iterable[int]) -> list[date]:
    """Every as-of date the store holds findings of these obligations for."""
    ids = sorted(set(obligation_ids))
    if not ids:
        return []
    table = Finding.__table__
    assert isinstance(table, Table)
    with store.engine.connect() as connection:
        found = connection.execute(select(table.c.as_of).where(table.c.obligation_id.in_(ids)).distinct())
        return sorted(found.scalars())


def prior_evidence(connection: Connection, evidence_type: str, ids: Iterable[int]) -> pl.DataFrame | None:
    """Records about to be changed or deleted, as evidence rows (``None`` for a type that is not evidence):
    call it in the transaction that changes them, before the change, and hand the frame to
    :func:`refresh_after_writes` (``before``) or :func:`refresh_findings` (``removed``) afterwards."""
    if evidence_type not in EVIDENCE_TYPES:
        return None
    return evidence_rows(connection, evidence_type, ids, state_codes(connection))


def refresh_findings(
    store: Store,
    pack: Pack,
    added: Mapping[str, Sequence[int]],
    *,
    removed: Mapping[str, pl.DataFrame] | None = None,
    dates: Iterable[date] = (),
    actor: str = ACTOR,
) -> Refresh:
    """Bring the stored findings of ``pack`` up to date after the records ``added`` (evidence type -> ids
    of records already stored, new or changed) and the records ``removed`` (evidence type -> the rows of
    records as they were before they were changed or deleted, from :func:`prior_evidence`), evaluating
    only what they can change (see the module docstring); also evaluate the whole treaty at those of
    ``dates`` that have no stored findings yet."""
    removed = {kind: rows for kind, rows in (removed or {}).items() if rows.height}
    unknown = sorted((set(added) | set(removed)) - set(EVIDENCE_TYPES))
    if unknown:
        raise ValueError(f"not evidence types: {', '.join(unknown)}")
    obligation_ids = sync_pack(store, pack, actor=actor).obligation_ids
    specs = obligations_of(store, pack)
    known = stored_dates(store, obligation_ids.values())
    new = sorted(set(dates) - set(known))
    incremental = bool(known) and (any(added.values()) or bool(removed))
    if not incremental and not new:
        return Refresh(pack.code, [], [], [], [], StoreReport(0, 0, 0, 0))
    codes = state_codes(store)
    evidence = pack_evidence(store, pack, codes)
    scopes: list[Scope] = []
    codes_done: list[str] = []
    parties: set[int] = set()
    if incremental:
        evaluator = Evaluator(pack.model_copy(update={"obligations": specs}), evidence, known)
        for evidence_type, ids in added.items():
            rows = evidence.frame(evidence_type).filter(pl.col("id").is_in(list(ids)))
            if rows.height:
                evaluator.note(evidence_type, rows)
        for evidence_type, rows in removed.items():
            evaluator.note(evidence_type, rows)
        touched = evaluator.take_touched()
        if touched.per_party and touched.parties:
            scopes.append(
                Scope(
                    as_findings(touched.evaluate_per_party(evaluator)),
                    {code: obligation_ids[code] for code in touched.per_party_codes},
                    sorted(touched.parties),
                    known,
                )
            )
            codes_done += touched.per_party_codes
            parties = touched.parties
        if touched.grouped:
            scopes.append(
                Scope(
                    as_findings(touched.evaluate_grouped(evaluator)),
                    {code: obligation_ids[code] for code in touched.grouped_codes},
                    None,
                    known,
                )
            )
            codes_done += touched.grouped_codes
    if new:
        found = evaluate_pack(pack, evidence, new, obligations=specs)
        scopes.append(Scope(as_findings(found), obligation_ids, None, new))
    report = StoreReport(0, 0, 0, 0)
    if scopes:  # each finding marked as restrictively as the evidence it rests on, as a full evaluation does
        marker = FindingMarker.of(store, agreement_ids(store, pack))
        report = store_scopes(store, scopes, actor=actor, marker=marker)
    return Refresh(
        pack.code,
        known if codes_done else [],
        new,
        sorted(codes_done),
        sorted(codes.get(p, str(p)) for p in parties),
        report,
    )


def _has_findings(store: Store, agreements: Sequence[int]) -> bool:
    """Whether any finding is stored for an obligation of these agreements."""
    with store.engine.connect() as connection:
        query = (
            select(Finding.id)
            .join(Obligation, Obligation.id == Finding.obligation_id)
            .where(Obligation.agreement_id.in_(agreements))
            .limit(1)
        )
        return connection.execute(query).first() is not None


def refresh_after_writes(
    store: Store,
    evidence_type: str,
    records: Iterable[Mapping[str, Any]],
    *,
    actor: str,
    before: pl.DataFrame | None = None,
) -> list[Refresh]:
    """After evidence records were written through the services (one at a time, not by an import): refresh
    the findings of every treaty pack whose agreement a record belongs to -- now (``records``: created or
    changed, as they are now) or before (``before``: the records as they were before a change or deletion,
    from :func:`prior_evidence`) -- when the store holds findings of that pack (none stored: nothing to
    bring up to date). Records of other kinds are ignored."""
    if evidence_type not in EVIDENCE_TYPES:
        return []
    earlier = {evidence_type: before} if before is not None else {}
    return refresh_changes(store, {evidence_type: list(records)}, earlier, actor=actor)


def refresh_changes(
    store: Store,
    records: Mapping[str, Iterable[Mapping[str, Any]]],
    before: Mapping[str, pl.DataFrame],
    *,
    actor: str,
) -> list[Refresh]:
    """:func:`refresh_after_writes` for the evidence of several types written in one transaction (evidence
    type -> records as they are now; evidence type -> rows as they were, from :func:`prior_evidence`): one
    refresh per treaty pack whatever the number of types and records, so a batch costs one evaluation of
    what it touched. Types that are not evidence are ignored."""
    by_agreement: dict[int, dict[str, list[int]]] = {}
    for evidence_type, written in records.items():
        if evidence_type not in EVIDENCE_TYPES:
            continue
        for record in written:
            if record.get("agreement_id") is not None:
                kinds = by_agreement.setdefault(int(record["agreement_id"]), {})
                kinds.setdefault(evidence_type, []).append(int(record["id"]))
    earlier: dict[int, dict[str, pl.DataFrame]] = {}
    for evidence_type, frame in before.items():
        if evidence_type not in EVIDENCE_TYPES or not frame.height:
            continue
        linked = frame.filter(pl.col("agreement").is_not_null())
        for key, rows in linked.partition_by("agreement", as_dict=True).items():
            earlier.setdefault(int(key[0]), {})[evidence_type] = rows
    out = []
    for pack in load_packs().values() if by_agreement or earlier else ():
        agreements = agreement_ids(store, pack)
        added: dict[str, list[int]] = {}
        gone: dict[str, list[pl.DataFrame]] = {}
        for agreement in agreements:
            for evidence_type, ids in by_agreement.get(agreement, {}).items():
                added.setdefault(evidence_type, []).extend(ids)
            for evidence_type, rows in earlier.get(agreement, {}).items():
                gone.setdefault(evidence_type, []).append(rows)
        if (added or gone) and _has_findings(store, agreements):
            removed = {kind: pl.concat(frames, how="diagonal_relaxed") for kind, frames in gone.items()}
            out.append(refresh_findings(store, pack, added, removed=removed, actor=actor))
    return out
