"""Security assistance: cases from request to closure, their lines, deliveries and end-use checks, and arms
transfers as public registers record them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from detente.store.base import Base, Marked, Sourced, Versioned


class AssistanceCase(Marked, Base):
    """A security-assistance case: request -> offer -> accepted -> implementing -> delivered -> closed."""

    __tablename__ = "assistance_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True, doc="e.g. an LOA case identifier")
    title: Mapped[str] = mapped_column(String(300))
    programme: Mapped[str] = mapped_column(String(20), doc="fms, dcs, grant, training, other")
    provider_state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    recipient_state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    status: Mapped[str] = mapped_column(String(14), default="request")
    requested_on: Mapped[date]
    value: Mapped[Decimal | None] = mapped_column()
    currency: Mapped[str | None] = mapped_column(String(3))


class AssistanceLine(Versioned, Base):
    """One line of a case: an item or service, how many, at what unit value."""

    __tablename__ = "assistance_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("assistance_cases.id"), index=True)
    line_number: Mapped[int]
    description: Mapped[str] = mapped_column(String(500))
    category: Mapped[str | None] = mapped_column(String(60))
    quantity: Mapped[int]
    unit_value: Mapped[Decimal | None] = mapped_column()
    recipient_unit: Mapped[str | None] = mapped_column(String(200), doc="the unit that receives it (vetting)")


class AssistanceDelivery(Versioned, Base):
    """A delivery against a case line, with the serial numbers shipped."""

    __tablename__ = "assistance_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("assistance_lines.id"), index=True)
    delivered_on: Mapped[date]
    quantity: Mapped[int]
    serial_numbers: Mapped[list[Any] | None]


class EndUseCheck(Versioned, Base):
    """An end-use check: which serial numbers were seen, and any discrepancies."""

    __tablename__ = "end_use_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("assistance_cases.id"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("assistance_lines.id"), index=True)
    checked_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(12), default="routine", doc="routine or enhanced")
    result: Mapped[str] = mapped_column(String(14), doc="compliant, discrepancy, unresolved")
    serials_checked: Mapped[list[Any] | None]
    discrepancies: Mapped[str | None] = mapped_column(Text)


class ArmsTransfer(Sourced, Base):
    """A transfer of major conventional arms as a register records it (one deal and delivery year per row).

    TIV is SIPRI's trend-indicator value (millions), a volume measure, not money.
    """

    __tablename__ = "arms_transfers"
    __table_args__ = (
        # a country dossier reads a supplier's deliveries of the last ten years (migration 0008)
        Index("ix_arms_transfers_supplier_delivery_year", "supplier_state_id", "delivery_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"), index=True)
    recipient_state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"), index=True)
    supplier_name: Mapped[str] = mapped_column(String(120))
    recipient_name: Mapped[str] = mapped_column(String(120))
    designation: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(60))
    order_year: Mapped[int | None] = mapped_column(index=True)
    order_year_estimated: Mapped[bool | None] = mapped_column(
        doc="the source marks the order year as an estimate; NULL: the source does not say (unknown, not false)"
    )
    number_ordered: Mapped[int | None]
    delivery_year: Mapped[int | None] = mapped_column(index=True)
    delivery_year_estimated: Mapped[bool | None] = mapped_column(doc="SIPRI: the delivery year is an estimate")
    number_delivered: Mapped[int | None]
    number_delivered_estimated: Mapped[bool | None] = mapped_column(doc="SIPRI: the number delivered is an estimate")
    status: Mapped[str | None] = mapped_column(String(60))
    tiv_per_unit: Mapped[float | None]
    tiv_delivered: Mapped[float | None]
    local_production: Mapped[bool | None] = mapped_column(doc="SIPRI: produced under licence in the recipient")
