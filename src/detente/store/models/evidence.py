"""Evidence for treaty compliance: declarations, notifications, inspections and visits, activities, and the
findings the compliance engine draws from them."""

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


class Activity(Temporal, Sourced, Marked, Base):
    """A notifiable military activity (e.g. an exercise) with its size figures (troops, tanks, ACVs ...)."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    figures: Mapped[dict[str, Any]]


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
