"""Helpers the practitioners' pages share: read a posted form, run service calls off the event loop, and
turn a refused write into a message for the page rather than a server error.

The CSRF token has been checked by the web router before a handler runs (see :mod:`detente.web.session`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from detente.services.entities import RecordError
from detente.services.errors import ConflictError, ForbiddenError, ServiceError
from detente.web.context import PageContext
from detente.web.viewmodels.common import Context

__all__ = [
    "REFUSED",
    "FormError",
    "form_error",
    "form_fields",
    "form_lists",
    "int_or_none",
    "refused_status",
    "see_other",
    "service",
    "upload",
    "viewer",
]

T = TypeVar("T")

REFUSED = (RecordError, ConflictError, ForbiddenError, ValueError)
"""What a form may be refused with: shown on the page with its field and reason, nothing stored."""


@dataclass(frozen=True)
class FormError:
    """Why a posted form was refused: the message, and the form field it belongs to (``None``: the whole form).

    Templates show ``message`` at the top of the page (``role="alert"``) and again beside the field, which
    gets ``aria-invalid`` and points at the message (see ``form_alert`` and ``field_error`` in ``macros.html``).
    """

    message: str
    field: str | None = None


def form_error(error: Exception, fields: Mapping[str, str] | None = None) -> FormError:
    """The :class:`FormError` for a refused write: the service's field, renamed to the form's own name.

    ``fields`` maps a service field (``provider_state_id``) to the form field that fed it when the two differ.
    A record error reads "<field>: <what to do>"; a refusal of the whole write keeps the service's message.
    """
    field: str | None = getattr(error, "field", None)
    name = (fields or {}).get(field, field) if field else None
    if isinstance(error, RecordError):
        if error.field is None:
            return FormError(str(error))
        label = (name or error.field).removesuffix("_id").replace("_", " ").replace("-", " ")
        return FormError(f"{label}: {error.problem}", name)
    if isinstance(error, ServiceError):
        return FormError(error.message, name)
    return FormError(str(error), name)


async def form_lists(request: Request) -> dict[str, list[str]]:
    """Every text field of the posted form with all of its values (for multiple selects and repeated fields)."""
    form = await request.form()
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


def viewer(ctx: PageContext) -> Context:
    """The view models' context for the signed-in user of this request."""
    return Context(ctx.store, ctx.principal)


async def form_fields(request: Request) -> dict[str, str]:
    """Every text field of the posted form (the last value of a repeated one); files are left out."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def upload(request: Request, name: str) -> tuple[str, bytes] | None:
    """The uploaded file ``name`` (file name and bytes), or ``None`` if none was chosen."""
    form = await request.form()
    item = form.get(name)
    if not isinstance(item, UploadFile) or not item.filename:
        return None
    try:
        return item.filename, await item.read()
    finally:
        await item.close()


async def service(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a (blocking) service call in the thread pool."""
    return await run_in_threadpool(function, *args, **kwargs)


def refused_status(error: Exception) -> int:
    """409 for a conflict (a stale version, a lifecycle step, a gate), 403 for a role, else 400."""
    if isinstance(error, ConflictError):
        return 409
    if isinstance(error, ForbiddenError):
        return 403
    return 400


def see_other(path: str) -> RedirectResponse:
    """Post/redirect/get: answer a successful form with a 303 to the page that shows the result."""
    return RedirectResponse(path, status_code=303)


def int_or_none(value: str | None) -> int | None:
    """A whole number from a query or form value; blank or not a number: ``None``."""
    text = (value or "").strip()
    return int(text) if text.lstrip("-").isdigit() else None
