"""The errors services raise, one class per kind of answer a face gives (the API maps each to a status code).

Every error carries a message that says what went wrong and what to do, and, where one field is to blame,
that field's name. :class:`~detente.services.entities.RecordError` (bad values for a record) completes the set.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "ForbiddenError",
    "GateError",
    "NotFoundError",
    "RateLimitedError",
    "ServiceError",
]


class ServiceError(Exception):
    """Base class: a request the services refuse, with a message fit to show the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(ServiceError):
    """No such record, or one the user may not see (the two are indistinguishable on purpose)."""


class ForbiddenError(ServiceError):
    """The user's role does not allow this action (never used to hide a record: that is :class:`NotFoundError`)."""


class AuthenticationError(ServiceError):
    """No valid session or API token, or a wrong user name or password."""


class RateLimitedError(ServiceError):
    """Too many failed logins; ``retry_after`` says how many seconds to wait."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConflictError(ServiceError):
    """The record changed since the caller read it, or its state forbids the change (a closed case, a
    transition the lifecycle does not allow, a self-approval)."""


class GateError(ConflictError):
    """A compliance gate blocks the step (no notification period served, a unit not vetted)."""

    def __init__(self, message: str, *, gate: str, evidence: list[str] | None = None) -> None:
        super().__init__(message)
        self.gate = gate
        self.evidence = evidence or []
