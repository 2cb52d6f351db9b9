"""Who may see what compliance says: the markings of findings, and evaluations on the evidence a reader may see.

Evidence records (declarations, notifications, inspections, activities, approvals) may carry a releasability
marking. Anything the engine derives from them inherits it:

* A **stored finding** is marked as restrictively as the evidence it rests on (its ``evidence`` references
  and, when it is one, its ``subject``): the highest classification, releasable only to the partners every
  one of those records is releasable to (:func:`detente.domain.markings.most_restrictive`). Unmarked evidence
  adds no restriction, so a finding on public data stays public. :class:`FindingMarker` works this out and
  creates a missing marking row through the audited services.
* A **reader's view** (a due list, a report, a dossier's compliance status) is computed by the engine on the
  evidence that reader may see: :func:`load_evidence` with a :class:`~detente.services.access.Scope` leaves
  the other records out before the engine runs. So a reader without clearance for a secret inspection gets
  the status the rest of the evidence supports ("insufficient data", "overdue") rather than a "compliant"
  resting on the inspection, and never its id.

Who is reading is one of three things (:data:`Viewer`):

* :data:`ALL_EVIDENCE` -- the engine itself, storing findings (they are then marked as above);
* a :class:`~detente.services.access.Scope` -- a signed-in user: the evidence their markings let them see;
* ``None`` -- nobody in particular (the command line without ``--user``, the Python API): public
  (unmarked) evidence only, as everywhere else in detente.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, Connection, select

from detente.domain.markings import Classification, MarkingError, RecordMarking, most_restrictive
from detente.services.access import Scope, visible
from detente.services.records import Batch, audit_only, batch
from detente.store.database import Store
from detente.store.models import Activity, Approval, Declaration, Inspection, Marking, Notification

__all__ = [
    "ALL_EVIDENCE",
    "EVIDENCE_MODELS",
    "HIDDEN_RECORD",
    "AllEvidence",
    "FindingMarker",
    "Viewer",
    "audit_evidence_read",
    "evidence_clause",
    "finding_refs",
    "hidden_refs",
    "marked_evidence",
    "redact",
]

HIDDEN_RECORD = "a record you may not see"
"""What a message says in place of the reference of an evidence record hidden from its reader."""

EVIDENCE_MODELS: Final[dict[str, Any]] = {
    "declaration": Declaration,
    "notification": Notification,
    "inspection": Inspection,
    "activity": Activity,
    "approval": Approval,
}
"""Evidence type (the prefix of a reference such as ``inspection:3``) -> its model."""


@dataclass(frozen=True)
class AllEvidence:
    """The engine's own view: every evidence record, marked or not."""


ALL_EVIDENCE: Final = AllEvidence()
Viewer = Scope | AllEvidence | None
"""Whose view of the evidence: :data:`ALL_EVIDENCE`, a user's :class:`Scope`, or ``None`` (public only)."""


def evidence_clause(model: Any, viewer: Viewer) -> ColumnElement[bool] | None:
    """The WHERE clause keeping the evidence rows of ``model`` that ``viewer`` may see (``None``: all rows)."""
    if isinstance(viewer, AllEvidence):
        return None
    if viewer is None:
        clause: ColumnElement[bool] = model.marking_id.is_(None)
        return clause
    return visible(model, viewer)


def marked_evidence(store: Store, agreement_ids: Iterable[int]) -> dict[str, int]:
    """``{"inspection:3": marking id, ...}``: every *marked* evidence record of these agreements."""
    ids = sorted(set(agreement_ids))
    out: dict[str, int] = {}
    if not ids:
        return out
    with store.engine.connect() as connection:
        for name, model in EVIDENCE_MODELS.items():
            query = select(model.id, model.marking_id).where(model.agreement_id.in_(ids), model.marking_id.is_not(None))
            out.update({f"{name}:{record}": int(marking) for record, marking in connection.execute(query)})
    return out


def finding_refs(evidence: Sequence[str] | None, subject: str | None) -> list[str]:
    """The evidence records a finding rests on: its evidence list, and its subject when that is a record."""
    refs = list(evidence or [])
    if subject and subject.partition(":")[0] in EVIDENCE_MODELS and subject not in refs:
        refs.append(subject)
    return refs


