"""A user's own records in a dossier: engagements, agreements, assistance cases and attaché postings that name
the dossier's state -- only those the reader may see.

Public data (the loaded sources) carries no marking; a user's record carries one (classification and the
partners it is releasable to) or none (released to every signed-in user). A dossier lists a user's records
through the same filter as every other read (:func:`detente.services.access.visible`):

* with a :class:`~detente.services.access.Principal` (the REST API), the records whose marking the principal
  may see, each with its marking shown, and one audit entry naming the marked ones it showed;
* without one (the command line and the Python API, which know no reader), only unmarked records.

A record the reader may not see is simply absent: never listed, never counted. The yearly figures of a dossier
(exercises, DCAs, arms, ...) come from the loaded sources alone (:mod:`detente.analysis.relations`), so no
marked record can reach them either.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Connection, Integer, Select, bindparam, select

from detente.analysis.statements import prepared_for
from detente.services.access import Principal, Scope, visible
from detente.services.records import audit_only
from detente.store.database import Store
from detente.store.models import (
    Agreement,
    AgreementParty,
    AssistanceCase,
    Engagement,
    EngagementParticipant,
    Posting,
)

__all__ = ["MarkingShown", "UserRecord", "reader_scope", "record_filter", "user_records"]


class MarkingShown(BaseModel):
    """A record's marking as the reader may see it."""

    classification: str
    releasable_to: list[str]
    caveat: str | None = None


class UserRecord(BaseModel):
    """A user's own record (no source) that names the state: what it is, when, with whom, and its marking."""

    kind: str
    """``engagement:<kind>`` (exercise, visit ...), ``agreement:<kind>``, ``assistance_case`` or ``posting``."""
    record_id: int
    title: str
    valid_from: date | None
    partner_ids: list[int]
    """The other states the record names."""
    marking: MarkingShown | None
    """``None``: released to every signed-in user."""


def reader_scope(store: Store, principal: Principal | None) -> Scope | None:
    """What ``principal`` may see (``None`` without a principal: unmarked records only)."""
    if principal is None:
        return None
    with store.engine.connect() as connection:
        return Scope.of(connection, principal)


def record_filter(model: Any, scope: Scope | None) -> ColumnElement[bool]:
    """The rows of a marked ``model`` the reader may see: :func:`visible` for a principal, unmarked otherwise."""
    if scope is None:
        clause: ColumnElement[bool] = model.marking_id.is_(None)
        return clause
    return visible(model, scope)


def _named_by(model: Any, party: Any, scope: Scope | None) -> Select[*tuple[Any, ...]]:
    """The reader's own records of ``model`` with ``:state_id`` among its ``party`` rows: one row per state
    named (id, kind, title, start, state, marking id)."""
    link = party.engagement_id if party is EngagementParticipant else party.agreement_id
    naming = select(link).where(party.state_id == bindparam("state_id", type_=Integer))
    return (
        select(model.id, model.kind, model.title, model.valid_from, party.state_id, model.marking_id)
        .join(party, link == model.id)
        .where(model.source_version_id.is_(None), record_filter(model, scope), model.id.in_(naming))
    )


_NAMING = {"engagement": (Engagement, EngagementParticipant), "agreement": (Agreement, AgreementParty)}
"""Kind prefix -> (record model, the model of its participants or parties)."""


def _two_state_statement(kind: str, scope: Scope | None) -> Select[*tuple[Any, ...]]:
    """Assistance cases (provider, recipient) or postings (sending, host state) naming ``:state_id``: id,
    title, start, the two states and the marking id."""
    state_id = bindparam("state_id", type_=Integer)
    if kind == "assistance_case":
        return select(
            AssistanceCase.id,
            AssistanceCase.title,
            AssistanceCase.requested_on,
            AssistanceCase.provider_state_id,
            AssistanceCase.recipient_state_id,
            AssistanceCase.marking_id,
        ).where(
            record_filter(AssistanceCase, scope),
            (AssistanceCase.provider_state_id == state_id) | (AssistanceCase.recipient_state_id == state_id),
        )
    return select(
        Posting.id,
        Posting.title,
        Posting.valid_from,
        Posting.sending_state_id,
        Posting.host_state_id,
        Posting.marking_id,
    ).where(record_filter(Posting, scope), (Posting.sending_state_id == state_id) | (Posting.host_state_id == state_id))


def _rows(connection: Connection, scope: Scope | None, state_id: int) -> list[tuple[str, Any]]:
    """(kind prefix, (id, kind, title, start, state named, marking id)) for every record naming ``state_id``:
    engagements and agreements through their participants or parties, one row per state they name;
    assistance cases and postings, one row for each of their two states."""
    values = {"state_id": state_id}
    rows: list[tuple[str, Any]] = []
    for prefix, (model, party) in _NAMING.items():
        query = prepared_for(scope, ("user_records", prefix), partial(_named_by, model, party, scope))
        rows.extend((prefix, row) for row in connection.execute(query, values))
    for kind in ("assistance_case", "posting"):
        query = prepared_for(scope, ("user_records", kind), partial(_two_state_statement, kind, scope))
        for record_id, title, start, first, second, marking in connection.execute(query, values):
            for state in (first, second):
                rows.append((kind, (record_id, None, title, start, state, marking)))
    return rows


def user_records(
    store: Store,
    state_id: int,
    *,
    partner_id: int | None = None,
    principal: Principal | None = None,
    scope: Scope | None = None,
) -> list[UserRecord]:
    """The user's records naming ``state_id`` (and ``partner_id``, when given) that the reader may see.

    ``scope`` may be passed when the caller already worked it out for ``principal``.
    """
    if scope is None and principal is not None:
        scope = reader_scope(store, principal)
    found: dict[tuple[str, int], tuple[UserRecord, set[int]]] = {}
    with store.engine.connect() as connection:
        rows = _rows(connection, scope, state_id)
    for prefix, (record_id, kind, title, start, named, marking_id) in rows:
        label = f"{prefix}:{kind}" if kind else prefix
        key = (prefix, int(record_id))
        if key not in found:
            shown = scope.markings.get(marking_id) if scope is not None and marking_id is not None else None
            record = UserRecord(
                kind=label,
                record_id=int(record_id),
                title=str(title),
                valid_from=start,
                partner_ids=[],
                marking=MarkingShown(**shown) if shown else None,
            )
            found[key] = (record, set())
        if named is not None:
            found[key][1].add(int(named))
    out: list[UserRecord] = []
    for record, states in found.values():
        if state_id not in states or (partner_id is not None and partner_id not in states):
            continue
        record.partner_ids = sorted(states - {state_id})
        out.append(record)
    out.sort(key=lambda r: (r.valid_from or date.min, r.kind, r.record_id))
    if principal is not None:
        _audit_marked(store, principal, out, state_id)
    return out


def _audit_marked(store: Store, principal: Principal, records: list[UserRecord], state_id: int) -> None:
    """One audit entry naming the marked records a dossier showed (none when all were unmarked)."""
    marked = [f"{r.kind.split(':', 1)[0]}:{r.record_id}" for r in records if r.marking is not None]
    if marked:
        audit_only(store, principal.actor, "read", "dossier", str(state_id), {"records": marked})
