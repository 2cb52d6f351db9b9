"""Ties the domain tables hold beyond the yearly panels: alliance obligations with their conditions, defence
cooperation agreements, arms deals with their systems, disputes and wars, and a user's own records.

The panels say *whether* two states were allied in a year; a dossier must also say *what* each promised and
on which conditions, since when, and under which agreement. These reads go to the store's domain tables as
the source mappers wrote them (ATOP -> agreements, parties, provisions; DCAD -> agreements of kind ``dca``;
the SIPRI register -> arms transfers; COW MIDs and wars -> disputes and conflicts). Each row keeps the name
of the source it came from, so the dossier can cite it.

A user's own agreements (no source version) appear only when the reader may see them: with a
:class:`~detente.services.access.Scope` (the REST API's principal), those its markings allow; without one
(the command line, the Python API), only unmarked ones. The user's other records are in
:mod:`detente.analysis.user_records`.
"""

from __future__ import annotations

import json
from datetime import date
from functools import partial
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Date, Integer, Select, Text, and_, bindparam, case, cast, func, or_, select
from sqlalchemy.orm import aliased

from detente.analysis.statements import prepared, prepared_for
from detente.analysis.user_records import record_filter
from detente.services.access import Scope
from detente.store.database import Store
from detente.store.models import (
    Agreement,
    AgreementParty,
    ArmsTransfer,
    Conflict,
    ConflictParty,
    Dispute,
    DisputeParticipant,
    Provision,
    Source,
    SourceVersion,
)
from detente.store.temporal import in_force

__all__ = [
    "AgreementTie",
    "ArmsSystem",
    "ConflictTie",
    "Obligation",
    "agreement_ties",
    "arms_systems",
    "conflict_ties",
]


class Obligation(BaseModel):
    """One obligation a party took (ATOP: defense, offense, neutral, nonagg, consul) and its conditions."""

    code: str
    conditional: bool | None
    conditions: list[str]
    """The names of the conditions that hold (``adversary``, ``location`` ...); empty when unconditional."""


class AgreementTie(BaseModel):
    """An agreement (alliance or DCA) binding the state and a partner, with what each side promised."""

    agreement_id: int
    kind: str
    title: str
    partner_id: int
    valid_from: date | None
    valid_to: date | None
    source: str | None
    """The source that wrote it (``atop``, ``dcad``), or ``None`` for a user's own record."""
    own_obligations: list[Obligation]
    partner_obligations: list[Obligation]


class ArmsSystem(BaseModel):
    """Deliveries of one weapon system between the two states (SIPRI register)."""

    supplier_id: int
    recipient_id: int
    designation: str | None
    description: str | None
    first_year: int | None
    last_year: int | None
    delivered: int | None
    tiv: float | None


class ConflictTie(BaseModel):
    """A dispute or war the state and the partner took part in, on the same side or on opposite sides."""

    kind: str
    """``mid`` (COW militarised dispute) or ``war`` (COW inter-state war)."""
    number: int | None
    partner_id: int
    same_side: bool
    first_year: int | None
    last_year: int | None
    max_hostility: int | None
    source: str


def _obligations_statement(dated: bool) -> Select[int | None, str, str]:
    """The provisions of the parties ``:party_ids`` (in force at ``:when``, if ``dated``), conditions as text."""
    conditions_text = cast(Provision.conditions, Text)
    query = select(Provision.party_id, Provision.code, conditions_text).where(
        Provision.party_id.in_(bindparam("party_ids", expanding=True))
    )
    return query.where(in_force(Provision, bindparam("when", type_=Date))) if dated else query


def _obligations(store: Store, party_ids: list[int], when: date | None) -> dict[int, list[Obligation]]:
    """Each party's obligations (in force at ``when``), one per code, in the order the store holds them.

    The conditions are read as JSON text and parsed once per distinct text: the ATOP rows of a great power's
    alliances repeat a few dozen texts hundreds of times, and equal texts make equal obligations, so one
    object per code and text serves every party that holds it.
    """
    if not party_ids:
        return {}
    query = prepared(("obligations", when is not None), lambda: _obligations_statement(when is not None))
    made: dict[tuple[str, str | None], Obligation] = {}
    out: dict[int, list[Obligation]] = {}
    with store.engine.connect() as connection:
        for party_id, code, text in connection.execute(query, {"party_ids": party_ids, "when": when}):
            obligation = made.get((code, text))
            if obligation is None:
                held = (json.loads(text) if text else None) or {}
                names = sorted(k for k, v in (held.get("conditions") or {}).items() if v)
                if held.get("other_condition"):
                    names.append("other")
                obligation = made[(code, text)] = Obligation(
                    code=code, conditional=held.get("conditional"), conditions=names
                )
            if party_id is None:  # the query asks for given parties only; this keeps the type checker informed
                continue
            found = out.setdefault(int(party_id), [])
            if all(o.code != code for o in found):
                found.append(obligation)
    return out


