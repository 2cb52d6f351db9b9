"""Peacekeeping and multinational missions, who contributes to them, what they need and what is pledged."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from detente.store.base import Base, Marked, Sourced, Temporal, Versioned


class Mission(Temporal, Sourced, Versioned, Base):
    """A UN peacekeeping operation, special political mission, support office or other multinational operation.

    ``kind`` matters for totals: the UN's own figures count peacekeeping operations (``un_pko``) only.
    ``source_key`` is unique: a source's mission is found again by it on every reload.
    """

    __tablename__ = "missions"
    __table_args__ = (Index("uq_missions_source_key", "source_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True, doc="acronym, e.g. MINUSMA")
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(
        String(20),
        doc="un_pko (peacekeeping operation), un_spm (special political mission or office), "
        "un_support (support office such as UNSOS), multinational",
    )
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    host_state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"), index=True)
    hq_latitude: Mapped[float | None]
    hq_longitude: Mapped[float | None]


class Contribution(Temporal, Sourced, Base):
    """Uniformed personnel a state provided to a mission over a period (usually one month).

    ``None`` means not reported, which is different from 0.
    """

    __tablename__ = "contributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("missions.id"), index=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    troops: Mapped[int | None]
    police: Mapped[int | None] = mapped_column(doc="all police: individual officers plus formed units")
    police_individual: Mapped[int | None] = mapped_column(doc="individual police officers (IPO), where given")
    police_formed_units: Mapped[int | None] = mapped_column(doc="formed police units (FPU), where given")
    experts: Mapped[int | None]
    total: Mapped[int | None]
    women: Mapped[int | None]


class Requirement(Temporal, Marked, Base):
    """A capability a mission needs (type and size) over a period."""

    __tablename__ = "requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("missions.id"), index=True)
    capability_type: Mapped[str] = mapped_column(String(60), doc="e.g. infantry_battalion, level2_hospital")
    size: Mapped[int]
    readiness_required: Mapped[str | None] = mapped_column(String(4), doc="L1, L2, L3 or RDL")
    status: Mapped[str] = mapped_column(String(20), default="open")


class Pledge(Marked, Base):
    """A state's pledge of a capability at a readiness level (UN PCRS levels L1, L2, L3, RDL)."""

    __tablename__ = "pledges"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("missions.id"), index=True)
    requirement_id: Mapped[int | None] = mapped_column(ForeignKey("requirements.id"), index=True)
    capability_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    readiness_level: Mapped[str] = mapped_column(String(4))
    pledged_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="pledged")
    last_verified_on: Mapped[date | None] = mapped_column(doc="the last verification (assessment) visit")
    renewal_due_on: Mapped[date | None] = mapped_column(doc="when the pledge must be renewed")
