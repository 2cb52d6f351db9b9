"""What the compliance board shows a reader: the findings evaluated afresh on the evidence they may see.

A stored finding carries the combined marking of its evidence, so filtering the stored findings by the
reader's markings leaks nothing -- but it shows the wrong thing. A reader who may not see one record behind
a party's latest finding would be shown that party's latest *visible older* finding, which may say
"compliant" where the evidence they may see now says otherwise. So the board, like the due list and the
report, evaluates the treaty for its reader: at every as-of date the store holds findings of the treaty for
(on or before the board's day; :func:`~detente.compliance.refresh.stored_dates`), on the evidence the
reader's :class:`~detente.services.access.Scope` lets them see
(:func:`~detente.compliance.service.evaluate_frames` with ``viewer=scope``). Each finding comes out in the
shape of a stored one (:func:`~detente.compliance.findings.finding_values`, rounding included), so for a
reader who may see every record the board is exactly the stored findings' board.

The engine is deterministic, so what it found is kept (:func:`board_findings`) while the store's data are
unchanged: keyed on store, treaty, day, newest write (:func:`data_state`) and the markings the reader may
see, at most :data:`CACHE_SIZE` entries. The read of the marked evidence the findings rest on is audited
each time they are shown (:meth:`BoardFindings.audit`), kept or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from detente.compliance.findings import finding_values
from detente.compliance.packs import Pack
from detente.compliance.refresh import stored_dates
from detente.compliance.registry import agreement_ids
from detente.compliance.service import evaluate_frames
from detente.compliance.visibility import audit_evidence_read, finding_refs, marked_evidence
from detente.services.access import Scope
from detente.store.database import Store
from detente.store.models import AuditEntry

__all__ = ["CACHE_SIZE", "BoardFindings", "board_findings", "data_state"]

CACHE_SIZE = 64
"""How many readers' boards (treaty, day, data state, markings) are kept at most; the oldest goes first."""
_READS = ("read", "export")


def data_state(store: Store) -> int:
    """The sequence number of the store's newest *write* (every write appends an audit entry; audited reads
    and exports append entries too, but change no data, so they are skipped)."""
    with store.engine.connect() as connection:
        seq = connection.execute(
            select(AuditEntry.seq).where(AuditEntry.action.not_in(_READS)).order_by(AuditEntry.seq.desc()).limit(1)
        ).scalar()
    return int(seq or 0)


@dataclass(frozen=True)
class BoardFindings:
    """The findings a reader's board rests on, and the *marked* evidence records among what they rest on.

    ``rows`` are dicts with the values of a stored finding (``obligation_id``, ``party_state_id``, ``as_of``,
    ``status``, ``measured``, ``limit_value``, ``margin``, ``evidence``, ``explanation``, ``verified``,
    ``subject`` ...) and the obligation's ``code``, ascending by date, then code, party and subject. They are
    shared with later readers of the cache: read them, never change them.
    """

    rows: tuple[Mapping[str, Any], ...]
    marked: tuple[str, ...]

    def audit(self, store: Store, scope: Scope, treaty: str) -> None:
        """Record the reader's read of the marked evidence behind the board (nothing if there is none)."""
        audit_evidence_read(store, scope, self.marked, dict.fromkeys(self.marked, 0), f"compliance board {treaty}")


_CACHE: dict[tuple[str, str, date, int, frozenset[int]], BoardFindings] = {}


def board_findings(store: Store, pack: Pack, obligations: Mapping[str, int], day: date, scope: Scope) -> BoardFindings:
    """The findings of ``pack``'s obligations (code -> obligation id) at the stored as-of dates on or before
    ``day``, evaluated on the evidence ``scope`` may see; kept while the data are unchanged (see the module
    docstring). The caller audits the read (:meth:`BoardFindings.audit`) when it shows them."""
    key = (store.url, pack.code, day, data_state(store), scope.marking_ids)
    found = _CACHE.get(key)
    if found is None:
        found = _evaluate(store, pack, obligations, day, scope)
        while len(_CACHE) >= CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = found
    return found


def _evaluate(store: Store, pack: Pack, obligations: Mapping[str, int], day: date, scope: Scope) -> BoardFindings:
    dates = [d for d in stored_dates(store, obligations.values()) if d <= day]
    if not dates:
        return BoardFindings((), ())
    frame = evaluate_frames(store, treaty=pack.code, dates=dates, viewer=scope)
    rows: list[dict[str, Any]] = []
    used: set[str] = set()
    for row in frame.iter_rows(named=True) if frame.height else ():
        obligation_id = obligations.get(str(row["code"]))
        if obligation_id is None:
            continue  # an obligation the reader is not shown
        rows.append(finding_values(row, obligation_id) | {"code": row["code"]})
        used.update(finding_refs(row["evidence"], row["subject"]))
    rows.sort(key=_order)
    marked = sorted(used & set(marked_evidence(store, agreement_ids(store, pack)))) if used else []
    return BoardFindings(tuple(rows), tuple(marked))


def _order(row: Mapping[str, Any]) -> tuple[date, str, int, str]:
    party = row["party_state_id"]
    return (row["as_of"], str(row["code"]), -1 if party is None else int(party), row["subject"] or "")
