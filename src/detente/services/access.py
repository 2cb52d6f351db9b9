"""Who is asking, and what they may see: the principal, and the one filter every read goes through.

:func:`visible` is the single place where markings turn into SQL. Every read, list, count, search and export
in the services calls it (child records through their parent's filter), so no face can forget it. The rules
themselves live in :mod:`detente.domain.markings`; here they are applied to the ``markings`` table: the ids of
the markings a principal may see are computed once per request and the query asks for
``marking_id IS NULL OR marking_id IN (...)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, false, or_, select

from detente.domain.markings import Classification, MarkingError, Reader, Role, can_see, normalise_tokens
from detente.services.errors import ForbiddenError
from detente.store.models import Marking

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
        reader = principal.reader
        shown: dict[int, dict[str, Any]] = {}
        for marking_id, classification, releasable_to, caveat in connection.execute(
            select(Marking.id, Marking.classification, Marking.releasable_to, Marking.caveat)
        ):
            try:
                level = Classification.parse(classification)
            except MarkingError:
                continue  # a marking detente cannot read is shown to nobody rather than to everybody
            if can_see(reader, level, releasable_to or []):
                shown[marking_id] = {
                    "classification": level.label,
                    "releasable_to": list(releasable_to or []),
                    "caveat": caveat,
                }
        return cls(principal, frozenset(shown), shown)

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
