"""The Python API of compliance monitoring: evaluate, store, list what is due; every face calls these.

    from detente.compliance import evaluate
    result = evaluate(store, treaty="new-start", party="RUS", as_of=date(2023, 3, 1))
    result.findings            # a Polars frame, one row per finding
    result.counts()            # findings per status

``evaluate`` stores its findings through the audited services (idempotently) unless ``save=False``; each
stored finding carries the most restrictive marking of the evidence it rests on. The engine's own
evaluation reads every evidence record; a reader's view (``evaluate_frames(..., viewer=scope)``, the due
list, the report) reads only the records that reader may see (see :mod:`detente.compliance.visibility`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from detente.compliance.engine import STATUSES, evaluate_pack
from detente.compliance.evidence import Evidence, load_evidence, state_codes
from detente.compliance.findings import StoreReport, store_findings
from detente.compliance.kinds.common import evidence_lists
from detente.compliance.packs import Pack, PackError, get_pack, load_packs
from detente.compliance.registry import ACTOR, agreement_ids, obligations_of, sync_pack
from detente.compliance.visibility import ALL_EVIDENCE, FindingMarker, Viewer
from detente.store.database import Store

__all__ = ["Evaluation", "as_findings", "evaluate", "evaluate_frames", "pack_evidence", "today", "treaty_packs"]


def today() -> date:
    """Today's date in UTC (the default as-of date)."""
    return datetime.now(UTC).date()


@dataclass
class Evaluation:
    """The findings of one evaluation, and what storing them changed."""

    as_of: list[date]
    findings: pl.DataFrame
    stored: StoreReport | None = None
    treaties: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Findings per status (every status listed, zeros included)."""
        found = dict(self.findings.group_by("status").len().iter_rows()) if self.findings.height else {}
        return {status: int(found.get(status, 0)) for status in STATUSES}

    def rows(self) -> list[dict[str, Any]]:
        """The findings as JSON-able dicts."""
        out = []
        for row in self.findings.iter_rows(named=True):
            out.append({k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in row.items()})
        return out


def treaty_packs(treaty: str | None) -> list[Pack]:
    """The pack of one treaty, or every pack."""
    return [get_pack(treaty)] if treaty else list(load_packs().values())


def pack_evidence(
    store: Store, pack: Pack, codes: dict[int, str] | None = None, viewer: Viewer = ALL_EVIDENCE
) -> Evidence:
    """The evidence frames of one pack (the records ``viewer`` may see), read from the store."""
    return load_evidence(store, agreement_ids(store, pack), codes, viewer)


def _party_id(codes: dict[int, str], party: str | None) -> int | None:
    if party is None:
        return None
    for state, code in codes.items():
        if code == party.upper():
            return state
    raise PackError(f"no state with the ISO3 code {party!r} in the store; load countrycode first or check the code")


def as_findings(found: pl.DataFrame, *, include_upcoming: bool = False) -> pl.DataFrame:
    """The engine's frame as findings for users and the store: without the ones still ahead (unless
    ``include_upcoming``), each finding's evidence as a list of references."""
    if not found.height:
        return found
    if not include_upcoming:
        found = found.filter(~pl.col("upcoming"))
    return evidence_lists(found)


def evaluate_frames(
    store: Store,
    *,
    treaty: str | None = None,
    party: str | None = None,
    dates: Sequence[date],
    at_risk_pct: float = 5.0,
    horizon_days: int = 30,
    include_upcoming: bool = False,
    viewer: Viewer = ALL_EVIDENCE,
) -> pl.DataFrame:
    """Every finding of the treaty (or all packs) at the dates, for one party or all, without storing it,
    on the evidence ``viewer`` may see (default: all of it, the engine's own view)."""
    codes = state_codes(store)
    party_id = _party_id(codes, party)
    frames = []
    for pack in treaty_packs(treaty):
        evidence = pack_evidence(store, pack, codes, viewer)
        found = evaluate_pack(
            pack,
            evidence,
            dates,
            obligations=obligations_of(store, pack),
            at_risk_pct=at_risk_pct,
            horizon_days=horizon_days,
            only_parties={party_id} if party_id is not None else None,
        )
        if found.height:
            frames.append(found)
    if not frames:
        return pl.DataFrame()
    found = pl.concat(frames, how="vertical_relaxed")
    if party is not None:
        found = found.filter(pl.col("party_code") == party.upper())
    return as_findings(found, include_upcoming=include_upcoming).sort(
        "treaty", "code", "as_of", "party_code", "subject", nulls_last=True
    )


def evaluate(
    store: Store,
    *,
    treaty: str | None = None,
    party: str | None = None,
    as_of: date | Iterable[date] | None = None,
    save: bool = True,
    actor: str = ACTOR,
    at_risk_pct: float = 5.0,
) -> Evaluation:
    """Evaluate every obligation (of one treaty, for one party) at the as-of date(s), default today, on
    every evidence record, and store the findings through the audited services unless ``save=False``, each
    marked as restrictively as the evidence it rests on."""
    dates = [today()] if as_of is None else ([as_of] if isinstance(as_of, date) else list(as_of))
    packs = treaty_packs(treaty)
    obligation_ids: dict[str, int] = {}
    if save:
        for pack in packs:
            obligation_ids.update(sync_pack(store, pack, actor=actor).obligation_ids)
    findings = evaluate_frames(store, treaty=treaty, party=party, dates=dates, at_risk_pct=at_risk_pct)
    stored = None
    if save:
        codes = state_codes(store)
        party_ids = [_party_id(codes, party)] if party else None
        marker = FindingMarker.of(store, [a for pack in packs for a in agreement_ids(store, pack)])
        stored = store_findings(
            store,
            findings,
            obligation_ids,
            parties=[p for p in party_ids or [] if p is not None] if party else None,
            dates=dates,
            actor=actor,
            marker=marker,
        )
    return Evaluation(dates, findings, stored, [p.code for p in packs])
