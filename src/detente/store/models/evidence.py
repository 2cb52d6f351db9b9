"""Evidence for treaty compliance: declarations, notifications, inspections and visits, activities, approvals
and vetting results, and the findings the compliance engine draws from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from detente.store.base import Base, Marked, Sourced, Temporal


class Declaration(Sourced, Marked, Base):
    """A party's declared holdings as of a date, by counted category (e.g. deployed ICBMs, warheads)."""

    __tablename__ = "declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    party_state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    as_of: Mapped[date] = mapped_column(index=True)
    counts: Mapped[dict[str, Any]]
    reference: Mapped[str | None] = mapped_column(String(500), doc="where the declaration was published")


class Notification(Sourced, Marked, Base):
    """A notification sent by one party and received by another, effective from a date."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    sender_state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    receiver_state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"), index=True)
    sent_at: Mapped[datetime]
    received_at: Mapped[datetime | None]
    effective_on: Mapped[date | None]
    trigger_type: Mapped[str | None] = mapped_column(String(40), doc="type of the event it notifies")
    trigger_id: Mapped[int | None]
    reference: Mapped[str | None] = mapped_column(String(200))


class Inspection(Temporal, Sourced, Marked, Base):
    """An inspection, evaluation visit or observation, with the counts the inspectors observed."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    inspecting_state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    inspected_state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    site: Mapped[str | None] = mapped_column(String(200))
    observed: Mapped[dict[str, Any] | None]
    arrived_at: Mapped[datetime | None] = mapped_column(doc="UTC moment the team arrived at the point of entry")
    departed_at: Mapped[datetime | None] = mapped_column(doc="UTC moment the team left")


class Activity(Temporal, Sourced, Marked, Base):
    """A notifiable military activity (e.g. an exercise) with its size figures (troops, tanks, ACVs ...)."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    figures: Mapped[dict[str, Any]]
    counterpart_state_id: Mapped[int | None] = mapped_column(
        ForeignKey("states.id"), index=True, doc="the other state involved (host, recipient of an offer ...)"
    )
    subject: Mapped[str | None] = mapped_column(String(200), doc="what it concerns: a case reference, a unit ...")


class Approval(Sourced, Marked, Base):
    """A decision that opens (or keeps shut) a gate: a vetting result, an assessment visit, a case closure."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), doc="e.g. vetting, assessment_visit, case_closure")
    party_state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True, doc="the deciding state")
    counterpart_state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200), doc="what was decided on: a unit, a case reference ...")
    decided_on: Mapped[date] = mapped_column(index=True)
    result: Mapped[str] = mapped_column(String(20), doc="cleared, denied, pending, closed")
    reference: Mapped[str | None] = mapped_column(String(200))


class Finding(Marked, Base):
    """The compliance engine's verdict on one obligation for one party for one period."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    party_state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"), index=True)
    as_of: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(
        String(20), doc="compliant, at_risk, breach, overdue, not_in_force, insufficient_data"
    )
    measured: Mapped[float | None]
    limit_value: Mapped[float | None]
    margin: Mapped[float | None]
    evidence: Mapped[list[Any] | None]
    explanation: Mapped[str] = mapped_column(Text)
    verified: Mapped[bool] = mapped_column(default=False)
    period_from: Mapped[date | None] = mapped_column(doc="start of the period the finding covers")
    period_to: Mapped[date | None] = mapped_column(doc="end of the period the finding covers")
    subject: Mapped[str | None] = mapped_column(String(200), doc="the event judged (e.g. activity:12), if any")
    figures: Mapped[dict[str, Any] | None] = mapped_column(doc="the named figures compared")
