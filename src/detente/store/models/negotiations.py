"""Negotiations in military conflicts: parties and mediators, rounds, issues, and how far the provisions of
the resulting agreements are implemented."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from detente.store.base import Base, Marked, Sourced, Temporal, Versioned


class Negotiation(Temporal, Sourced, Marked, Base):
    """A negotiation process, usually within one conflict."""

    __tablename__ = "negotiations"

    id: Mapped[int] = mapped_column(primary_key=True)
    conflict_id: Mapped[int | None] = mapped_column(ForeignKey("conflicts.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="ongoing", doc="ongoing, suspended, concluded, failed")
    outcome: Mapped[str | None] = mapped_column(Text)


class NegotiationParty(Sourced, Versioned, Base):
    """A party, mediator, observer or guarantor of a negotiation."""

    __tablename__ = "negotiation_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("negotiations.id"), index=True)
    state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(12), doc="party, mediator, observer, guarantor")


class NegotiationRound(Temporal, Versioned, Base):
    """A round of talks: when, where, and what came of it."""

    __tablename__ = "negotiation_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("negotiations.id"), index=True)
    number: Mapped[int]
    venue: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)


class NegotiationIssue(Versioned, Base):
    """An issue on the table and each party's position on it."""

    __tablename__ = "negotiation_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("negotiations.id"), index=True)
    issue: Mapped[str] = mapped_column(String(300))
    positions: Mapped[dict[str, Any] | None]


class ImplementationScore(Sourced, Versioned, Base):
    """How far a provision was implemented in a year: 0 none, 1 minimal, 2 intermediate, 3 full (PAM scale)."""

    __tablename__ = "implementation_scores"
    __table_args__ = (UniqueConstraint("provision_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provision_id: Mapped[int] = mapped_column(ForeignKey("provisions.id"), index=True)
    year: Mapped[int]
    score: Mapped[int]
    notes: Mapped[str | None] = mapped_column(Text)
