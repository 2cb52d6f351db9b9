"""The append-only, hash-chained audit log.

Rows are only ever inserted by :mod:`detente.store.audit_log`; the database itself refuses UPDATE and DELETE
on ``audit_entries`` (triggers created by the migrations). ``audit_head`` holds the newest (seq, hash) so that
a removed tail is also detected.
"""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from detente.store.base import Base


class AuditEntry(Base):
    """One write: who did what to which object, the object before and after, chained by hash."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32), doc="UTC time, ISO 8601 with microseconds")
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(20))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(60))
    before: Mapped[str] = mapped_column(Text, doc="canonical JSON of the object before the write, or null")
    after: Mapped[str] = mapped_column(Text, doc="canonical JSON of the object after the write, or null")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest entry's sequence number and hash (a single row with id 1), and those of the newest entry
    that recorded a change of data (``data_seq``, ``data_hash``: every action but ``read`` and ``export``).

    Caches of what the domain tables hold key on the data head: a reader's audited look at a marked record
    moves the head but changes no row, so it must not throw those caches away.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    data_seq: Mapped[int] = mapped_column(server_default="0")
    data_hash: Mapped[str] = mapped_column(String(64), server_default="")
