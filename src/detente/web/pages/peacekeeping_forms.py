"""Peacekeeping records (``/ui/peacekeeping/record``): the forms that add a mission, a requirement and a pledge.

They live on a page of their own (linked from ``/ui/peacekeeping``) so the peacekeeping page stays a reading
page. A stored record answers with a 303 to the peacekeeping page of its mission, where the force-generation
table shows it; a refused form re-renders this page with the message beside the field and stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from detente.web.context import Page, PageContext, render
from detente.web.forms import FormError, submit, viewer
from detente.web.viewmodels import peacekeeping_forms

__all__ = ["router"]

router = APIRouter()


@dataclass(frozen=True)
class RecordPage:
    forms: peacekeeping_forms.PeacekeepingForms
    error: FormError | None = None
    values: dict[str, str] = field(default_factory=dict)
    form: str | None = None
    """Which form was refused (``mission``, ``requirement``, ``pledge``)."""


def record_page(
    ctx: PageContext, error: FormError | None = None, values: dict[str, str] | None = None, which: str | None = None
) -> RecordPage:
    return RecordPage(peacekeeping_forms.peacekeeping_forms(viewer(ctx)), error, values or {}, which)


@router.get("/ui/peacekeeping/record", response_class=HTMLResponse)
def record_view(ctx: Page) -> HTMLResponse:
    """The forms that add a mission, a requirement or a pledge."""
    return render(ctx, "peacekeeping_forms.html", record_page(ctx))


def _landing(which: str, created: dict[str, Any]) -> str:
    """The force-generation table of the new record's mission (the whole page's when it has none)."""
    mission = created["id"] if which == "mission" else created.get("mission_id")
    return f"/ui/peacekeeping?mission={mission}#force-h" if mission else "/ui/peacekeeping#force-h"


async def _create(ctx: PageContext, which: str, action: Callable[..., dict[str, Any]]) -> Response:
    return await submit(
        ctx,
        lambda posted: action(viewer(ctx), posted.fields),
        template="peacekeeping_forms.html",
        refused=lambda posted, error: record_page(ctx, error, posted.fields, which),
        done=lambda created: _landing(which, created),
    )


@router.post("/ui/peacekeeping/missions", response_class=HTMLResponse)
async def mission_create(ctx: Page) -> Response:
    """Add a mission."""
    return await _create(ctx, "mission", peacekeeping_forms.create_mission)


@router.post("/ui/peacekeeping/requirements", response_class=HTMLResponse)
async def requirement_create(ctx: Page) -> Response:
    """Add a requirement of a mission."""
    return await _create(ctx, "requirement", peacekeeping_forms.create_requirement)


@router.post("/ui/peacekeeping/pledges", response_class=HTMLResponse)
async def pledge_create(ctx: Page) -> Response:
    """Add a pledge (readiness level, verification visit, renewal date)."""
    return await _create(ctx, "pledge", peacekeeping_forms.create_pledge)
