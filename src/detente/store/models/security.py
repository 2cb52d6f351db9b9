"""Users, roles and releasability markings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from detente.store.base import Base


class Role(Base):
    """A role: viewer, analyst, editor or admin."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    description: Mapped[str | None] = mapped_column(String(300))


class User(Base):
    """A local account. ``password_hash`` is an argon2 hash; it never reaches a log or the audit trail."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"), index=True)
    nationality: Mapped[str | None] = mapped_column(String(3), doc="ISO3 of the user's country, for releasability")
    active: Mapped[bool] = mapped_column(default=True)


class Marking(Base):
    """A classification and the partners or sharing groups a record is releasable to."""

    __tablename__ = "markings"

    id: Mapped[int] = mapped_column(primary_key=True)
    classification: Mapped[str] = mapped_column(String(30), doc="e.g. UNCLASSIFIED, RESTRICTED, CONFIDENTIAL")
    releasable_to: Mapped[list[Any]] = mapped_column(doc="ISO3 codes or sharing-group names")
    caveat: Mapped[str | None] = mapped_column(String(100))
