"""Defence attachés: postings, their reports (graded for source reliability and information credibility),
links from reports to what they are about, and journal notes on any record."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from detente.store.base import Base, Marked, Temporal, Versioned


class Posting(Temporal, Marked, Base):
    """An attaché of ``sending_state`` accredited to ``host_state`` for a span of time."""

    __tablename__ = "postings"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    sending_state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    host_state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    title: Mapped[str] = mapped_column(String(120), doc="e.g. Defence Attaché, Naval Attaché")


class Report(Marked, Base):
    """A report, graded A-F for source reliability and 1-6 for information credibility (NATO system)."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"), index=True)
    reported_on: Mapped[date] = mapped_column(index=True)
    region: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    reliability: Mapped[str] = mapped_column(String(1), doc="A (reliable) .. F (cannot be judged)")
    credibility: Mapped[int] = mapped_column(doc="1 (confirmed) .. 6 (cannot be judged)")


class ReportLink(Versioned, Base):
    """A report's link to a record it is about (a state, organization, engagement, ...)."""

    __tablename__ = "report_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]


class JournalNote(Marked, Base):
    """A free-text note on any record, kept apart from the change log (as NetBox's journal)."""

    __tablename__ = "journal_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(40), index=True)
    object_id: Mapped[int] = mapped_column(index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(12), default="info", doc="info, success, warning, danger")
    body: Mapped[str] = mapped_column(Text)
