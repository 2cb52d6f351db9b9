"""Writing practitioners' records: create and update with markings, lifecycles, gates and four-eyes release.

Every method takes the acting :class:`~detente.services.access.Principal` and does all of its work in one
:func:`~detente.services.records.batch` (one transaction, one audit entry per row written). The rules, in order:

* the principal's role must allow writing the resource, and the record (or, for a child, its parent) must be
  one they may see: otherwise it does not exist for them (:class:`NotFoundError`);
* fields detente sets itself (status, version, marking, author, proposer, approver ...) are refused;
* records loaded from a public source are read-only; a closed case and everything under it cannot change
  (the compliance engine's AECA-CLOSED-CASE gate, fed by the closure approval closing a case records);
* a marked record gets the marking asked for, or UNCLASSIFIED releasable to the author's state by default.
  A marking that shares the record beyond the author's state takes effect only when a second editor approves
  the release request (:meth:`Writer.approve_release`); until then the record is releasable to the author's
  state alone;
* updates name the version they were made against (409 if someone else changed it since): marked records and
  the child records under them (a case's lines, an engagement's objectives ...) alike, so two editors of one
  case line cannot silently overwrite each other;
* status changes follow :mod:`detente.domain.lifecycles`, an engagement is approved by someone other than its
  proposer, and case steps pass the compliance engine's gates (:mod:`detente.services.gates`);
* notifications and approvals of the kinds those gates read are linked to the gate pack's agreement when the
  writer names none, so the engine sees them; once evidence is created, changed (its marking included, and
  a released marking taking effect) or deleted, the stored findings of its treaty (if any are stored) are
  brought up to date, re-evaluating only what the record -- as it is now and as it was before -- can change
  (by the batch itself once it commits, :class:`~detente.services.evidence_changes.EvidenceChanges`;
  :attr:`Writer.refreshed` tells what the last write did).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, func, select

from detente.compliance.refresh import Refresh
from detente.compliance.visibility import hidden_refs, redact
from detente.domain.lifecycles import CASE, ENGAGEMENT, Lifecycle, LifecycleError
from detente.domain.markings import Classification, MarkingError, Role, needs_release, normalise_tokens
from detente.services import pledge_visits
from detente.services.access import Principal, Scope, require_role
from detente.services.catalog import NOTE_ON_NOTE, RESOURCES, Resource, resource, service_fields
from detente.services.entities import RecordError, entity_name, row_snapshot
from detente.services.errors import ConflictError, ForbiddenError, GateError, NotFoundError
from detente.services.gates import ComplianceGates, GateDecision
from detente.services.reading import Reader, access_clause
from detente.services.records import Batch, batch, table_of
from detente.store.database import Store
from detente.store.models import (
    Approval,
    AssistanceCase,
    AssistanceLine,
    Citation,
    Engagement,
    EngagementObjective,
    EngagementParticipant,
    JournalNote,
    Marking,
    Pledge,
    PledgeVerification,
    ReleaseRequest,
    SourceVersion,
)

__all__ = ["CHOICES", "MarkingRequest", "Writer"]


@dataclass(frozen=True)
class MarkingRequest:
    """The marking a writer asks for: classification and the partners to release to."""

    classification: str = "UNCLASSIFIED"
    releasable_to: tuple[str, ...] = ()
    caveat: str | None = None


_CITABLE: dict[str, Resource] = {
    entity_name(r.model): r for r in RESOURCES.values() if r.writable and r.name != "citations"
}
"""Records a citation may cite, by entity name: users' own records, top-level and child alike (a case line, an
engagement's participant); the public records loaded from sources carry their source version themselves."""

CHOICES: dict[tuple[str, str], tuple[Any, ...]] = {
    ("engagements", "kind"): ("exercise", "training", "exchange", "visit", "staff_talks", "conference"),
    ("engagement-participants", "role"): ("host", "participant", "observer"),
    ("cases", "programme"): ("fms", "dcs", "grant", "training", "other"),
    ("approvals", "result"): ("cleared", "denied", "pending", "closed", "included"),
    ("end-use-checks", "kind"): ("routine", "enhanced"),
    ("end-use-checks", "result"): ("compliant", "discrepancy", "unresolved"),
    ("reports", "reliability"): tuple("ABCDEF"),
    ("reports", "credibility"): (1, 2, 3, 4, 5, 6),
    ("journal", "kind"): ("info", "success", "warning", "danger"),
    ("negotiations", "status"): ("ongoing", "suspended", "concluded", "failed"),
    ("negotiation-parties", "role"): ("party", "mediator", "observer", "guarantor"),
    ("implementation-scores", "score"): (0, 1, 2, 3),
    ("pledges", "readiness_level"): ("L1", "L2", "L3", "RDL"),
    ("requirements", "readiness_required"): ("L1", "L2", "L3", "RDL"),
    ("pledge-verifications", "kind"): pledge_visits.KINDS,
    ("pledge-verifications", "outcome"): pledge_visits.OUTCOMES,
    ("pledge-verifications", "readiness_level_found"): ("L1", "L2", "L3", "RDL"),
    ("agreements", "kind"): ("alliance", "treaty", "dca", "peace_agreement", "arms_control", "mou", "loa"),
    ("citations", "object_type"): tuple(sorted(_CITABLE)),
}
"""The allowed values of coded fields, checked on every write (the API's schemas show the same lists)."""

