"""Engagements (``/ui/engagements``): a month calendar and a filtered list, a form to propose one, and one
engagement's page with its lifecycle step (approval by a second editor), edit form and assessment.

A refused form re-renders its page with the message at the top and beside the field it concerns (the values
typed kept) and stores nothing. A refusal of a whole form (a lifecycle step out of turn, a version someone
else changed, an engagement loaded from a source) is shown beside the form's button: ``to`` for the
lifecycle step, ``version`` for the edit, ``assessment`` for the assessment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from detente.web.context import Page, PageContext, render
from detente.web.forms import FormError, int_or_none, submit, viewer
from detente.web.viewmodels import engagements
from detente.web.viewmodels.common import Choice

__all__ = ["router"]

router = APIRouter()


@dataclass(frozen=True)
class ListPage:
    listing: engagements.EngagementList
    month: engagements.CalendarMonth
    month_value: str
    error: FormError | None
    form: dict[str, str]
    """The values posted to the form that proposes an engagement (kept after a refusal)."""
    newer: str | None
    older: str | None


@dataclass(frozen=True)
class DetailPage:
    detail: engagements.EngagementDetail
    states: list[Choice]
    error: FormError | None = None
    values: dict[str, str] = field(default_factory=dict)
    form: str | None = None
    """Which form of the page was refused (``transition``, ``assess``, ``edit``)."""


WHOLE_FORM = {
    "transition": {"": "to", "version": "to", "status": "to"},
    "edit": {"": "version"},
    "assess": {"": "assessment", "version": "assessment", "status": "assessment", "scores": "assessment"},
}
"""Per form of the engagement page: where a refusal that is not about one input is shown (its button)."""


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
    ctx: PageContext, params: dict[str, str], error: FormError | None = None, form: dict[str, str] | None = None
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
async def engagement_create(ctx: Page) -> Response:
    """Propose an engagement (editors); objectives one per line."""
    return await submit(
        ctx,
        lambda posted: engagements.create(viewer(ctx), posted.fields, posted.fields.get("objectives", "").splitlines()),
        template="engagements.html",
        refused=lambda posted, error: list_page(ctx, {}, error, posted.fields),
        done=lambda created: f"/ui/engagements/{created['id']}",
        fields={"text": "objectives"},
    )


def detail_page(
    ctx: PageContext,
    engagement_id: int,
    error: FormError | None = None,
    values: dict[str, str] | None = None,
    which: str | None = None,
) -> DetailPage:
    people = viewer(ctx)
    return DetailPage(engagements.detail(people, engagement_id), people.state_choices(), error, values or {}, which)


@router.get("/ui/engagements/{engagement_id}", response_class=HTMLResponse)
def engagement_detail(ctx: Page, engagement_id: int) -> HTMLResponse:
    """One engagement: its participants, objectives, lifecycle and what the user may do next."""
    return render(ctx, "engagement.html", detail_page(ctx, engagement_id))


async def _act(ctx: PageContext, engagement_id: int, which: str, action: Callable[..., Any]) -> Response:
    """Run one of the engagement page's forms against the version read (``action(people, id, form, version)``)."""
    return await submit(
        ctx,
        lambda posted: action(
            viewer(ctx), engagement_id, posted.fields, int_or_none(posted.fields.get("version")) or 0
        ),
        template="engagement.html",
        refused=lambda posted, error: detail_page(ctx, engagement_id, error, posted.fields, which),
        done=f"/ui/engagements/{engagement_id}",
        fields=WHOLE_FORM[which],
    )


def _move(people: Any, engagement_id: int, form: dict[str, str], version: int) -> dict[str, Any]:
    return engagements.transition(people, engagement_id, form.get("to", ""), version)


@router.post("/ui/engagements/{engagement_id}/transition", response_class=HTMLResponse)
async def engagement_transition(ctx: Page, engagement_id: int) -> Response:
    """Move the engagement to its next status."""
    return await _act(ctx, engagement_id, "transition", _move)


@router.post("/ui/engagements/{engagement_id}/assess", response_class=HTMLResponse)
async def engagement_assess(ctx: Page, engagement_id: int) -> Response:
    """Score every objective (0-3) and mark the engagement assessed."""
    return await _act(ctx, engagement_id, "assess", engagements.assess)


@router.post("/ui/engagements/{engagement_id}/edit", response_class=HTMLResponse)
async def engagement_edit(ctx: Page, engagement_id: int) -> Response:
    """Change the engagement's title, place, dates or description (against the version read)."""
    return await _act(ctx, engagement_id, "edit", engagements.update)
