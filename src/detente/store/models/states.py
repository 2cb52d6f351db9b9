"""States, their codes in each coding system, their system membership, capitals and organizations.

A country is one row in ``states``; how each dataset names it lives in ``state_codes`` with the years each
code is valid (Germany is COW 255 and G-W 260, Serbia was Yugoslavia 345 in both). Membership of the
international system (COW or Gleditsch-Ward) is a set of spells, because states leave and come back.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from detente.store.base import Base, Sourced, Temporal


class State(Sourced, Base):
    """A country, whatever code system names it."""

    __tablename__ = "states"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    ccode: Mapped[int | None] = mapped_column(index=True, doc="Correlates of War numeric code")
    gwcode: Mapped[int | None] = mapped_column(index=True, doc="Gleditsch-Ward numeric code")
    iso3: Mapped[str | None] = mapped_column(String(3), index=True)
    iso2: Mapped[str | None] = mapped_column(String(2))
    abbreviation: Mapped[str | None] = mapped_column(String(10), doc="COW three-letter abbreviation")


class StateCode(Temporal, Sourced, Base):
    """One code (or name) that one coding system gives a state for a span of years: the crosswalk."""

    __tablename__ = "state_codes"
    __table_args__ = (UniqueConstraint("system", "code", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    system: Mapped[str] = mapped_column(String(20), doc="cow, gw, iso3, iso2, name, alias ...")
    code: Mapped[str] = mapped_column(String(120))


class SystemSpell(Temporal, Sourced, Base):
    """A spell of membership in an interstate system (``cow`` or ``gw``)."""

    __tablename__ = "system_spells"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    system: Mapped[str] = mapped_column(String(10))
    code: Mapped[int]


class Capital(Temporal, Sourced, Base):
    """A state's capital city for a span of time."""

    __tablename__ = "capitals"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]


class Organization(Temporal, Sourced, Base):
    """An alliance organisation, intergovernmental organisation or UN body."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    abbreviation: Mapped[str | None] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20), doc="alliance, igo, un_body, forum, other")


class OrganizationMembership(Temporal, Sourced, Base):
    """A state's membership of an organization over time."""

    __tablename__ = "organization_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="full", doc="full, associate, observer")
