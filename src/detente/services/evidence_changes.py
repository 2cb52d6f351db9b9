"""The evidence a batch of writes changed or deleted, so that the findings resting on it follow once it commits.

A stored compliance finding rests on evidence records (declarations, notifications, inspections, activities,
approvals). When a :class:`~detente.services.records.Batch` changes or deletes one, it notes here the record
as it was (read in the same transaction, just before the write) and, for a change, the record as it is
afterwards. When the batch has committed, :meth:`EvidenceChanges.refresh` hands both to
:func:`detente.compliance.refresh.refresh_changes`, which re-evaluates, once per treaty, only the
obligations and parties those records touched -- before and after -- at the as-of dates the store holds
findings for.

Records that are not evidence cost nothing here: the type is checked before anything is read. The compliance
modules (and Polars) are imported only when evidence was actually written, so the services stay cheap to
import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

if TYPE_CHECKING:
    import polars as pl

    from detente.compliance.refresh import Refresh
    from detente.store.database import Store

__all__ = ["EVIDENCE_TYPES", "EvidenceChanges"]

EVIDENCE_TYPES = ("approval", "declaration", "activity", "inspection", "notification")
"""The evidence types (entity names of the evidence records)."""


class EvidenceChanges:
    """Evidence created, changed or deleted in one transaction: each record as it was, and as it is now."""

    def __init__(self) -> None:
        self.after: dict[str, list[Mapping[str, Any]]] = {}
        self.before: dict[str, list[pl.DataFrame]] = {}

    def __bool__(self) -> bool:
        return bool(self.after) or bool(self.before)

    def note_before(self, connection: Connection, evidence_type: str, ids: Iterable[int]) -> None:
        """Read the records about to be changed or deleted (no-op for a type that is not evidence)."""
        if evidence_type not in EVIDENCE_TYPES:
            return
        from detente.compliance.refresh import prior_evidence

        rows = prior_evidence(connection, evidence_type, ids)
        if rows is not None and rows.height:
            self.before.setdefault(evidence_type, []).append(rows)

    def note_after(self, evidence_type: str, records: Iterable[Mapping[str, Any]]) -> None:
        """Note records as they are after a change (no-op for a type that is not evidence)."""
        if evidence_type in EVIDENCE_TYPES:
            self.after.setdefault(evidence_type, []).extend(records)

    def refresh(self, store: Store, actor: str) -> list[Refresh]:
        """Bring the stored findings up to date with these changes (call it after the commit)."""
        if not self:
            return []
        import polars as pl

        from detente.compliance.refresh import refresh_changes

        before = {kind: pl.concat(frames, how="diagonal_relaxed") for kind, frames in self.before.items()}
        return refresh_changes(store, self.after, before, actor=actor)