def _ties_statement(partnered: bool, dated: bool, scope: Scope | None) -> Select[*tuple[Any, ...]]:
    """The agreements binding ``:state_id`` (to ``:partner_id`` if ``partnered``; in force at ``:when`` if
    ``dated``), one row per agreement, own party row and other party row, oldest first."""
    state_id = bindparam("state_id", type_=Integer)
    own, other = aliased(AgreementParty), aliased(AgreementParty)
    query = (
        select(Agreement.id, Agreement.kind, Agreement.title, other.state_id, own.id, other.id)
        .add_columns(Agreement.valid_from, Agreement.valid_to, Source.name)
        .join(own, own.agreement_id == Agreement.id)
        .join(other, and_(other.agreement_id == Agreement.id, other.state_id != state_id))
        .outerjoin(SourceVersion, SourceVersion.id == Agreement.source_version_id)
        .outerjoin(Source, Source.id == SourceVersion.source_id)
        .where(own.state_id == state_id, other.state_id.is_not(None), Agreement.kind.in_(("alliance", "dca")))
        .where((Agreement.source_version_id.is_not(None)) | record_filter(Agreement, scope))
    )
    if partnered:
        query = query.where(other.state_id == bindparam("partner_id", type_=Integer))
    if dated:
        when = bindparam("when", type_=Date)
        query = query.where(in_force(Agreement, when), in_force(own, when), in_force(other, when))
    return query.order_by(Agreement.valid_from, Agreement.id)


def agreement_ties(
    store: Store,
    state_id: int,
    *,
    partner_id: int | None = None,
    when: date | None = None,
    scope: Scope | None = None,
) -> list[AgreementTie]:
    """Alliances and DCAs binding ``state_id`` to each partner (or to ``partner_id``), in force at ``when``
    (every one ever, when ``when`` is ``None``), with each side's obligations (in force at ``when``); a
    user's own agreement only when ``scope`` may see it (unmarked ones only, without a scope)."""
    shape = ("agreement_ties", partner_id is not None, when is not None)
    query = prepared_for(scope, shape, partial(_ties_statement, partner_id is not None, when is not None, scope))
    values = {"state_id": state_id, "partner_id": partner_id, "when": when}
    with store.engine.connect() as connection:
        rows = connection.execute(query, values).all()
    obligations = _obligations(store, sorted({r[4] for r in rows} | {r[5] for r in rows}), when)
    heads: dict[tuple[int, int], tuple[Any, ...]] = {}
    promised: dict[tuple[int, int], dict[_Promise, Obligation]] = {}
    promised_to: dict[tuple[int, int], dict[_Promise, Obligation]] = {}
    for agreement, kind, title, partner, own_party, other_party, start, end, source in rows:
        key = (int(agreement), int(partner))
        heads.setdefault(key, (agreement, kind, title, partner, start, end, source))
        # each promise once per tie, however many phases or party rows repeat it (two parties' rows may
        # carry the same promise too): the first in row order stands for the equal ones
        for found, party in ((promised, own_party), (promised_to, other_party)):
            bucket = found.setdefault(key, {})
            for obligation in obligations.get(int(party), []):
                bucket.setdefault(_promise(obligation), obligation)
    return [
        AgreementTie(
            agreement_id=agreement,
            kind=kind,
            title=title,
            partner_id=partner,
            valid_from=start,
            valid_to=end,
            source=source,
            own_obligations=list(promised[key].values()),
            partner_obligations=list(promised_to[key].values()),
        )
        for key, (agreement, kind, title, partner, start, end, source) in heads.items()
    ]


_Promise = tuple[str, bool | None, tuple[str, ...]]