class FindingMarker:
    """Gives each finding the marking of the evidence it rests on (see the module docstring).

    Built once per evaluation from the marked evidence of the treaties evaluated; :meth:`marking_ids` returns
    one marking id (or ``None``: public) per finding, reusing an existing marking row with the same
    classification, releasability and caveat, and creating the missing ones in one audited batch.
    """

    def __init__(self, store: Store, marked: Mapping[str, int]) -> None:
        self.store = store
        self.marked = dict(marked)
        self._markings: dict[int, RecordMarking | None] = {}
        if self.marked:
            wanted = sorted(set(self.marked.values()))
            with store.engine.connect() as connection:
                rows = connection.execute(
                    select(Marking.id, Marking.classification, Marking.releasable_to, Marking.caveat).where(
                        Marking.id.in_(wanted)
                    )
                )
                for marking_id, classification, releasable_to, caveat in rows:
                    self._markings[int(marking_id)] = _parse(classification, releasable_to, caveat)

    @classmethod
    def of(cls, store: Store, agreement_ids: Iterable[int]) -> FindingMarker:
        return cls(store, marked_evidence(store, agreement_ids))

    def marking_of(self, refs: Iterable[str]) -> RecordMarking | None:
        """The combined marking of these evidence records (``None``: all public)."""
        return most_restrictive(self._marking(ref) for ref in refs)

    def _marking(self, ref: str) -> RecordMarking | None:
        marking_id = self.marked.get(ref)
        if marking_id is None:
            return None
        found = self._markings.get(marking_id)
        if found is None:
            # a marking detente cannot read: releasable to nobody rather than to everybody
            return RecordMarking(Classification.TOP_SECRET, ())
        return found

    def marking_ids(self, refs_per_finding: Sequence[Iterable[str]], *, actor: str) -> list[int | None]:
        """One marking id per finding (``None`` for a finding on public evidence alone)."""
        if not self.marked:
            return [None] * len(refs_per_finding)
        combined = [self.marking_of(refs) for refs in refs_per_finding]
        needed = {m for m in combined if m is not None}
        if not needed:
            return [None] * len(combined)
        ids = self._row_ids(needed, actor)
        return [ids[m] if m is not None else None for m in combined]

    def _row_ids(self, needed: set[RecordMarking], actor: str) -> dict[RecordMarking, int]:
        """The id of a marking row for each marking, creating the missing rows (one audit entry each)."""
        found: dict[RecordMarking, int] = {}
        with self.store.engine.connect() as connection:
            for marking_id, classification, releasable_to, caveat in connection.execute(
                select(Marking.id, Marking.classification, Marking.releasable_to, Marking.caveat).order_by(Marking.id)
            ):
                marking = _parse(classification, releasable_to, caveat)
                if marking in needed and marking not in found:
                    found[marking] = int(marking_id)
        missing = sorted(needed - set(found), key=lambda m: (m.classification, m.releasable_to, m.caveat or ""))
        if missing:
            with batch(self.store, actor, "marking") as work:
                for marking in missing:
                    found[marking] = _create(work, marking)
        return found


def _parse(classification: str, releasable_to: Any, caveat: str | None) -> RecordMarking | None:
    try:
        return RecordMarking.of(classification, releasable_to or [], caveat)
    except MarkingError:
        return None


def _create(work: Batch, marking: RecordMarking) -> int:
    created = work.create(
        Marking,
        {
            "classification": marking.classification.name,
            "releasable_to": list(marking.releasable_to),
            "caveat": marking.caveat,
        },
    )
    return int(created["id"])


def audit_evidence_read(
    store: Store, viewer: Viewer, refs: Iterable[str], marked: Mapping[str, int], what: str
) -> None:
    """One audit entry naming the marked evidence records a signed-in reader's compliance view rests on
    (the due list, a report, a dossier), as reads of marked records are audited everywhere else.

    Nothing is written for a view resting on public evidence alone, or without a signed-in reader."""
    if not isinstance(viewer, Scope):
        return
    shown = sorted({ref for ref in refs if ref in marked})
    if shown:
        audit_only(store, viewer.principal.actor, "read", "evidence", what, {"view": what, "evidence": shown})


def hidden_refs(connection: Connection, refs: Iterable[str], scope: Scope) -> set[str]:
    """The evidence references among ``refs`` (``approval:12`` ...) whose records ``scope`` may not see."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for ref in refs:
        kind, _, ident = ref.partition(":")
        if kind in EVIDENCE_MODELS and ident.isdigit():
            wanted[kind].add(int(ident))
    hidden: set[str] = set()
    for kind, ids in wanted.items():
        model = EVIDENCE_MODELS[kind]
        rows = connection.execute(select(model.id).where(model.id.in_(sorted(ids)), ~visible(model, scope)))
        hidden.update(f"{kind}:{i}" for i in rows.scalars())
    return hidden


def redact(text: str, refs: Sequence[str], hidden: set[str]) -> tuple[str, list[str]]:
    """A verdict's message and evidence list with the hidden references taken out.

    A decision such as a gate's must rest on every record (a secret vetting denial still blocks a delivery),
    but the person told about it learns only that a record they may not see decided it, not which one.
    """
    for ref in sorted(hidden, key=len, reverse=True):
        text = re.sub(rf"(?<![\w:]){re.escape(ref)}(?!\d)", HIDDEN_RECORD, text)
    return text, [ref for ref in refs if ref not in hidden]
