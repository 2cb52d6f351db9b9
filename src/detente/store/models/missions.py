"""Peacekeeping and multinational missions, who contributes to them, what they need and what is pledged."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from detente.store.base import Base, Marked, Sourced, Temporal, Versioned


class Mission(Temporal, Sourced, Marked, Base):
    """A UN peacekeeping operation, special political mission, support office or other multinational operation.

    ``kind`` matters for totals: the UN's own figures count peacekeeping operations (``un_pko``) only.
    ``source_key`` is unique: a source's mission is found again by it on every reload.

    A mission loaded from a source (``source_version_id`` set) is public: no marking. A mission a user records
    carries a marking like every other user record, and is seen only by the readers it is released to.
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
    last_verified_on: Mapped[date | None] = mapped_column(
        doc="the last verification visit that found the pledge verified or partly verified; once the pledge has "
        "verification records (pledge_verifications) detente keeps it from them"
    )
    renewal_due_on: Mapped[date | None] = mapped_column(doc="when the pledge must be renewed")


class PledgeVerification(Versioned, Base):
    """One verification visit to a pledged capability: when, what kind of visit, what it found.

    The UN's capability readiness system verifies pledges by visits: an assessment and advisory visit (AAV)
    before a unit is accepted at a level, a pre-deployment visit (PDV) before it deploys. A visit has no
    marking of its own: it is seen exactly by those who may see its pledge. Its pledge's ``last_verified_on``
    follows the visits (:mod:`detente.services.pledge_visits`).
    """

    __tablename__ = "pledge_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"), index=True)
    visited_on: Mapped[date]
    kind: Mapped[str] = mapped_column(
        String(30), doc="assessment_advisory_visit, pre_deployment_visit, operational_readiness_inspection, other"
    )
    outcome: Mapped[str] = mapped_column(String(16), doc="verified, partly_verified, not_verified")
    readiness_level_found: Mapped[str | None] = mapped_column(String(4), doc="L1, L2, L3 or RDL, if assessed")
    findings: Mapped[str | None] = mapped_column(Text)
