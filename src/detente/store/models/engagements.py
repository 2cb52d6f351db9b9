"""Military-to-military engagements: exercises, training, exchanges, visits, staff talks and conferences.

An engagement moves through proposed -> approved -> planned -> executed -> assessed; its objectives carry
indicators and, once assessed, a score.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from detente.store.base import Base, Marked, Sourced, Temporal, Versioned


class Engagement(Temporal, Sourced, Marked, Base):
    """One engagement between defence establishments, public (an MME exercise) or the user's own."""

    __tablename__ = "engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(
        String(20), index=True, doc="exercise, training, exchange, visit, staff_talks, conference"
    )
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    place: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    host_state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"), index=True)
    cost: Mapped[Decimal | None] = mapped_column()
    currency: Mapped[str | None] = mapped_column(String(3))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    description: Mapped[str | None] = mapped_column(Text)


class EngagementParticipant(Sourced, Versioned, Base):
    """A state or organization taking part in an engagement, and in what role."""

    __tablename__ = "engagement_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"), index=True)
    state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    name_as_given: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="participant", doc="host, participant, observer")
    personnel: Mapped[int | None]
    unit: Mapped[str | None] = mapped_column(
        String(200), doc="the unit of the state that is trained (a training engagement waits for its vetting)"
    )


class EngagementObjective(Versioned, Base):
    """An objective of an engagement, its indicator and target, and the score it earned when assessed."""

    __tablename__ = "engagement_objectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    indicator: Mapped[str | None] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(String(200))
    score: Mapped[int | None] = mapped_column(doc="0 (not met) .. 3 (fully met)")
    assessment: Mapped[str | None] = mapped_column(Text)
