"""Users, roles, releasability markings, login sessions and API tokens, failed logins, and four-eyes release
requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
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
    clearance: Mapped[str] = mapped_column(
        String(30), default="UNCLASSIFIED", server_default="UNCLASSIFIED", doc="highest classification they may read"
    )
    affiliations: Mapped[list[Any]] = mapped_column(
        default=list, doc="releasability tokens of their organizations and sharing groups (ORG:NATO, GROUP:FVEY)"
    )


class Marking(Base):
    """A classification and the partners or sharing groups a record is releasable to."""

    __tablename__ = "markings"

    id: Mapped[int] = mapped_column(primary_key=True)
    classification: Mapped[str] = mapped_column(String(30), doc="e.g. UNCLASSIFIED, RESTRICTED, CONFIDENTIAL")
    releasable_to: Mapped[list[Any]] = mapped_column(doc="ISO3 codes or sharing-group names")
    caveat: Mapped[str | None] = mapped_column(String(100))


class ApiToken(Base):
    """A login session or a named API token. Only the SHA-256 of the secret is kept; it expires and can be revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), doc="session (from a login) or api (made by the user)")
    name: Mapped[str | None] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class LoginFailure(Base):
    """One failed login, counted against a key (``user:<name>`` or ``client:<address>``) for rate limiting.

    Kept in the database rather than in a process's memory so that the limit holds across every uvicorn worker
    and every process serving the same store. Rows older than the limiter's window are deleted as new ones come.
    """

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    failed_at: Mapped[datetime] = mapped_column(index=True)


class ReleaseRequest(Base):
    """A request to release a record to partners, waiting for a second editor (four-eyes release).

    Until it is approved the record keeps its interim marking (releasable to its author's state only).
    """

    __tablename__ = "release_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(40), index=True)
    object_id: Mapped[int] = mapped_column(index=True)
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), doc="the marking asked for")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="pending", doc="pending, approved, refused")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