_LINKABLE: dict[str, Resource] = {entity_name(r.model): r for r in RESOURCES.values() if r.parent is None}
"""Records a journal note or a report link may point to, by entity name (``engagement``, ``state`` ...)."""


def _naming(work: Batch, table: Table, object_type: str, object_id: int) -> int:
    """How many rows of ``table`` (citations, journal notes, report links) name ``object_type`` ``object_id``?"""
    query = select(func.count()).where(table.c.object_type == object_type, table.c.object_id == object_id)
    return work.connection.scalar(query) or 0


def _under_case(res: Resource) -> bool:
    """Is ``res`` a case or a record under one (whose writes the closed-case gate judges)?"""
    while True:
        if res.model is AssistanceCase:
            return True
        if res.parent is None:
            return False
        res = resource(res.parent.resource)


_TRAINING = (Engagement, EngagementParticipant)
"""Records whose writes the vetting gate of training engagements may judge (the gate pack is needed)."""

TRAINING_GATED = ("approved", "planned", "executed")
"""Statuses of a training engagement that need every trained unit's vetting cleared (see ``_training_vetted``)."""


def _now() -> datetime:
    return datetime.now(UTC)


class Writer:
    """Audited, marking-aware writes of every writable resource."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.reader = Reader(store)
        self.gates = ComplianceGates(store)
        self.refreshed: list[Refresh] = []
        """What bringing stored findings up to date did after this writer's last write of evidence."""

    # -- checks ---------------------------------------------------------------------------------------------

    @staticmethod
    def _writable(principal: Principal, res: Resource) -> None:
        if res.write_role is None:
            raise ForbiddenError(f"{res.name} are read-only here: they come from public sources")
        require_role(principal, res.write_role, f"writing {res.name}")

    def _prepare_gates(self, res: Resource, values: Mapping[str, Any]) -> None:
        """Store the gate pack (and link stray gate evidence) before a transaction that may need the gates."""
        if self.gates.is_evidence(res.model, values) or _under_case(res) or res.model in _TRAINING:
            self.gates.agreement_id()

    @staticmethod
    def _check_fields(res: Resource, values: Mapping[str, Any], *, updating: bool) -> None:
        refused = set(values) & service_fields(res)
        if updating and res.parent is not None and res.parent.column in values:
            refused.add(res.parent.column)
        if refused:
            field = sorted(refused)[0]
            raise RecordError(res.name, field, "is set by detente, not by the caller; leave it out")
        fixed = sorted(set(values) & res.fixed) if updating else []
        if fixed:
            raise RecordError(
                res.name, fixed[0], "cannot change once the record is created: delete it and create another"
            )
        for (name, field), allowed in CHOICES.items():
            if name == res.name and values.get(field) is not None and values[field] not in allowed:
                raise RecordError(res.name, field, f"must be one of {', '.join(map(str, allowed))}")

    def _visible(self, work: Batch, principal: Principal, res: Resource, record_id: int) -> dict[str, Any]:
        """The record, locked for the write, if the principal may see it; :class:`NotFoundError` if not.

        One statement reads, checks and locks it (``FOR UPDATE OF`` its own table on PostgreSQL, where a row
        changed meanwhile is checked again as it is now). The marking shown with it is noted in the batch
        (:func:`_note_marking`), so the answer needs no further read of it.
        """
        scope = Scope.of(work.connection, principal)
        table = table_of(res.model)
        row = work.connection.execute(
            select(table).where(table.c.id == record_id, access_clause(res, scope)).with_for_update(of=table)
        ).first()
        if row is None:
            raise NotFoundError(f"there is no {res.name} record with id {record_id} that you may see")
        record = row_snapshot(row._mapping)
        marking_id = record.get("marking_id") if res.marked else None
        if marking_id is not None and marking_id in scope.markings:
            _note_marking(work, marking_id, scope.markings[marking_id])
        return record

    def _guard(self, work: Batch, principal: Principal, res: Resource, record: Mapping[str, Any]) -> None:
        """Refuse changes under a closed case or to records loaded from a source, all the way up."""
        if res.sourced and record.get("source_version_id") is not None:
            raise ForbiddenError(
                f"{res.name} {record['id']} was loaded from a public source and is read-only; "
                "record your own version instead"
            )
        if res.model is AssistanceCase:
            self._passes(
                work,
                principal,
                self.gates.case_open(work.connection, record, _now()),
                f"case {record['reference']} cannot change: ",
            )
        if res.parent is not None:
            parent = resource(res.parent.resource)
            parent_record = work.read(parent.model, record[res.parent.column])
            self._guard(work, principal, parent, parent_record)

    def _parent(self, work: Batch, principal: Principal, res: Resource, values: Mapping[str, Any]) -> None:
        if res.parent is None:
            return
        parent = resource(res.parent.resource)
        parent_id = values.get(res.parent.column)
        if parent_id is None:
            raise RecordError(res.name, res.parent.column, "is required")
        try:
            record = self._visible(work, principal, parent, parent_id)
        except NotFoundError:
            raise RecordError(
                res.name, res.parent.column, f"there is no {parent.name} record with id {parent_id}"
            ) from None
        self._guard(work, principal, parent, record)

    def _linked(self, work: Batch, principal: Principal, res: Resource, values: Mapping[str, Any]) -> None:
        """A journal note or report link must point at a record the writer may see."""
        kind, ident = values.get("object_type"), values.get("object_id")
        if kind is None or ident is None:
            return
        target = _LINKABLE.get(str(kind))
        if target is None:
            raise RecordError(res.name, "object_type", f"must be one of {', '.join(sorted(_LINKABLE))}")
        try:
            noted = self._visible(work, principal, target, int(ident))
        except NotFoundError:
            raise RecordError(res.name, "object_id", f"there is no {kind} with id {ident}") from None
        if res.model is JournalNote and kind == NOTE_ON_NOTE and noted["object_type"] == NOTE_ON_NOTE:
            raise RecordError(
                res.name,
                "object_id",
                f"journal note {ident} is itself a note on a note: notes go two deep at most; "
                f"note journal note {noted['object_id']} instead",
            )

    def _cited(self, work: Batch, principal: Principal, values: Mapping[str, Any]) -> None:
        """A citation's record must be a user record the writer may see and change.

        The writer needs the role that changes the cited record (an analyst cites reports and journal notes,
        an editor engagements and cases too), and the record must be visible to them: one hidden from them
        is a 404 naming ``object_id``, exactly as one that does not exist. A record loaded from a public
        source, or one under a closed case, is refused as a change to it would be.
        """
        kind, ident = values.get("object_type"), values.get("object_id")
        if kind is None or ident is None:
            field = "object_type" if kind is None else "object_id"
            raise RecordError("citations", field, "is required: the record that cites the source version")
        target = _CITABLE.get(str(kind))
        if target is None:
            raise RecordError("citations", "object_type", f"must be one of {', '.join(sorted(_CITABLE))}")
        assert target.write_role is not None
        require_role(principal, target.write_role, f"citing {target.name}")
        try:
            record = self._visible(work, principal, target, int(ident))
        except NotFoundError:
            raise NotFoundError(
                f"citations.object_id: there is no {kind} with id {ident} that you may see", field="object_id"
            ) from None
        self._guard(work, principal, target, record)

    @staticmethod
    def _source_version(work: Batch, values: Mapping[str, Any]) -> None:
        """The source version a citation names must exist (``GET /sources`` lists them, ``detente sources
        versions`` too)."""
        ident = values.get("source_version_id")
        if ident is None:
            raise RecordError("citations", "source_version_id", "is required: the source version cited")
        found = work.connection.scalar(select(SourceVersion.id).where(SourceVersion.id == ident))
        if found is None:
            raise RecordError(
                "citations",
                "source_version_id",
                f"there is no source version with id {ident}; `detente sources versions` lists those loaded",
            )

    def _named(self, work: Batch, principal: Principal, res: Resource, values: Mapping[str, Any]) -> None:
        """The records ``values`` names that ``res`` is seen with (a pledge's mission ...) must be ones the writer
        may see: a hidden one is answered as one that does not exist."""
        for ref in res.seen_with:
            ident = values.get(ref.column)
            if ident is None:
                continue
            try:
                self._visible(work, principal, resource(ref.resource), int(ident))
            except NotFoundError:
                raise RecordError(
                    res.name, ref.column, f"there is no {ref.resource} record with id {ident} that you may see"
                ) from None

    # -- markings -------------------------------------------------------------------------------------------

    def _marking_id(
        self, work: Batch, classification: Classification, tokens: Iterable[str], caveat: str | None
    ) -> int:
        wanted = sorted(tokens)
        rows = work.connection.execute(
            select(Marking.id, Marking.releasable_to, Marking.caveat).where(
                Marking.classification == classification.name
            )
        )
        for marking_id, releasable_to, found_caveat in rows:
            if sorted(releasable_to or []) == wanted and found_caveat == caveat:
                _note_marking(work, int(marking_id), _marking_shown(classification, releasable_to, found_caveat))
                return int(marking_id)
        created = work.create(
            Marking, {"classification": classification.name, "releasable_to": wanted, "caveat": caveat}
        )
        _note_marking(work, int(created["id"]), _marking_shown(classification, created["releasable_to"], caveat))
        return int(created["id"])

    def _resolve_marking(
        self, work: Batch, principal: Principal, request: MarkingRequest | None
    ) -> tuple[int, int | None]:
        """(marking to apply now, marking awaiting a second editor's approval or ``None``)."""
        home = principal.nationality
        if home is None:
            raise RecordError(
                "marking", None, "your account has no nationality, so detente cannot mark your records; ask an admin"
            )
        request = request or MarkingRequest()
        try:
            level = Classification.parse(request.classification)
            tokens = set(normalise_tokens(request.releasable_to, field="marking.releasable_to")) | {home}
        except MarkingError as error:
            raise RecordError("marking", None, str(error)) from None
        if level > principal.clearance:
            raise RecordError(
                "marking", "classification", f"{level.label} is above your clearance ({principal.clearance.label})"
            )
        wanted = self._marking_id(work, level, tokens, request.caveat)
        if not needs_release(home, tokens):
            return wanted, None
        return self._marking_id(work, level, {home}, request.caveat), wanted

    def _request_release(self, work: Batch, principal: Principal, res: Resource, record_id: int, marking: int) -> None:
        work.create(
            ReleaseRequest,
            {
                "object_type": entity_name(res.model),
                "object_id": record_id,
                "marking_id": marking,
                "requested_by_id": principal.user_id,
                "requested_at": _now(),
                "status": "pending",
            },
        )

    # -- create and update -----------------------------------------------------------------------------------

    def create(
        self,
        principal: Principal,
        name: str,
        values: Mapping[str, Any],
        *,
        marking: MarkingRequest | None = None,
        children: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    ) -> dict[str, Any]:
        """Create one record of ``name``; returns it (with ``release_pending`` for a marked record).

        ``children`` creates records of its child resources under it in the same transaction, so that a record
        and its parts land together or not at all (an engagement and its objectives, a case and its lines, a
        report and its links)::

            writer.create(me, "cases", case, children={"case-lines": [line_1, line_2]})

        Each child's values leave out the parent's key (it is the new record's id); each child is checked as
        if it were created on its own. The answer lists them under the child's name with ``_`` for ``-``
        (``case_lines``), as a read of the record embeds them.
        """
        res = resource(name)
        kids = self._children(res, children or {})
        self._writable(principal, res)
        self._check_fields(res, values, updating=False)
        self._prepare_gates(res, values)
        for child, rows in kids:
            self._writable(principal, child)
            for row in rows:
                self._check_fields(child, row, updating=False)
                self._prepare_gates(child, row)
        data = self.gates.link(res.model, values)
        with batch(self.store, principal.actor) as work:
            created = self._create_in(work, principal, res, data, marking)
            for child, rows in kids:
                assert child.parent is not None
                made = []
                for row in rows:
                    child_data = self.gates.link(child.model, {**row, child.parent.column: created["id"]})
                    made.append(self._create_in(work, principal, child, child_data, None))
                created[child.name.replace("-", "_")] = made
        # the batch refreshed the findings resting on any evidence it created (the record or its children)
        self.refreshed = work.refreshed
        return created

    def add_children(
        self,
        principal: Principal,
        name: str,
        record_id: int,
        children: Mapping[str, Sequence[Mapping[str, Any]]],
    ) -> dict[str, list[dict[str, Any]]]:
        """Create records of child resources under the existing record ``record_id`` of ``name``, all in one
        transaction (each checked as :meth:`create` checks a child); returns them by child name (``_`` for ``-``).

        ::

            writer.add_children(me, "reports", 12, {"report-links": [{"object_type": "state", "object_id": 3}]})
        """
        res = resource(name)
        kids = self._children(res, children)
        for child, rows in kids:
            self._writable(principal, child)
            for row in rows:
                self._check_fields(child, row, updating=False)
                self._prepare_gates(child, row)
        with batch(self.store, principal.actor) as work:
            out: dict[str, list[dict[str, Any]]] = {}
            for child, rows in kids:
                assert child.parent is not None
                out[child.name.replace("-", "_")] = [
                    self._create_in(
                        work,
                        principal,
                        child,
                        self.gates.link(child.model, {**row, child.parent.column: record_id}),
                        None,
                    )
                    for row in rows
                ]
            return out

    @staticmethod
    def _children(
        res: Resource, children: Mapping[str, Sequence[Mapping[str, Any]]]
    ) -> list[tuple[Resource, Sequence[Mapping[str, Any]]]]:
        """The child resources asked for, each checked to be a direct child of ``res``."""
        out = []
        for child_name, rows in children.items():
            try:
                child = resource(child_name)
            except LookupError as error:
                raise RecordError(res.name, child_name, str(error)) from None
            if child.parent is None or child.parent.resource != res.name:
                raise RecordError(res.name, child_name, f"{child_name} are not parts of {res.name}")
            for row in rows:
                if child.parent.column in row:
                    raise RecordError(child.name, child.parent.column, "is the new record's id: leave it out")
            out.append((child, rows))
        return out

    def _create_in(
        self,
        work: Batch,
        principal: Principal,
        res: Resource,
        values: Mapping[str, Any],
        marking: MarkingRequest | None,
    ) -> dict[str, Any]:
        """Create one record of ``res`` in the open batch ``work`` (the checks of :meth:`create` made)."""
        data = dict(values)
        self._parent(work, principal, res, data)
        if res.name in ("journal", "report-links"):
            self._linked(work, principal, res, data)
        if res.model is Citation:
            self._cited(work, principal, data)
            self._source_version(work, data)
        self._named(work, principal, res, data)
        defaults = self._defaults(principal, res)
        data.update(defaults)
        # set here from rows read in this transaction (the acting user, the parent checked, the marking looked
        # up): the batch need not read them again to check they exist
        trusted = {key for key, value in defaults.items() if key.endswith("_id") and value is not None}
        if res.parent is not None:
            trusted.add(res.parent.column)
        if res.model is Citation:
            trusted.add("source_version_id")
        pending = None
        if res.marked:
            data["marking_id"], pending = self._resolve_marking(work, principal, marking)
            trusted.add("marking_id")
        elif marking is not None:
            raise RecordError(res.name, "marking", f"{res.name} take the marking of their parent record")
        created = work.create(res.model, data, trusted=trusted)
        if res.model is EngagementParticipant:
            self._training_vetted(work, principal, int(created["engagement_id"]))
        if res.model is PledgeVerification:
            pledge_visits.check_visit(work, created)
            pledge_visits.sync_last_verified(work, created["pledge_id"])
        if pending is not None:
            self._request_release(work, principal, res, created["id"], pending)
        return self._shown(work, res, created, pending)

    @staticmethod
    def _shown(work: Batch, res: Resource, record: dict[str, Any], pending: int | None) -> dict[str, Any]:
        """The record as a reader sees it: its marking in words, and whether a release is pending."""
        if res.marked:
            known = work.shown_markings.get(record["marking_id"])
            record["marking"] = (
                {**known, "releasable_to": list(known["releasable_to"])}
                if known is not None
                else Writer._marking_text(work.connection, record["marking_id"])
            )
            record["release_pending"] = pending is not None
        return record

    @staticmethod
    def _defaults(principal: Principal, res: Resource) -> dict[str, Any]:
        if res.model is Engagement:
            return {"status": ENGAGEMENT.first, "proposed_by_id": principal.user_id, "approved_by_id": None}
        if res.model is AssistanceCase:
            return {"status": CASE.first}
        if res.name == "reports":
            return {"author_id": principal.user_id}
        if res.name == "journal":
            return {"author_id": principal.user_id, "written_at": _now()}
        return {}

    def update(
        self,
        principal: Principal,
        name: str,
        record_id: int,
        changes: Mapping[str, Any],
        *,
        version: int | None = None,
        marking: MarkingRequest | None = None,
    ) -> dict[str, Any]:
        """Change fields (and optionally the marking) of one record the principal may see."""
        res = resource(name)
        self._writable(principal, res)
        self._check_fields(res, changes, updating=True)
        if res.versioned and version is None:
            raise RecordError(
                res.name, "version", "is required: give the version you read, so that no one's change is lost"
            )
        data = dict(changes)
        self._prepare_gates(res, changes)
        with batch(self.store, principal.actor) as work:
            current = self._visible(work, principal, res, record_id)
            self._guard(work, principal, res, current)
            if res.name in ("journal", "report-links"):
                self._linked(work, principal, res, {**current, **data})
            self._named(work, principal, res, data)
            if res.model is Pledge:
                pledge_visits.check_direct_change(work, record_id, data)
            if res.model is Citation:
                self._cited(work, principal, current)
            pending = None
            if marking is not None:
                if not res.marked:
                    raise RecordError(res.name, "marking", f"{res.name} take the marking of their parent record")
                now, pending = self._resolve_marking(work, principal, marking)
                if pending is not None and self._narrows(work, current["marking_id"], pending):
                    now, pending = pending, None
                data["marking_id"] = now
            if not data:
                raise RecordError(res.name, None, "nothing to change: give at least one field")
            after = work.update(res.model, record_id, data, expected_version=version, locked=current)
            if res.model is EngagementParticipant:
                self._training_vetted(work, principal, int(after["engagement_id"]))
            elif res.model is Engagement:
                self._training_vetted(work, principal, record_id)
            if res.model is PledgeVerification:
                pledge_visits.check_visit(work, after)
                pledge_visits.sync_last_verified(work, after["pledge_id"])
            if pending is not None:
                self._request_release(work, principal, res, record_id, pending)
            shown = self._shown(work, res, after, pending)
        # the batch refreshed the findings resting on the record as it was, and those it bears on now
        self.refreshed = work.refreshed
        return shown

    # -- delete ----------------------------------------------------------------------------------------------

    def delete(self, principal: Principal, name: str, record_id: int, *, version: int | None = None) -> dict[str, Any]:
        """Delete one record the principal may see, with the rules of an update; returns it as it was.

        Like an update, the delete names the ``version`` it was made against, for every versioned record --
        marked records and the child records under them alike (422 naming ``version`` when it is missing, 409
        when someone changed the record since): no one deletes a case line someone else has just corrected.

        Refused with :class:`ConflictError` (409) while other records hang from it (delete those first), for a
        case past its request, an engagement past its proposal and a case closure (the evidence of a closed
        case). A pending release request for the record is withdrawn in the same transaction.
        """
        res = resource(name)
        self._writable(principal, res)
        if res.versioned and version is None:
            raise RecordError(
                res.name, "version", "is required: give the version you read, so that no one's change is lost"
            )
        self._prepare_gates(res, {})
        with batch(self.store, principal.actor, res.name) as work:
            current = self._visible(work, principal, res, record_id)
            if res.versioned and current["version"] != version:
                raise ConflictError(
                    f"{res.name} {record_id} was changed by someone else since you read version {version} "
                    f"(it is at version {current['version']}): read it again before deleting it",
                    field="version",
                )
            self._guard(work, principal, res, current)
            if res.model is Citation:
                self._cited(work, principal, current)
            self._deletable(work, res, current)
            requests = table_of(ReleaseRequest)
            pending = work.connection.execute(
                select(requests.c.id).where(
                    requests.c.object_type == entity_name(res.model),
                    requests.c.object_id == record_id,
                    requests.c.status == "pending",
                )
            ).scalars()
            for request_id in list(pending):
                work.update(
                    ReleaseRequest,
                    request_id,
                    {"status": "withdrawn", "decided_at": _now(), "note": "the record was deleted"},
                    action="update",
                )
            gone = work.delete(res.model, record_id, expected_version=version)
            if res.model is PledgeVerification:
                pledge_visits.sync_last_verified(work, gone["pledge_id"])
        # the batch evaluated again, without the record, the findings that rested on it
        self.refreshed = work.refreshed
        return gone

    @staticmethod
    def _deletable(work: Batch, res: Resource, record: Mapping[str, Any]) -> None:
        label = f"{res.name[:-1] if res.name.endswith('s') else res.name} {record['id']}"
        if res.model is AssistanceCase and record["status"] != CASE.first:
            raise ConflictError(
                f"case {record['reference']} is past its request ({record['status']}): it stays on record"
            )
        if res.model is Engagement and record["status"] != ENGAGEMENT.first:
            raise ConflictError(f"{label} is {record['status']}: only a proposed engagement can be deleted")
        if res.model is Approval and record["kind"] == "case_closure":
            raise ConflictError(f"approval {record['id']} records a case closure: it stays on record")
        for child in RESOURCES.values():
            if child.parent is None or child.parent.resource != res.name:
                continue
            column = table_of(child.model).c[child.parent.column]
            count = work.connection.scalar(select(func.count()).where(column == record["id"])) or 0
            if count:
                raise ConflictError(f"{label} still has {count} {child.name}: delete them first")
        kind = entity_name(res.model)
        if kind in _CITABLE:
            count = _naming(work, table_of(Citation), kind, record["id"])
            if count:
                raise ConflictError(f"{label} is cited by {count} citations: delete those first")
        if kind in _LINKABLE:
            for linker in ("journal", "report-links"):
                count = _naming(work, table_of(resource(linker).model), kind, record["id"])
                if count:
                    raise ConflictError(f"{label} is referred to by {count} {linker} records: delete those first")

    @staticmethod
    def _narrows(work: Batch, current_id: int | None, wanted_id: int) -> bool:
        """Is the wanted marking no wider than the current one (same or higher level, fewer partners)?"""
        if current_id is None:
            return False
        rows = {
            row.id: row
            for row in work.connection.execute(
                select(Marking.id, Marking.classification, Marking.releasable_to).where(
                    Marking.id.in_((current_id, wanted_id))
                )
            )
        }
        current, wanted = rows[current_id], rows[wanted_id]
        return Classification.parse(wanted.classification) >= Classification.parse(current.classification) and set(
            wanted.releasable_to
        ) <= set(current.releasable_to)

    # -- lifecycles ---------------------------------------------------------------------------------------

    def transition(
        self, principal: Principal, name: str, record_id: int, to: str, *, version: int | None = None
    ) -> dict[str, Any]:
        """Move an engagement or a case to its next status, with the rules and gates of that step."""
        res = resource(name)
        lifecycle: Lifecycle = {"engagements": ENGAGEMENT, "cases": CASE}.get(res.name)  # type: ignore[assignment]
        if lifecycle is None:
            raise RecordError(res.name, "status", f"{res.name} have no lifecycle")
        require_role(principal, Role.EDITOR, f"moving {res.name} through their lifecycle")
        self._prepare_gates(res, {})
        with batch(self.store, principal.actor) as work:
            current = self._visible(work, principal, res, record_id)
            self._guard(work, principal, res, current)
            try:
                lifecycle.check(current["status"], to)
            except LifecycleError as error:
                raise ConflictError(str(error), field="to") from None
            changes: dict[str, Any] = {"status": to}
            if res.model is Engagement:
                changes.update(self._engagement_step(principal, current, to))
            else:
                self._case_step(work, principal, current, to)
            moved = work.update(res.model, record_id, changes, expected_version=version, action="transition")
            if res.model is Engagement:
                self._training_vetted(work, principal, record_id)
        # a case's closure approval is evidence: the batch refreshed the findings resting on it
        self.refreshed = work.refreshed
        return moved

    @staticmethod
    def _engagement_step(principal: Principal, engagement: Mapping[str, Any], to: str) -> dict[str, Any]:
        if to == "approved":
            if engagement["proposed_by_id"] == principal.user_id:
                raise ConflictError("you proposed this engagement: another editor must approve it", field="to")
            return {"approved_by_id": principal.user_id}
        if to == "assessed":
            raise ConflictError(
                "an engagement is assessed by scoring its objectives: use the assessment (POST .../assessment)",
                field="to",
            )
        return {}

    def _case_step(self, work: Batch, principal: Principal, case: Mapping[str, Any], to: str) -> dict[str, Any] | None:
        """Check the gates of a case's step; closing it records the closure approval (returned)."""
        now = _now()
        if to == "offer":
            self._passes(work, principal, self.gates.before_offer(work.connection, case, now))
        if to == "implementing":
            for unit_name in self._units(work, case["id"]):
                self._passes(work, principal, self.gates.unit_cleared(work.connection, case, unit_name, now))
        if to == CASE.last:
            return work.create(Approval, self.gates.closure(case, now.date()))
        return None

    def _training_vetted(self, work: Batch, principal: Principal, engagement_id: int) -> None:
        """Refuse a training engagement that is (or is being) approved, planned or executed for a unit whose
        vetting has not cleared (the compliance engine's AECA-VETTING gate, as for a case's deliveries).

        Called after the write, on the engagement as it now is: a step to approved, planned or executed, a
        participant naming a unit added to (or changed on) such an engagement, and a change of the engagement
        itself (its kind becoming ``training``). A proposal is not gated: vetting is asked for while planning.
        The trained units are the participant rows that name a ``unit``; the states that train them are the
        host and the states taking part (not as observers) without a unit, other than the unit's own state,
        and each of them must have cleared the unit. A training engagement for a unit with no training state
        recorded cannot be judged and is refused. A vetting denial the principal may not see still blocks.
        """
        engagement = work.read(Engagement, engagement_id)
        if engagement["kind"] != "training" or engagement["status"] not in TRAINING_GATED:
            return
        rows = work.connection.execute(
            select(EngagementParticipant.state_id, EngagementParticipant.role, EngagementParticipant.unit).where(
                EngagementParticipant.engagement_id == engagement_id
            )
        ).all()
        trainers = {row.state_id for row in rows if row.unit is None and row.role != "observer" and row.state_id}
        if engagement["host_state_id"] is not None:
            trainers.add(engagement["host_state_id"])
        now = _now()
        for row in sorted((r for r in rows if r.unit), key=lambda r: str(r.unit)):
            about = f"engagement {engagement_id} trains {row.unit}: "
            providers = sorted(trainers - {row.state_id})
            if not providers:
                raise GateError(
                    about + "no state that gives the training is recorded: set the host or add the training "
                    "state as a participant without a unit, so that its vetting can be checked",
                    gate="AECA-VETTING",
                )
            for provider in providers:
                decision = self.gates.unit_cleared(work.connection, {"provider_state_id": provider}, row.unit, now)
                self._passes(work, principal, decision, about)

    @staticmethod
    def _passes(work: Batch, principal: Principal, decision: GateDecision, about: str = "") -> None:
        """Refuse a step its gate blocks, naming only the evidence the principal may see (the verdict itself
        rests on every record: a secret vetting denial still blocks)."""
        if not decision.allowed:
            scope = Scope.of(work.connection, principal)
            reason, evidence = redact(
                decision.reason, decision.evidence, hidden_refs(work.connection, decision.evidence, scope)
            )
            raise GateError(about + reason, gate=decision.gate, evidence=evidence)

    @staticmethod
    def _units(work: Batch, case_id: int) -> list[str]:
        rows = work.connection.execute(
            select(AssistanceLine.recipient_unit)
            .where(AssistanceLine.case_id == case_id, AssistanceLine.recipient_unit.is_not(None))
            .distinct()
        )
        return sorted(str(unit_name) for (unit_name,) in rows)

    def deliver(self, principal: Principal, values: Mapping[str, Any]) -> dict[str, Any]:
        """Record a delivery against a case line: the case must be implementing and the unit vetted."""
        line_id = values.get("line_id")
        require_role(principal, Role.EDITOR, "recording deliveries")
        self.gates.agreement_id()  # before the transaction: it may store the gate pack
        with batch(self.store, principal.actor) as work:
            try:
                line = self._visible(work, principal, resource("case-lines"), int(line_id or 0))
            except NotFoundError:
                raise RecordError("deliveries", "line_id", f"there is no case line with id {line_id}") from None
            case = work.read(AssistanceCase, line["case_id"])
            if case["status"] != "implementing":
                raise ConflictError(
                    f"case {case['reference']} is {case['status']}: deliveries are recorded while it is implementing"
                )
            if line["recipient_unit"]:
                on = values.get("delivered_on")
                day = date.fromisoformat(on) if isinstance(on, str) else on if isinstance(on, date) else _now().date()
                self._passes(
                    work, principal, self.gates.unit_cleared(work.connection, case, line["recipient_unit"], day)
                )
        return self.create(principal, "deliveries", values)

    def assess(
        self, principal: Principal, engagement_id: int, scores: Mapping[int, tuple[int, str | None]], *, version: int
    ) -> dict[str, Any]:
        """Score every objective of an executed engagement (0-3, with a note) and mark it assessed."""
        require_role(principal, Role.EDITOR, "assessing engagements")
        res = resource("engagements")
        with batch(self.store, principal.actor) as work:
            engagement = self._visible(work, principal, res, engagement_id)
            try:
                ENGAGEMENT.check(engagement["status"], "assessed")
            except LifecycleError as error:
                raise ConflictError(str(error), field="status") from None
            objectives = sorted(
                work.connection.execute(
                    select(EngagementObjective.id).where(EngagementObjective.engagement_id == engagement_id)
                ).scalars()
            )
            if not objectives:
                raise RecordError("assessment", "scores", "the engagement has no objectives to score; add them first")
            if sorted(scores) != objectives:
                raise RecordError(
                    "assessment", "scores", f"score every objective of the engagement, and only those: {objectives}"
                )
            for objective_id, (score, note) in scores.items():
                if score not in (0, 1, 2, 3):
                    raise RecordError("assessment", "score", f"objective {objective_id}: a score is 0, 1, 2 or 3")
                work.update(EngagementObjective, objective_id, {"score": score, "assessment": note})
            return work.update(
                Engagement, engagement_id, {"status": "assessed"}, expected_version=version, action="transition"
            )

    # -- four-eyes release --------------------------------------------------------------------------------

    def releases(self, principal: Principal, *, status: str | None = "pending") -> list[dict[str, Any]]:
        """Release requests about records the principal may see."""
        out = []
        with self.store.engine.connect() as connection:
            scope = Scope.of(connection, principal)
            requests = table_of(ReleaseRequest)
            query = select(requests).order_by(requests.c.id)
            if status:
                query = query.where(requests.c.status == status)
            for request in connection.execute(query):
                res = _LINKABLE.get(request.object_type)
                if res is None:
                    continue
                table = table_of(res.model)
                visible = connection.execute(
                    select(table.c.id).where(table.c.id == request.object_id, access_clause(res, scope))
                ).first()
                if visible is None:
                    continue
                out.append(
                    {
                        "id": request.id,
                        "resource": res.name,
                        "object_type": request.object_type,
                        "object_id": request.object_id,
                        "requested_marking": scope.markings.get(request.marking_id)
                        or self._marking_text(connection, request.marking_id),
                        "requested_by_id": request.requested_by_id,
                        "requested_at": request.requested_at.isoformat(),
                        "status": request.status,
                        "decided_by_id": request.decided_by_id,
                        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
                        "note": request.note,
                    }
                )
        return out

    @staticmethod
    def _marking_text(connection: Any, marking_id: int) -> dict[str, Any]:
        """A marking as shown with a record, read from the database (when the batch has not noted it)."""
        row = connection.execute(
            select(Marking.classification, Marking.releasable_to, Marking.caveat).where(Marking.id == marking_id)
        ).one()
        return {
            "classification": Classification.parse(row.classification).label,
            "releasable_to": list(row.releasable_to or []),
            "caveat": row.caveat,
        }

    def decide_release(
        self, principal: Principal, request_id: int, *, approve: bool, note: str | None = None
    ) -> dict[str, Any]:
        """Approve (the marking takes effect) or refuse a release request; never one's own request."""
        require_role(principal, Role.EDITOR, "deciding releases")
        with batch(self.store, principal.actor) as work:
            requests = table_of(ReleaseRequest)
            request = work.connection.execute(
                select(requests).where(requests.c.id == request_id).with_for_update()
            ).one_or_none()
            res = _LINKABLE.get(request.object_type) if request else None
            if request is None or res is None:
                raise NotFoundError(f"there is no release request {request_id}")
            record = self._visible(work, principal, res, request.object_id)
            if request.status != "pending":
                raise ConflictError(f"release request {request_id} was already {request.status}")
            if request.requested_by_id == principal.user_id:
                raise ConflictError("you asked for this release: another editor must decide it (four-eyes rule)")
            self._guard(work, principal, res, record)
            work.update(
                ReleaseRequest,
                request_id,
                {
                    "status": "approved" if approve else "refused",
                    "decided_by_id": principal.user_id,
                    "decided_at": _now(),
                    "note": note,
                },
            )
            if not approve:
                return record
            released = work.update(res.model, request.object_id, {"marking_id": request.marking_id}, action="release")
        # the batch gave the findings resting on released evidence its new marking
        self.refreshed = work.refreshed
        return released


def _marking_shown(classification: Classification, releasable_to: Any, caveat: str | None) -> dict[str, Any]:
    """A marking as shown with a record: what :meth:`Writer._marking_text` reads, from a row already in hand."""
    return {"classification": classification.label, "releasable_to": list(releasable_to or []), "caveat": caveat}


def _note_marking(work: Batch, marking_id: int, shown: Mapping[str, Any]) -> None:
    work.shown_markings[marking_id] = {**shown, "releasable_to": list(shown["releasable_to"])}
