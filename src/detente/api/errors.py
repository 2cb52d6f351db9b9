"""Turning service errors and invalid requests into 4xx answers with one body shape, :class:`ErrorBody`.

Every refusal names the field at fault where there is one, and none echoes back what was sent (a mistyped
password must not come back in an error, nor land in a log).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from detente.api.schemas import ErrorBody, FieldProblem
from detente.services.entities import RecordError
from detente.services.errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    GateError,
    NotFoundError,
    RateLimitedError,
    ServiceError,
)
from detente.store.connection_health import connection_lost, drop_pooled_connections
from detente.store.error_text import describe, safe_traceback

__all__ = ["ERROR_RESPONSES", "install_error_handlers", "problem"]

log = logging.getLogger("detente.api")

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "the request cannot be read"),
        (401, "sign in first: no valid session or API token"),
        (403, "your role does not allow this"),
        (404, "no such record, or none you may see"),
        (409, "the record changed since you read it, or its state forbids this"),
        (413, "the request body is too large"),
        (422, "a field is missing or not valid"),
        (429, "too many failed logins; wait and try again"),
    )
}
"""The error answers every route documents (all with the :class:`ErrorBody` shape)."""

_STATUS_WORDS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def problem(
    status: int, message: str, fields: list[FieldProblem] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A JSON error answer."""
    body = ErrorBody(error=_STATUS_WORDS.get(status, "error"), message=message, fields=fields or [])
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _location(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or None


MISSING_VERSION = (
    "is required: give the version you read (GET the record), so that a change someone made since is not lost"
)
"""Said for an update without ``version``: pydantic's own "Field required" does not say what to send."""


def _message(kind: str, field: str | None, default: str) -> str:
    """The sentence for one field problem: pydantic's, except where it would not tell the caller what to do."""
    if kind == "missing" and field == "version":
        return MISSING_VERSION
    return default


def _invalid_request(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    fields = []
    for item in error.errors():
        kind = item.get("type", "")
        if kind == "json_invalid":
            context = item.get("ctx", {}).get("error", "")
            return problem(400, f"the body is not valid JSON ({context}); send a JSON object")
        field = _location(item.get("loc", ()))
        fields.append(FieldProblem(field=field, message=_message(kind, field, str(item.get("msg", "not valid")))))
    return problem(422, "the request is not valid: see fields", fields)


def _service_error(_request: Request, error: Exception) -> JSONResponse:
    if isinstance(error, RecordError):
        return problem(422, str(error), [FieldProblem(field=error.field, message=error.problem)])
    assert isinstance(error, ServiceError)
    fields = [FieldProblem(field=error.field, message=error.message)] if error.field else []
    if isinstance(error, NotFoundError):
        # a field only when a referenced record is missing (a citation's object_id), never the record asked for
        return problem(404, error.message, fields)
    if isinstance(error, AuthenticationError):
        return problem(401, error.message, headers={"WWW-Authenticate": "Bearer"})
    if isinstance(error, ForbiddenError):
        return problem(403, error.message)
    if isinstance(error, RateLimitedError):
        return problem(429, error.message, headers={"Retry-After": str(error.retry_after)})
    if isinstance(error, GateError):
        return problem(409, f"{error.gate} gate: {error.message}", fields)
    if isinstance(error, ConflictError):
        return problem(409, error.message, fields)
    return problem(400, error.message, fields)


def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    return problem(error.status_code, str(error.detail), headers=getattr(error, "headers", None))


def _database_error(request: Request, error: Exception) -> JSONResponse:
    """A lost database connection is the database's outage, not a fault of the request: 503, try again.

    Any other database error is a fault of detente: a 500, logged here -- and not by the server, whose log
    line would carry the driver's whole text. PostgreSQL's ``DETAIL: Failing row contains (...)`` and the
    statement's parameters hold the row's values (a marked record's text, a secret), so the log gets only
    what :func:`~detente.store.error_text.describe` keeps (error class, SQLSTATE, constraint, statement with
    placeholders) and the frames where it was raised; the answer says nothing of either.
    """
    engine = request.app.state.store.engine
    if not connection_lost(engine, error):
        log.error(
            "database error during %s %s: %s\n%s",
            request.method,
            request.url.path,
            describe(error),
            safe_traceback(error),
        )
        return problem(500, "the server could not do this because of a database error; it is logged for the admins")
    drop_pooled_connections(engine)
    log.warning("the database connection was lost during %s %s", request.method, request.url.path)
    return problem(503, "the database connection was lost; try again in a moment", headers={"Retry-After": "1"})


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app`` (whose ``state.store`` is set: its driver's errors are handled too)."""
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(RecordError, _service_error)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    # statements run straight on the driver raise the driver's own errors
    app.add_exception_handler(app.state.store.engine.dialect.loaded_dbapi.Error, _database_error)
