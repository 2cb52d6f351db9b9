"""Engagements (``/ui/engagements``): a month calendar and a filtered list, a form to propose one, and one
engagement's page with its lifecycle step (approval by a second editor), edit form and assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from detente.web.context import Page, PageContext, render
from detente.web.forms import REFUSED, form_fields, int_or_none, refused_status, see_other, service, viewer
from detente.web.viewmodels import engagements
from detente.web.viewmodels.common import Choice

__all__ = ["router"]

router = APIRouter()


@dataclass(frozen=True)
class ListPage:
    listing: engagements.EngagementList
    month: engagements.CalendarMonth
    month_value: str
    error: str | None
    form: dict[str, str]
    newer: str | None
    older: str | None


@dataclass(frozen=True)
class DetailPage:
    detail: engagements.EngagementDetail
    states: list[Choice]
    error: str | None


def _month(value: str | None) -> tuple[int, int]:
    text = (value or "").strip()
    try:
        parsed = datetime.strptime(text, "%Y-%m")
    except ValueError:
        today = datetime.now(UTC)
        return today.year, today.month
    return parsed.year, parsed.month


def _query(**values: Any) -> str:
    return "&".join(f"{k}={v}" for k, v in values.items() if v not in (None, ""))


def list_page(
    ctx: PageContext, params: dict[str, str], error: str | None = None, form: dict[str, str] | None = None
) -> ListPage:
    state_id = int_or_none(params.get("state_id"))
    offset = max(0, int_or_none(params.get("offset")) or 0)
    listing = engagements.listing(
        viewer(ctx), status=params.get("status"), kind=params.get("kind"), state_id=state_id, offset=offset
    )
    year, number = _month(params.get("month"))
    month = engagements.month(viewer(ctx), year, number, state_id=state_id)
    base = _query(status=listing.status, kind=listing.kind, state_id=state_id, month=f"{year:04d}-{number:02d}")
    newer = f"/ui/engagements?{base}&offset={max(0, offset - listing.limit)}" if offset > 0 else None
    more = offset + listing.limit < listing.total
    older = f"/ui/engagements?{base}&offset={offset + listing.limit}" if more else None
    return ListPage(listing, month, f"{year:04d}-{number:02d}", error, form or {}, newer, older)


@router.get("/ui/engagements", response_class=HTMLResponse)
def engagement_list(request: Request, ctx: Page) -> HTMLResponse:
    """The calendar of a month and the list of engagements, filtered."""
    return render(ctx, "engagements.html", list_page(ctx, dict(request.query_params)))


@router.post("/ui/engagements", response_class=HTMLResponse)
async def engagement_create(request: Request, ctx: Page) -> Response:
    """Propose an engagement (editors); objectives one per line."""
    form = await form_fields(request)
    objectives = form.get("objectives", "").splitlines()
    try:
        created = await service(engagements.create, viewer(ctx), form, objectives)
    except REFUSED as error:
        view = await service(list_page, ctx, {}, str(error), form)
        return render(ctx, "engagements.html", view, status=refused_status(error))
    return see_other(f"/ui/engagements/{created['id']}")


def detail_page(ctx: PageContext, engagement_id: int, error: str | None = None) -> DetailPage:
    return DetailPage(engagements.detail(viewer(ctx), engagement_id), viewer(ctx).state_choices(), error)


@router.get("/ui/engagements/{engagement_id}", response_class=HTMLResponse)
def engagement_detail(ctx: Page, engagement_id: int) -> HTMLResponse:
    """One engagement: its participants, objectives, lifecycle and what the user may do next."""
    return render(ctx, "engagement.html", detail_page(ctx, engagement_id))


async def _act(request: Request, ctx: PageContext, engagement_id: int, action: str) -> Response:
    form = await form_fields(request)
    version = int_or_none(form.get("version")) or 0
    try:
        if action == "transition":
            await service(engagements.transition, viewer(ctx), engagement_id, form.get("to", ""), version)
        elif action == "assess":
            await service(engagements.assess, viewer(ctx), engagement_id, form, version)
        else:
            await service(engagements.update, viewer(ctx), engagement_id, form, version)
    except REFUSED as error:
        view = await service(detail_page, ctx, engagement_id, str(error))
        return render(ctx, "engagement.html", view, status=refused_status(error))
    return see_other(f"/ui/engagements/{engagement_id}")


@router.post("/ui/engagements/{engagement_id}/transition", response_class=HTMLResponse)
async def engagement_transition(request: Request, ctx: Page, engagement_id: int) -> Response:
    """Move the engagement to its next status."""
    return await _act(request, ctx, engagement_id, "transition")


@router.post("/ui/engagements/{engagement_id}/assess", response_class=HTMLResponse)
async def engagement_assess(request: Request, ctx: Page, engagement_id: int) -> Response:
    """Score every objective (0-3) and mark the engagement assessed."""
    return await _act(request, ctx, engagement_id, "assess")


@router.post("/ui/engagements/{engagement_id}/edit", response_class=HTMLResponse)
async def engagement_edit(request: Request, ctx: Page, engagement_id: int) -> Response:
    """Change the engagement's title, place, dates or description (against the version read)."""
    return await _act(request, ctx, engagement_id, "edit")
