"""Helpers the practitioners' pages share: read a posted form, run service calls off the event loop, and
turn a refused write into a message for the page rather than a server error.

The pages answer their forms with :func:`submit`: the write runs in the thread pool; a refusal re-renders the
page (with the message beside its field and the values typed) with the status of the refusal, and a stored
change answers with a 303 to the page that shows it (post/redirect/get). (The compliance evidence upload, whose
refusal lists every bad row of a file, and the sign-in and admin forms answer in their own way.)

The CSRF token has been checked by the web router before a handler runs (see :mod:`detente.web.session`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from detente.services.entities import RecordError
from detente.services.errors import ConflictError, ForbiddenError, ServiceError
from detente.web.context import PageContext, render
from detente.web.viewmodels.common import Context

__all__ = [
    "REFUSED",
    "FormError",
    "Posted",
    "form_error",
    "form_fields",
    "form_lists",
    "int_or_none",
    "refused_status",
    "see_other",
    "service",
    "submit",
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

    ``fields`` maps a service field (``provider_state_id``) to the form field that fed it when the two differ;
    the key ``""`` names the form field a refusal of the whole form is shown beside (on a form that is one
    button, such as a lifecycle step, the button). A record error reads "<field>: <what to do>"; a refusal of
    the whole write keeps the service's message.
    """
    mapping = fields or {}
    blamed: str | None = getattr(error, "field", None) or None
    name = mapping.get(blamed, blamed) if blamed else mapping.get("")
    if isinstance(error, RecordError):
        if error.field is None:
            return FormError(str(error), name)
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


@dataclass(frozen=True)
class Posted:
    """A posted form: each text field (its last value) and every value of each (for multiple selects)."""

    fields: dict[str, str]
    lists: dict[str, list[str]]


async def submit(
    ctx: PageContext,
    write: Callable[[Posted], T],
    *,
    template: str,
    refused: Callable[[Posted, FormError], Any],
    done: str | Callable[[T], str],
    fields: Mapping[str, str] | None = None,
) -> Response:
    """Answer a posted form: run ``write`` with it in the thread pool, then redirect or show the refusal.

    * stored: a 303 to ``done`` (an address, or a function of what ``write`` returned, e.g. the new id);
    * refused (:data:`REFUSED`): ``template`` rendered with the view ``refused`` builds from the posted form
      and the :class:`FormError` (``fields`` renames service fields as in :func:`form_error`), with the
      refusal's status (:func:`refused_status`); nothing was stored.

    ::

        return await submit(ctx, lambda posted: case_forms.add_line(viewer(ctx), case_id, posted.fields),
                            template="case.html", done=f"/ui/cases/{case_id}",
                            refused=lambda posted, error: case_page(ctx, case_id, error, posted.fields, "line"))
    """
    posted = Posted(await form_fields(ctx.request), await form_lists(ctx.request))
    try:
        result = await service(write, posted)
    except REFUSED as error:
        view = await service(refused, posted, form_error(error, fields))
        return render(ctx, template, view, status=refused_status(error))
    return see_other(done if isinstance(done, str) else done(result))


def int_or_none(value: str | None) -> int | None:
    """A whole number from a query or form value; blank or not a number: ``None``."""
    text = (value or "").strip()
    return int(text) if text.lstrip("-").isdigit() else None