def _promise(obligation: Obligation) -> _Promise:
    """What makes two obligations the same promise: code, whether conditional, and the conditions."""
    return (obligation.code, obligation.conditional, tuple(obligation.conditions))


TIV_DECIMALS = 6
"""Decimals a summed TIV keeps. SIPRI gives TIVs in millions with at most three decimals; a sum of binary
floating-point numbers depends on the order the database adds them in (103.67999999999999 one way,
103.67999999999998 another), so totals are rounded far below the source's precision and above that noise: the
same deliveries give the same total on SQLite and PostgreSQL, whatever plan summed them."""


def _tiv(total: Any) -> float | None:
    """A summed TIV as a float rounded to :data:`TIV_DECIMALS`, ``None`` (unknown) kept."""
    return None if total is None else round(float(total), TIV_DECIMALS)


def _arms_statement(partnered: bool, dated: bool) -> Select[*tuple[Any, ...]]:
    """Deliveries to or from ``:state_id`` (and ``:partner_id`` if ``partnered``; delivered from
    ``:first_year`` to ``:last_year`` if ``dated``) summed per supplier, recipient and designation."""
    state_id = bindparam("state_id", type_=Integer)
    supplier, recipient = ArmsTransfer.supplier_state_id, ArmsTransfer.recipient_state_id
    rows = func.count()

    def known_sum(column: Any) -> Any:
        return case((func.count(column) == rows, func.sum(column)), else_=None)

    as_supplier, as_recipient = supplier == state_id, recipient == state_id
    if dated:
        # the years go into each side of the OR, so that SQLite searches the supplier side on the index by
        # supplier and delivery year (migration 0008) rather than reading every delivery of a great supplier
        first, last = bindparam("first_year", type_=Integer), bindparam("last_year", type_=Integer)
        years = ArmsTransfer.delivery_year.between(first, last)
        as_supplier, as_recipient = as_supplier & years, as_recipient & years
    query = (
        select(
            supplier,
            recipient,
            ArmsTransfer.designation,
            func.min(ArmsTransfer.description),
            func.min(ArmsTransfer.delivery_year),
            func.max(ArmsTransfer.delivery_year),
            known_sum(ArmsTransfer.number_delivered),
            known_sum(ArmsTransfer.tiv_delivered),
        )
        .where(as_supplier | as_recipient, supplier.is_not(None), recipient.is_not(None))
        .group_by(supplier, recipient, ArmsTransfer.designation)
    )
    if partnered:
        partner_id = bindparam("partner_id", type_=Integer)
        query = query.where((supplier == partner_id) | (recipient == partner_id))
    return query


def arms_systems(
    store: Store,
    state_id: int,
    *,
    partner_id: int | None = None,
    years: tuple[int, int] | None = None,
    per_partner: int | None = None,
) -> list[ArmsSystem]:
    """Weapon systems delivered between ``state_id`` and its partners (either direction), by system, from the
    SIPRI register (deliveries 1995-2024), largest TIV first; with ``per_partner``, only that many (the
    largest) for each partner.

    Summed in SQL, one row per supplier, recipient and designation: a total is unknown (``None``) when one of
    its deliveries gives no number (``count`` of the column below ``count(*)``), never a sum of the known part.
    The rows are ordered and cut as plain tuples, and only the systems kept become models: a great supplier
    has a thousand systems in a decade, of which a country dossier shows five per partner.
    """
    query = prepared(
        ("arms_systems", partner_id is not None, years is not None),
        lambda: _arms_statement(partner_id is not None, years is not None),
    )
    first_year, last_year = years or (None, None)
    values = {"state_id": state_id, "partner_id": partner_id, "first_year": first_year, "last_year": last_year}
    with store.engine.connect() as connection:
        found = [
            (int(a), int(b), designation, description, first, last, number, _tiv(tiv))
            for a, b, designation, description, first, last, number, tiv in connection.execute(query, values)
        ]
    found.sort(key=lambda r: (-(r[7] or 0.0), r[0], r[1], r[2] or ""))
    if per_partner is not None:
        shown: dict[int, int] = {}
        kept = []
        for row in found:
            other = row[1] if row[0] == state_id else row[0]
            shown[other] = shown.get(other, 0) + 1
            if shown[other] <= per_partner:
                kept.append(row)
        found = kept
    return [
        ArmsSystem(
            supplier_id=a,
            recipient_id=b,
            designation=designation,
            description=description,
            first_year=first,
            last_year=last,
            delivered=None if number is None else int(number),
            tiv=tiv,
        )
        for a, b, designation, description, first, last, number, tiv in found
    ]


