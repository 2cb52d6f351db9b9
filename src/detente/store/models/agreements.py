"""Agreements (alliances, treaties, defence cooperation and peace agreements), their parties and provisions.

An agreement is an interval with participants, never a graph edge: who is bound to whom is derived from
``agreement_parties`` as of a date. A provision is one commitment in an agreement (ATOP's defence,
offence, neutrality, non-aggression and consultation obligations; a treaty article); it may bind every
party or only one (``party_id``), and may carry machine-checkable obligations (see the compliance models).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from detente.store.base import Base, Marked, Sourced, Temporal, Versioned


class Agreement(Temporal, Sourced, Marked, Base):
    """A treaty, alliance, defence cooperation agreement, peace agreement, arms-control treaty or MOU/LOA.

    The interval is the agreement's time in force; ``signed_on`` is the signature date.
    """

    __tablename__ = "agreements"
    __table_args__ = (Index("ix_agreements_source_key", "source_key"),)
    """Looked up by key: a loader finding its rows again, and every gated write finding its treaty pack's."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(
        String(30), index=True, doc="alliance, treaty, dca, peace_agreement, arms_control, mou, loa"
    )
    title: Mapped[str] = mapped_column(String(500))
    short_name: Mapped[str | None] = mapped_column(String(80))
    signed_on: Mapped[date | None]
    signed_precision: Mapped[str] = mapped_column(String(5), default="day")
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    negotiation_id: Mapped[int | None] = mapped_column(ForeignKey("negotiations.id"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)


class AgreementParty(Temporal, Sourced, Versioned, Base):
    """A party to an agreement from its joining to its leaving: a state, an organization, or a named actor.

    Non-state parties (rebel groups, movements, named signatories in peace agreements) have no state or
    organization; ``actor_name`` holds the name as the source writes it.
    """

    __tablename__ = "agreement_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    actor_name: Mapped[str | None] = mapped_column(String(300), doc="the party's name, for non-state parties")
    role: Mapped[str] = mapped_column(String(20), default="party", doc="party, signatory, guarantor, witness")


class Provision(Temporal, Sourced, Versioned, Base):
    """One commitment of an agreement, for all parties or for one (``party_id``), with its conditions."""

    __tablename__ = "provisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("agreement_parties.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), doc="e.g. defense, offense, neutral, nonagg, consul, art-II")
    kind: Mapped[str] = mapped_column(String(30), index=True)
    phase: Mapped[int | None] = mapped_column(doc="the agreement's phase the provision belongs to (ATOP phases)")
    article: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[dict[str, Any] | None]


class Obligation(Temporal, Sourced, Base):
    """A machine-checkable rule (LIMIT, QUOTA, DEADLINE, THRESHOLD, WINDOW, GATE or RECONCILE)."""

    __tablename__ = "obligations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    provision_id: Mapped[int | None] = mapped_column(ForeignKey("provisions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    article: Mapped[str | None] = mapped_column(String(80))
    parameters: Mapped[dict[str, Any]]
    severity: Mapped[str] = mapped_column(String(10), default="major")
    verified: Mapped[bool] = mapped_column(default=False)
