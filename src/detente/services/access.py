"""Who is asking, and what they may see: the principal, and the one filter every read goes through.

:func:`visible` is the single place where markings turn into SQL. Every read, list, count, search and export
in the services calls it (child records through their parent's filter), so no face can forget it. The rules
themselves live in :mod:`detente.domain.markings`; here they are applied to the ``markings`` table: the ids of
the markings a principal may see are looked up once per request (kept per process while the markings stay
as they are: :mod:`detente.services.marking_book`) and the query asks for
``marking_id IS NULL OR marking_id IN (...)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, false, or_

from detente.domain.markings import Classification, Reader, Role, normalise_tokens
from detente.services.errors import ForbiddenError
from detente.services.marking_book import visible_markings

__all__ = ["Principal", "Scope", "marking_label", "require_role", "visible"]


@dataclass(frozen=True)
class Principal:
    """The signed-in user a service acts for: identity, role, clearance, nationality and affiliations."""

    user_id: int
    username: str
    role: Role
    clearance: Classification
    nationality: str | None
    affiliations: frozenset[str]

    @property
    def reader(self) -> Reader:
        return Reader(self.clearance, self.nationality, self.affiliations)

    @property
    def actor(self) -> str:
        """The name the audit log records for this principal's writes."""
        return self.username

    def at_least(self, role: Role) -> bool:
        return self.role.at_least(role)


def require_role(principal: Principal, role: Role, doing: str) -> None:
    """Refuse with :class:`ForbiddenError` unless the principal's role is at least ``role``."""
    if not principal.at_least(role):
        raise ForbiddenError(f"{doing} needs the {role.value} role or higher; you are {principal.role.value}")


@dataclass(frozen=True)
class Scope:
    """What one principal may see, worked out once per request from the markings table."""

    principal: Principal
    marking_ids: frozenset[int]
    markings: dict[int, dict[str, Any]]
    """The visible markings by id: classification, releasable_to, caveat (shown with each record)."""

    @classmethod
    def of(cls, connection: Connection, principal: Principal) -> Scope:
        """What ``principal`` may see of the markings ``connection`` sees.

        The parsed markings table is kept per process while the audit log's data head stays put
        (:mod:`detente.services.marking_book`), so this costs one primary-key query; ``markings`` is shared
        between the scopes of readers alike: read it, never change it.
        """
        marking_ids, shown = visible_markings(connection, principal.reader)
        return cls(principal, marking_ids, shown)

    def can_see_marking(self, marking_id: int | None) -> bool:
        return marking_id is None or marking_id in self.marking_ids


def visible(model: Any, scope: Scope) -> ColumnElement[bool]:
    """The WHERE clause that keeps only the rows of a marked ``model`` that ``scope`` may see.

    Rows without a marking (public data) are visible to every signed-in user.
    """
    if not scope.marking_ids:
        return or_(model.marking_id.is_(None), false())
    return or_(model.marking_id.is_(None), model.marking_id.in_(sorted(scope.marking_ids)))


def marking_label(classification: str, releasable_to: list[str]) -> str:
    """``SECRET // REL TO FRA, GBR, ORG:NATO`` - how a marking is written on screen and in exports."""
    tokens = normalise_tokens(releasable_to)
    return f"{Classification.parse(classification).label} // REL TO {', '.join(tokens)}"