def _disputes_statement(partnered: bool, dated: bool) -> Select[*tuple[Any, ...]]:
    """COW disputes of ``:state_id`` with each other participant (``:partner_id`` only, if ``partnered``;
    under way between ``:first`` and ``:last``, if ``dated``)."""
    state_id = bindparam("state_id", type_=Integer)
    own, other = aliased(DisputeParticipant), aliased(DisputeParticipant)
    query = (
        select(Dispute.number, other.state_id, own.side, other.side, Dispute.valid_from, Dispute.valid_to)
        .add_columns(Dispute.max_hostility)
        .join(own, own.dispute_id == Dispute.id)
        .join(other, and_(other.dispute_id == Dispute.id, other.state_id != state_id))
        .where(own.state_id == state_id)
    )
    if partnered:
        query = query.where(other.state_id == bindparam("partner_id", type_=Integer))
    if dated:
        first, last = bindparam("first", type_=Date), bindparam("last", type_=Date)
        query = query.where(Dispute.valid_to >= first, or_(Dispute.valid_from.is_(None), Dispute.valid_from <= last))
    return query


def _wars_statement(partnered: bool, dated: bool) -> Select[*tuple[Any, ...]]:
    """COW inter-state wars of ``:state_id`` with each other state in them (as :func:`_disputes_statement`)."""
    state_id = bindparam("state_id", type_=Integer)
    mine, theirs = aliased(ConflictParty), aliased(ConflictParty)
    wars = (
        select(Conflict.source_key, theirs.state_id, mine.side, theirs.side, Conflict.valid_from, Conflict.valid_to)
        .join(mine, mine.conflict_id == Conflict.id)
        .join(theirs, and_(theirs.conflict_id == Conflict.id, theirs.state_id != state_id))
        .where(mine.state_id == state_id, Conflict.kind == "interstate_war", theirs.state_id.is_not(None))
    )
    if partnered:
        wars = wars.where(theirs.state_id == bindparam("partner_id", type_=Integer))
    if dated:
        first, last = bindparam("first", type_=Date), bindparam("last", type_=Date)
        wars = wars.where(Conflict.valid_to >= first, or_(Conflict.valid_from.is_(None), Conflict.valid_from <= last))
    return wars


def conflict_ties(
    store: Store, state_id: int, *, partner_id: int | None = None, years: tuple[int, int] | None = None
) -> list[ConflictTie]:
    """COW disputes and inter-state wars in which ``state_id`` and a partner both took part (those under way
    in some year of ``years``, when given: ended in or after its first, begun by its last)."""
    ties: list[ConflictTie] = []
    shape = (partner_id is not None, years is not None)
    disputes = prepared(("conflict_ties:mid", *shape), lambda: _disputes_statement(*shape))
    wars = prepared(("conflict_ties:war", *shape), lambda: _wars_statement(*shape))
    first, last = (date(years[0], 1, 1), date(years[1], 12, 31)) if years is not None else (None, None)
    values = {"state_id": state_id, "partner_id": partner_id, "first": first, "last": last}
    with store.engine.connect() as connection:
        for number, partner, side, partner_side, start, end, hostility in connection.execute(disputes, values):
            ties.append(
                ConflictTie(
                    kind="mid",
                    number=number,
                    partner_id=partner,
                    same_side=side == partner_side,
                    first_year=start.year if start else None,
                    last_year=end.year if end else None,
                    max_hostility=hostility,
                    source="peacesciencer",
                )
            )
        for key, partner, side, partner_side, start, end in connection.execute(wars, values):
            ties.append(
                ConflictTie(
                    kind="war",
                    number=int(str(key).rsplit(":", 1)[-1]) if key else None,
                    partner_id=partner,
                    same_side=side == partner_side,
                    first_year=start.year if start else None,
                    last_year=end.year if end else None,
                    max_hostility=5,
                    source="peacesciencer",
                )
            )
    return sorted(ties, key=lambda t: (t.first_year or 0, t.kind, t.number or 0))
