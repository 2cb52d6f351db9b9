"""Armed conflicts (UCDP/PRIO) and militarised interstate disputes (COW MIDs): context for every capability."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from detente.store.base import Base, Sourced, Temporal


class Conflict(Temporal, Sourced, Base):
    """An armed conflict: interstate, intrastate, internationalised intrastate or extrasystemic."""

    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))
    incompatibility: Mapped[str | None] = mapped_column(String(30), doc="territory, government or both")
    location: Mapped[str | None] = mapped_column(String(300))
    max_intensity: Mapped[int | None] = mapped_column(doc="UCDP: 1 minor (25-999 deaths/yr), 2 war (1000+)")


class ConflictParty(Temporal, Sourced, Base):
    """A side in an armed conflict: a state or a named non-state actor."""

    __tablename__ = "conflict_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    conflict_id: Mapped[int] = mapped_column(ForeignKey("conflicts.id"), index=True)
    state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(300))
    side: Mapped[str] = mapped_column(String(1), doc="A or B")
    secondary: Mapped[bool] = mapped_column(default=False, doc="supports a side without fighting")


class Dispute(Temporal, Sourced, Base):
    """A militarised interstate dispute (threat, display or use of force between states)."""

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(index=True, doc="COW dispnum")
    max_hostility: Mapped[int | None] = mapped_column(doc="1 none .. 5 war")
    fatalities: Mapped[int | None] = mapped_column(doc="a count of deaths, where a source gives one")
    fatality_level: Mapped[int | None] = mapped_column(
        doc="COW MID fatality level: 0 none, 1 1-25, 2 26-100, 3 101-250, 4 251-500, 5 501-999, 6 >999"
    )
    outcome: Mapped[str | None] = mapped_column(String(40))


class DisputeParticipant(Temporal, Sourced, Base):
    """A state's participation in a dispute: its side, whether it originated, its highest hostility level."""

    __tablename__ = "dispute_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    side: Mapped[str] = mapped_column(String(1), doc="A (initiating side) or B")
    originator: Mapped[bool]
    hostility: Mapped[int | None]
